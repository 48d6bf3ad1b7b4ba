import type { Linker } from "../types";
import { endpointSliceLinker } from "./endpointSlice";
import { horizontalPodAutoscalerLinker } from "./horizontalPodAutoscaler";
import { ingressLinker } from "./ingress";
import { ownerReferencesLinker } from "./ownerReferences";
import { parentLinkAnnotationLinker } from "./parentLinkAnnotation";
import { persistentVolumeClaimLinker } from "./persistentVolumeClaim";
import { podNodeLinker } from "./podNode";
import { podVolumeClaimsLinker } from "./podVolumeClaims";

/** The linkers every Kubetrail runs on every object body; rules files and plugins add more. */
export const BUILTIN_LINKERS: readonly Linker[] = [
  ownerReferencesLinker,
  podNodeLinker,
  podVolumeClaimsLinker,
  persistentVolumeClaimLinker,
  endpointSliceLinker,
  horizontalPodAutoscalerLinker,
  ingressLinker,
  parentLinkAnnotationLinker,
];
