import { auditEvent, type GeneratorContext, type Json } from "./envelope";
import { falcoTemplate, kubectlActor } from "./falco";
import type { ObjectLifecycle } from "./lifecycle";

/**
 * A ConfigMap's life: created with kubectl, then edited five times, alternately replaced
 * (`kubectl replace`: update with the whole object) and patched (`kubectl apply`: a merge
 * patch answered by the whole object).
 *
 * Derived from the real RequestResponse event falco-k8s-audit-traces/create_configmap.json
 * (minikube-user creating `my-config`, the Kubernetes documentation's example): its bodies
 * as recorded, plus the documentation example's second key (`game.properties`), so the
 * object is the size of the example ConfigMap it comes from.
 */

const template = falcoTemplate("create_configmap.json");
const KUBECTL = kubectlActor(template);

const GAME_PROPERTIES =
  "enemies=aliens\nlives=3\nenemies.cheat=true\nenemies.cheat.level=noGoodRotten\nsecret.code.passphrase=UUDDLRLRBABAS\nsecret.code.allowed=true\nsecret.code.lives=30\n";
const COLORS = ["purple", "green", "blue", "orange", "red", "teal"];

function dataOf(edit: number): Json {
  return {
    "game.properties": GAME_PROPERTIES.replace("lives=3", `lives=${3 + edit}`),
    "ui.properties": `color.good=${COLORS[edit % COLORS.length]}\ncolor.bad=yellow\nallow.textmode=true\nhow.nice.to.look=fairlyNice\n`,
  };
}

const EDITS = 5;

export function newConfigMap(ctx: GeneratorContext, namespace: string, name: string): ObjectLifecycle {
  const uid = ctx.uid();
  const uri = `/api/v1/namespaces/${namespace}/configmaps`;
  const objectRef = { resource: "configmaps", namespace, name, apiVersion: "v1" };
  let stored: Json = {};

  return {
    steps: 1 + EDITS,
    write(step) {
      const times = ctx.times();
      if (step === 0) {
        const request = structuredClone(template.requestObject);
        Object.assign(request.metadata, { name, namespace, selfLink: `${uri}/${name}` });
        request.data = dataOf(0);
        stored = structuredClone(template.responseObject);
        Object.assign(stored.metadata, { name, namespace, selfLink: `${uri}/${name}`, uid, resourceVersion: ctx.resourceVersion(), creationTimestamp: times.seconds });
        stored.data = dataOf(0);
        return auditEvent({
          auditId: ctx.auditId(),
          times,
          level: "RequestResponse",
          verb: "create",
          actor: KUBECTL,
          objectRef: { ...objectRef, uid: template.objectRef.uid },
          requestURI: uri,
          code: 201,
          requestObject: request,
          responseObject: structuredClone(stored),
        });
      }
      const data = dataOf(step);
      const replace = step % 2 === 1;
      const request = replace ? { ...structuredClone(stored), data } : { data: { "ui.properties": data["ui.properties"] } };
      stored.data = replace ? data : { ...stored.data, "ui.properties": data["ui.properties"] };
      stored.metadata.resourceVersion = ctx.resourceVersion();
      return auditEvent({
        auditId: ctx.auditId(),
        times,
        level: "RequestResponse",
        verb: replace ? "update" : "patch",
        actor: KUBECTL,
        objectRef,
        requestURI: `${uri}/${name}`,
        code: 200,
        requestObject: request,
        responseObject: structuredClone(stored),
      });
    },
  };
}
