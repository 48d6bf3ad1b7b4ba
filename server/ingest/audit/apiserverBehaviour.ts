import { isAtLeast, type KubernetesVersion } from "../../k8s/kubernetesVersion";

/**
 * What kube-apiserver does, within a request the audit log records without the object's body,
 * that depends on its release: the feature gates whose defaults changed. The gates' own settings
 * are not in the audit log, so each is taken at its release's default; a cluster that turned one
 * on or off against its default is shown as the default would have it (the object's next write
 * then shows the difference).
 */
export interface ApiserverBehaviour {
  /**
   * An allowed eviction makes the Pod's DisruptionTarget condition true (./eviction.ts). Feature
   * gate PodDisruptionConditions: alpha (off) in 1.25, beta and on by default from 1.26, GA and
   * always on from 1.31 (kubernetes/website, content/en/docs/reference/command-line-tools-reference/
   * feature-gates/PodDisruptionConditions.md). Before, the eviction only deletes the Pod.
   */
  evictionSetsDisruptionTarget: boolean;
  /**
   * A binding copies the Binding's labels onto the Pod, over the Pod's labels of the same keys,
   * as it copies its annotations (./change.ts). Feature gate PodTopologyLabelsAdmission of
   * kube-apiserver: alpha (off) in 1.33 and 1.34, beta and on by default from 1.35
   * (kubernetes/website, …/feature-gates/PodTopologyLabelsAdmission.md). KEP-4742 ("Node
   * Topology Labels via Downward API", kubernetes/enhancements keps/sig-node/4742-…, Design
   * Details): "The Binding REST implementation will be updated to copy all labels from
   * pods/binding subresource into Pods", behind that gate; in pkg/registry/core/pod/storage/
   * storage.go, setPodNodeAndMetadata (which replaced setPodHostAndAnnotations in 1.33) copies
   * them only when the gate is enabled. Before, the Binding's labels are ignored.
   */
  bindingCopiesLabels: boolean;
  /**
   * A binding clears the Pod's status.nominatedNodeName (the node a preemption nominated it
   * for), in the same update (./change.ts). Feature gate ClearingNominatedNodeNameAfterBinding
   * of kube-apiserver: alpha (off) in 1.34, beta and on by default from 1.35 (kubernetes/website,
   * …/feature-gates/ClearingNominatedNodeNameAfterBinding.md; setPodNodeAndMetadata). Before,
   * the nomination stays until the scheduler's own status update clears it.
   */
  bindingClearsNominatedNode: boolean;
}

/**
 * For a cluster whose version is unknown (no control-plane request seen yet, none configured):
 * what Kubetrail showed before it knew versions. The DisruptionTarget condition, as every release
 * since 1.26 sets it by default; no labels copied and the nominated node kept, as no release
 * before 1.35 does otherwise by default.
 */
export const UNKNOWN_VERSION_BEHAVIOUR: ApiserverBehaviour = { evictionSetsDisruptionTarget: true, bindingCopiesLabels: false, bindingClearsNominatedNode: false };

/** What kube-apiserver of `version` does by default; UNKNOWN_VERSION_BEHAVIOUR when the version is unknown. */
export function apiserverBehaviourOf(version: KubernetesVersion | null): ApiserverBehaviour {
  if (version === null) return UNKNOWN_VERSION_BEHAVIOUR;
  return {
    evictionSetsDisruptionTarget: isAtLeast(version, 1, 26),
    bindingCopiesLabels: isAtLeast(version, 1, 35),
    bindingClearsNominatedNode: isAtLeast(version, 1, 35),
  };
}
