import { describe, expect, it } from "vitest";
import { advisoryLockIdOf, objectKeyOf } from "./objectKey";

describe("advisoryLockIdOf", () => {
  // Ids as every version since the first gave them (the first 8 bytes of the key's SHA-1, as a
  // signed bigint): replicas of two versions running side by side must lock the same ids.
  it.each([
    [objectKeyOf(1, { apiGroup: "apps", resource: "deployments", namespace: "openshift-apiserver", name: "apiserver" }), "4352897319195487892"],
    [objectKeyOf(1, { apiGroup: "", resource: "pods", namespace: "openshift-apiserver", name: "apiserver-7d9f8c6b5-x2x4q" }), "7819908978269856926"],
    [`placeholder\u0000${objectKeyOf(2, { apiGroup: "", resource: "nodes", namespace: "", name: "ci-ln-k7vx6h2-002ac-master-0" })}`, "7474038708103427341"],
    [objectKeyOf(1, { apiGroup: "", resource: "configmaps", namespace: "kube-system", name: "üñí ☃" }), "7387703638381923881"],
    [objectKeyOf(1, { apiGroup: "", resource: "pods", namespace: "default", name: "web-1" }), "-4087071768366580838"],
  ])("gives %j the id %s", (key, id) => {
    expect(advisoryLockIdOf(key)).toBe(id);
  });
});
