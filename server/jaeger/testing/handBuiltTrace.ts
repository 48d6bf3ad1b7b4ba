import { micros, type Trace, type TraceSpan } from "../../query/trace/types";

/**
 * A trace built by hand, the shape trace assembly gives a Deployment's full tree in the
 * tracing mode: Deployment → ReplicaSet → Pod, the Pod linked to its Node (another root
 * span), a failed request on the ReplicaSet. For converter tests, independent of the store.
 */
export const TRACE_ID = "1003000000000007613f4e80613f5c90";
const T0 = Date.parse("2021-09-13T14:53:16.000Z");

const span = (fields: Partial<TraceSpan> & Pick<TraceSpan, "spanId" | "name" | "serviceName">): TraceSpan => ({
  parentSpanId: null,
  start: micros(T0),
  duration: 0,
  attributes: {},
  logs: [],
  error: false,
  links: [],
  ...fields,
});

export function handBuiltTrace(): Trace {
  return {
    traceId: TRACE_ID,
    query: { rootObjectId: 7, relationMode: "full", displayMode: "tracing", depth: 3, startSeconds: T0 / 1000 - 600, endSeconds: T0 / 1000 + 3000 },
    spans: [
      span({
        spanId: "a000000000000001",
        name: "Deployment openshift-apiserver/apiserver",
        serviceName: "Deployment",
        duration: 240_000_007,
        attributes: { cluster: "prod", kind: "Deployment", namespace: "openshift-apiserver", name: "apiserver", objectID: 7, queried: true },
        logs: [
          { time: micros(T0), attributes: { event: "operator create", verb: "create", statusCode: 201, diff: "spec.replicas (added) 3" } },
          { time: micros(T0 + 120_000), attributes: { event: "kube:admin patch", verb: "patch", statusCode: 200, diff: "spec.replicas 3 -> 5" } },
        ],
      }),
      span({
        spanId: "a000000000000002",
        parentSpanId: "a000000000000001",
        name: "ReplicaSet openshift-apiserver/apiserver-85b76d5494",
        serviceName: "ReplicaSet",
        start: micros(T0 + 60_000),
        duration: 1_500.5,
        attributes: { relation: "controller-owner", replicasRatio: 0.5 },
        logs: [{ time: micros(T0 + 60_000), attributes: { event: "controller update (Conflict)", statusCode: 409, error: true } }],
        error: true,
      }),
      span({
        spanId: "a000000000000003",
        parentSpanId: "a000000000000002",
        name: "Pod openshift-apiserver/apiserver-85b76d5494-x7k2p",
        serviceName: "Pod",
        start: micros(T0 + 61_000),
        duration: 5_000,
        attributes: { relation: "controller-owner", "related.node": "Node /worker-1" },
        links: [{ spanId: "a000000000000004", kind: "node" }],
      }),
      span({ spanId: "a000000000000004", name: "Node worker-1", serviceName: "Node", start: micros(T0 + 30_000), duration: 10 }),
    ],
  };
}
