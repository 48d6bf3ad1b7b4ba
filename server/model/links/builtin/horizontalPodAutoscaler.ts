import { stringAt } from "../fields";
import { referenceByKind } from "../references";
import type { Linker } from "../types";
import { isResource } from "./resourceMatch";

/** What a HorizontalPodAutoscaler scales (`spec.scaleTargetRef`, any autoscaling version): a `scale-target` child. */
export const horizontalPodAutoscalerLinker: Linker = {
  name: "horizontalPodAutoscaler",
  claims(body, self) {
    if (!isResource(self, ["autoscaling"], "horizontalpodautoscalers")) return [];
    const kind = stringAt(body, "spec", "scaleTargetRef", "kind");
    const name = stringAt(body, "spec", "scaleTargetRef", "name");
    if (!kind || !name) return [];
    const apiVersion = stringAt(body, "spec", "scaleTargetRef", "apiVersion");
    return [{ kind: "scale-target", role: "child", other: referenceByKind({ apiVersion, kind, name, namespace: self.namespace }) }];
  },
};
