import { auditEvent, type GeneratorContext, type Json } from "./envelope";
import { falcoTemplate, kubectlActor } from "./falco";
import type { ObjectLifecycle } from "./lifecycle";

/**
 * A Service's life at Request level (the level the recording cluster's policy gave
 * Services: request bodies, no responses): created, relabelled with `kubectl apply` (a merge
 * patch), then replaced with its port renamed.
 *
 * Derived from the real Request-level event falco-k8s-audit-traces/create_service.json
 * (minikube-user creating the `nginx` ClusterIP Service), body as recorded.
 */

const template = falcoTemplate("create_service.json");
const KUBECTL = kubectlActor(template);

export function newService(ctx: GeneratorContext, namespace: string, name: string): ObjectLifecycle {
  const uri = `/api/v1/namespaces/${namespace}/services`;
  const objectRef = { resource: "services", namespace, name, apiVersion: "v1" };
  let body: Json = {};

  return {
    steps: 3,
    write(step) {
      const times = ctx.times();
      const common = { auditId: ctx.auditId(), times, level: "Request" as const, actor: KUBECTL, objectRef };
      if (step === 0) {
        body = structuredClone(template.requestObject);
        Object.assign(body.metadata, { name, namespace, labels: { app: name } });
        body.spec.selector = { app: name };
        return auditEvent({ ...common, verb: "create", requestURI: uri, code: 201, requestObject: structuredClone(body) });
      }
      if (step === 1) {
        const labels = { app: name, tier: "frontend" };
        body.metadata.labels = labels;
        return auditEvent({ ...common, verb: "patch", requestURI: `${uri}/${name}`, code: 200, requestObject: { metadata: { labels } } });
      }
      body.spec.ports[0].name = "http";
      return auditEvent({ ...common, verb: "update", requestURI: `${uri}/${name}`, code: 200, requestObject: structuredClone(body) });
    },
  };
}
