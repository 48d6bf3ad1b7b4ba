import { describe, expect, it } from "vitest";
import { CONTINUE_AT_NEWEST, decodeContinue, encodeContinue } from "./continueToken";

const token = (fields: object) => Buffer.from(JSON.stringify(fields)).toString("base64url");

describe("continue tokens", () => {
  it("round-trips a position, in kube-apiserver's encoding", () => {
    const encoded = encodeContinue({ startKey: "openshift-console/console-5bf7fb6dc6-qzlz8.16a469a57ccceaae\u0000", resourceVersion: 19423 });

    expect(encoded).toBe(token({ v: "meta.k8s.io/v1", rv: 19423, start: "openshift-console/console-5bf7fb6dc6-qzlz8.16a469a57ccceaae\u0000" }));
    expect(encoded).not.toMatch(/[+/=]/);
    expect(decodeContinue(encoded)).toEqual({ startKey: "openshift-console/console-5bf7fb6dc6-qzlz8.16a469a57ccceaae\u0000", resourceVersion: 19423 });
    expect(decodeContinue(encodeContinue({ startKey: "a\u0000", resourceVersion: CONTINUE_AT_NEWEST }))).toEqual({ startKey: "a\u0000", resourceVersion: -1 });
  });

  it("says why a token is not valid", () => {
    expect(decodeContinue("not a token")).toEqual({ invalid: "continue key is not valid: illegal base64 data" });
    expect(decodeContinue(token({ v: "meta.k8s.io/v2", rv: 5, start: "a" }))).toEqual({ invalid: 'continue key is not valid: server does not recognize this encoded version "meta.k8s.io/v2"' });
    expect(decodeContinue(token({ v: "meta.k8s.io/v1", rv: 0, start: "a" }))).toEqual({ invalid: "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)" });
    expect(decodeContinue(token({ v: "meta.k8s.io/v1", rv: 5, start: "" }))).toEqual({ invalid: "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)" });
    // A start key that climbs above the listed path's prefix is refused, as kube-apiserver refuses it.
    expect(decodeContinue(token({ v: "meta.k8s.io/v1", rv: 5, start: "../kube-system/x" }))).toEqual({ invalid: "continue key is not valid: ../kube-system/x" });
  });
});
