import type { JsonObject } from "../../../ingest/audit/types";
import { objectAt, objectsAt, stringAt } from "../fields";
import { coreReference } from "../references";
import type { Linker, RelationClaim } from "../types";
import { isResource } from "./resourceMatch";

/** The Service a backend names: `service.name` (networking.k8s.io/v1) or `serviceName` (v1beta1, extensions). */
function serviceOf(backend: JsonObject | null): string | null {
  return stringAt(backend ?? undefined, "service", "name") ?? stringAt(backend ?? undefined, "serviceName");
}

/**
 * The Services an Ingress routes to: its default backend (`spec.defaultBackend`, formerly
 * `spec.backend`) and every path's backend in `spec.rules[].http.paths[]`. `ingress-backend`
 * children, each Service once.
 */
export const ingressLinker: Linker = {
  name: "ingress",
  claims(body, self) {
    if (!isResource(self, ["networking.k8s.io", "extensions"], "ingresses")) return [];
    const services = new Set<string>();
    const defaultService = serviceOf(objectAt(body, "spec", "defaultBackend") ?? objectAt(body, "spec", "backend"));
    if (defaultService) services.add(defaultService);
    for (const rule of objectsAt(body, "spec", "rules")) {
      for (const path of objectsAt(rule, "http", "paths")) {
        const service = serviceOf(objectAt(path, "backend"));
        if (service) services.add(service);
      }
    }
    return [...services].map(
      (name): RelationClaim => ({ kind: "ingress-backend", role: "child", other: coreReference("services", "Service", self.namespace, name) }),
    );
  },
};
