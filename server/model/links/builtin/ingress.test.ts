import { describe, expect, it } from "vitest";
import { openshiftObject } from "../../../testing/fixtures";
import { asBody, identityOf } from "../../../testing/linkers";
import { ingressLinker } from "./ingress";

/**
 * The captures hold no Ingress or Service. This Ingress exposes the real console Deployments
 * of openshift-console through the Services OpenShift puts in front of them (`console` on
 * https and `downloads` on http, named like their Deployments), in networking.k8s.io/v1 shape.
 */
function consoleIngress(): Record<string, any> {
  const console = openshiftObject("openshift-console", "apps/deployments.yaml", "console");
  const downloads = openshiftObject("openshift-console", "apps/deployments.yaml", "downloads");
  const backend = (service: string, port: number) => ({ service: { name: service, port: { number: port } } });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "console", namespace: console.metadata.namespace, uid: "3f9a1c2e-7b6d-4e8f-a0b1-c2d3e4f5a6b7" },
    spec: {
      defaultBackend: backend(console.metadata.name, 443),
      rules: [
        {
          host: "console-openshift-console.apps.ci-ln-k7vx6h2-002ac.ci.azure.devcluster.openshift.com",
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: backend(console.metadata.name, 443) },
              { path: "/downloads", pathType: "Prefix", backend: backend(downloads.metadata.name, 8080) },
              { path: "/static", pathType: "Prefix", backend: { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "static" } } },
            ],
          },
        },
        { host: "no-http.example.com" },
      ],
    },
  };
}

describe("ingress linker", () => {
  it("puts every Service an Ingress routes to under it, once each", () => {
    const ingress = consoleIngress();
    const claims = ingressLinker.claims(asBody(ingress), identityOf(ingress, "networking.k8s.io", "ingresses"));
    expect(claims).toEqual([
      { kind: "ingress-backend", role: "child", other: { apiGroup: "", resource: "services", namespace: "openshift-console", name: "console", kind: "Service", apiVersion: "v1" } },
      { kind: "ingress-backend", role: "child", other: { apiGroup: "", resource: "services", namespace: "openshift-console", name: "downloads", kind: "Service", apiVersion: "v1" } },
    ]);
  });

  it("reads the extensions/v1beta1 shape (backend.serviceName)", () => {
    const ingress = consoleIngress();
    ingress.apiVersion = "extensions/v1beta1";
    ingress.spec.backend = { serviceName: "console", servicePort: 443 };
    delete ingress.spec.defaultBackend;
    ingress.spec.rules[0].http.paths = [{ path: "/downloads", backend: { serviceName: "downloads", servicePort: 8080 } }];
    const claims = ingressLinker.claims(asBody(ingress), identityOf(ingress, "extensions", "ingresses"));
    expect(claims.map((c) => c.other.name)).toEqual(["console", "downloads"]);
  });
});
