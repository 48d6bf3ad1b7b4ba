import { falcoEvents } from "../fixtures";

type Obj = Record<string, any>;

export const SECRET_PASSWORD = "hunter2-correct-horse";
export const SECRET_NEW_PASSWORD = "battery-staple-42";
const b64 = (text: string) => Buffer.from(text).toString("base64");
export const SECRET_USERNAME_BASE64 = b64("admin");
export { b64 };

/**
 * A Secret created, its password changed, then a label added, at RequestResponse level.
 * Derived from the real falco trace create_secret.json (a Metadata-level event): same envelope,
 * with the bodies the apiserver records at RequestResponse level added.
 */
export function secretScenario(): { create: Obj; passwordChange: Obj; labelChange: Obj } {
  const [base] = falcoEvents("create_secret.json");
  const secret = (password: string, rv: string, labels?: Record<string, string>) => ({
    kind: "Secret",
    apiVersion: "v1",
    metadata: {
      name: "example-secret",
      namespace: "default",
      uid: "0f1e2d3c-0000-4000-8000-00000000beef",
      resourceVersion: rv,
      ...(labels ? { labels } : {}),
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ apiVersion: "v1", kind: "Secret", data: { password: b64(password) } }),
        team: "payments",
      },
    },
    type: "Opaque",
    data: { password: b64(password), username: SECRET_USERNAME_BASE64 },
  });
  const create = { ...structuredClone(base!), level: "RequestResponse", requestObject: { ...secret(SECRET_PASSWORD, ""), stringData: { token: SECRET_PASSWORD } }, responseObject: secret(SECRET_PASSWORD, "100") };
  const patch = (auditID: string, second: number, requestObject: Obj, responseObject: Obj) => ({
    ...structuredClone(base!),
    auditID,
    verb: "patch",
    level: "RequestResponse",
    requestURI: "/api/v1/namespaces/default/secrets/example-secret",
    requestReceivedTimestamp: `2020-04-21T17:58:0${second}.541358Z`,
    stageTimestamp: `2020-04-21T17:58:0${second}.548299Z`,
    responseStatus: { metadata: {}, code: 200 },
    requestObject,
    responseObject,
  });
  const passwordChange = patch("55a81824-ab56-46c5-8b02-96336f5e78d8", 5, { data: { password: b64(SECRET_NEW_PASSWORD) } }, secret(SECRET_NEW_PASSWORD, "101"));
  const labelChange = patch("55a81824-ab56-46c5-8b02-96336f5e78d9", 7, { metadata: { labels: { tier: "backend" } } }, secret(SECRET_NEW_PASSWORD, "102", { tier: "backend" }));
  return { create, passwordChange, labelChange };
}
