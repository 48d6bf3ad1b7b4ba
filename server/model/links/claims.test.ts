import { describe, expect, it, vi } from "vitest";
import { openshiftObject } from "../../testing/fixtures";
import { asBody, identityOf } from "../../testing/linkers";
import { BUILTIN_LINKERS } from "./builtin";
import { claimsOf } from "./claims";
import type { Linker } from "./types";

describe("claimsOf", () => {
  const pod = openshiftObject("openshift-apiserver", "core/pods.yaml", "apiserver-5d887d5fcd-mrn5h");
  const self = identityOf(pod, "", "pods");

  it("runs every built-in linker on a real Pod: its ReplicaSet and its Node", () => {
    expect(claimsOf(BUILTIN_LINKERS, asBody(pod), self).map((c) => `${c.kind} ${c.role} ${c.other.resource}/${c.other.name}`)).toEqual([
      "controller-owner parent replicasets/apiserver-5d887d5fcd",
      "node parent nodes/ci-ln-k7vx6h2-002ac-w7gjh-master-0",
    ]);
  });

  it("states each relation once, and never one of an object with itself", () => {
    const twice: Linker = { name: "twice", claims: (body, s) => [...BUILTIN_LINKERS[0]!.claims(body, s), ...BUILTIN_LINKERS[0]!.claims(body, s)] };
    const selfish: Linker = { name: "selfish", claims: (_b, s) => [{ kind: "parent-link", role: "parent", other: { apiGroup: s.apiGroup, resource: s.resource, namespace: s.namespace, name: s.name } }] };
    expect(claimsOf([twice, selfish], asBody(pod), self)).toHaveLength(1);
  });

  it("keeps the other linkers' claims when one throws or returns nonsense, and reports it", () => {
    const onError = vi.fn();
    const throws: Linker = { name: "throws", claims: () => { throw new Error("boom"); } };
    const nonsense: Linker = { name: "nonsense", claims: () => [{ kind: "", role: "parent", other: { apiGroup: "", resource: "nodes", namespace: "", name: "x" } }, { kind: "k", role: "up" } as never] };
    const notArray: Linker = { name: "notArray", claims: () => "x" as never };
    // Another cluster is created by name: a name no cluster may have is no claim.
    const badCluster: Linker = { name: "badCluster", claims: () => [{ kind: "parent-link", role: "parent", other: { cluster: "Not_A\u0000Cluster", apiGroup: "", resource: "nodes", namespace: "", name: "x" } }] };
    const claims = claimsOf([throws, nonsense, notArray, badCluster, ...BUILTIN_LINKERS], asBody(pod), self, onError);
    expect(claims).toHaveLength(2);
    expect(onError.mock.calls.map(([linker, error]) => `${linker.name}: ${error.message}`)).toEqual([
      "throws: boom",
      expect.stringMatching(/^nonsense: malformed claim \{"kind":"",/),
      expect.stringMatching(/^nonsense: malformed claim \{"kind":"k","role":"up"\}/),
      "notArray: claims() did not return an array",
      expect.stringMatching(/^badCluster: malformed claim \{"kind":"parent-link",.*"cluster":"Not_A\\u0000Cluster"/),
    ]);
  });

  it("drops a claim naming an object the store cannot hold, from a real Pod edited so, and reports it", () => {
    const onError = vi.fn();
    const edited = structuredClone(pod);
    edited.metadata.ownerReferences[0].name = "apiserver\u00005d887d5fcd";
    edited.spec.nodeName = "n".repeat(1025);
    const claims = claimsOf(BUILTIN_LINKERS, asBody(edited), self, onError);
    expect(claims).toEqual([]);
    expect(onError.mock.calls.map(([linker, error]) => `${linker.name}: ${error.message}`)).toEqual([
      expect.stringMatching(/^ownerReferences: claim .*: other\.name: contains a NUL character \(U\+0000\), which cannot be stored$/),
      expect.stringMatching(/^podNode: claim .*: other\.name: longer than 1024 bytes \(UTF-8\), more than the store indexes$/),
    ]);
  });
});
