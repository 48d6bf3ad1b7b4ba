import { stringAt } from "../fields";
import { coreReference } from "../references";
import type { Linker } from "../types";
import { isResource } from "./resourceMatch";

/** A Pod's Node (`spec.nodeName`, set by the scheduler's binding): a `node` reference. */
export const podNodeLinker: Linker = {
  name: "podNode",
  claims(body, self) {
    if (!isResource(self, [""], "pods")) return [];
    const nodeName = stringAt(body, "spec", "nodeName");
    return nodeName ? [{ kind: "node", role: "parent", other: coreReference("nodes", "Node", "", nodeName) }] : [];
  },
};
