import { describe, expect, it } from "vitest";
import { falcoEvents } from "../testing/fixtures";
import { compareKubernetesVersions, controlPlaneVersionOf, formatKubernetesVersion, isAtLeast, parseKubernetesVersion } from "./kubernetesVersion";

const v = (text: string) => parseKubernetesVersion(text)!;

describe("a Kubernetes version", () => {
  it("is read as components and distributions write it, keeping the release", () => {
    expect(parseKubernetesVersion("v1.29.3")).toEqual({ major: 1, minor: 29, patch: 3 });
    expect(parseKubernetesVersion("1.29.3")).toEqual({ major: 1, minor: 29, patch: 3 });
    expect(parseKubernetesVersion("1.29")).toEqual({ major: 1, minor: 29, patch: 0 });
    // OpenShift's build (the real OpenShift 4.8 kubelet's), a release candidate, EKS's, GKE's, k3s's.
    expect(parseKubernetesVersion("v1.21.1+9807387")).toEqual({ major: 1, minor: 21, patch: 1 });
    expect(parseKubernetesVersion("v1.31.0-rc.1")).toEqual({ major: 1, minor: 31, patch: 0 });
    expect(parseKubernetesVersion("v1.30.0-eks-036c24b")).toEqual({ major: 1, minor: 30, patch: 0 });
    expect(parseKubernetesVersion("v1.29.1-gke.1589018")).toEqual({ major: 1, minor: 29, patch: 1 });
    expect(parseKubernetesVersion("v1.29.3+k3s1")).toEqual({ major: 1, minor: 29, patch: 3 });
    expect(formatKubernetesVersion(v("v1.21.1+9807387"))).toBe("v1.21.1");
  });

  it("is nothing when it is not one, or is a build's that was never given one", () => {
    for (const text of ["", "v1", "latest", "1.29.3 ", "v1.29.3.4", "x1.29", "v0.0.0", "v0.0.0-master+$Format", "unknown"]) expect(parseKubernetesVersion(text)).toBeNull();
  });

  it("is ordered by release", () => {
    expect(compareKubernetesVersions(v("v1.9.11"), v("v1.10.0"))).toBeLessThan(0);
    expect(compareKubernetesVersions(v("v1.26.1"), v("v1.26.0"))).toBeGreaterThan(0);
    expect(compareKubernetesVersions(v("1.26"), v("v1.26.0+abc"))).toBe(0);
    expect(isAtLeast(v("v1.26.0"), 1, 26)).toBe(true);
    expect(isAtLeast(v("v1.25.16"), 1, 26)).toBe(false);
    expect(isAtLeast(v("v2.0.0"), 1, 35)).toBe(true);
  });
});

describe("the version a request tells of its cluster", () => {
  it("is a control-plane component's, read from its user agent: the real minikube kube-controller-manager's", () => {
    // falco-k8s-audit-traces/create_service_account_token_secret.json: the tokens controller of a
    // real minikube cluster's kube-controller-manager, as itself.
    const [event] = falcoEvents("create_service_account_token_secret.json");
    expect(event!.userAgent).toBe("kube-controller-manager/v1.17.3 (linux/amd64) kubernetes/06ad960/tokens-controller");
    expect(controlPlaneVersionOf(event!.userAgent as string, (event!.user as { username: string }).username)).toEqual(v("v1.17.3"));
  });

  it("is kube-apiserver's own, over its loopback connection, and the scheduler's", () => {
    expect(controlPlaneVersionOf("kube-apiserver/v1.29.3 (linux/amd64) kubernetes/6813625", "system:apiserver")).toEqual(v("v1.29.3"));
    expect(controlPlaneVersionOf("kube-scheduler/v1.21.1 (linux/amd64) kubernetes/a4ab7a9/scheduler", "system:kube-scheduler")).toEqual(v("v1.21.1"));
    // kube-controller-manager with --use-service-account-credentials: each controller as its service account.
    expect(
      controlPlaneVersionOf("kube-controller-manager/v1.29.3 (linux/amd64) kubernetes/6813625/system:serviceaccount:kube-system:endpointslice-controller", "system:serviceaccount:kube-system:endpointslice-controller"),
    ).toEqual(v("v1.29.3"));
  });

  it("is not told by the agents the skew policy lets lag behind the apiserver, nor by clients", () => {
    // The real falco events' kubectl and kubeadm, and the real OpenShift 4.8 kubelet's agent.
    const [kubectl] = falcoEvents("create_secret.json");
    for (const event of [kubectl, ...falcoEvents("create_kube_system_secret.json")]) {
      expect(event!.userAgent).toMatch(/^(kubectl\/v1.17.3|kubeadm\/v1.16.2) /);
      expect(controlPlaneVersionOf(event!.userAgent as string, (event!.user as { username: string }).username)).toBeNull();
    }
    expect(controlPlaneVersionOf("kubelet/v1.21.1+9807387 (linux/amd64) kubernetes/9807387", "system:node:ci-ln-k7vx6h2-002ac-w7gjh-master-0")).toBeNull();
    expect(controlPlaneVersionOf("kube-proxy/v1.29.3 (linux/amd64) kubernetes/6813625", "system:kube-proxy")).toBeNull();
    expect(controlPlaneVersionOf(null, "system:apiserver")).toBeNull();
  });

  it("is not told by a user passing for the control plane, nor by a component built without a version", () => {
    expect(controlPlaneVersionOf("kube-apiserver/v1.99.0 (linux/amd64) kubernetes/6813625", "kube:admin")).toBeNull();
    expect(controlPlaneVersionOf("kube-scheduler/v1.99.0 (linux/amd64) kubernetes/6813625", "system:serviceaccount:kube-system:deployment-controller")).toBeNull();
    expect(controlPlaneVersionOf("kube-controller-manager/v1.99.0 (linux/amd64) kubernetes/6813625", "system:serviceaccount:default:builder")).toBeNull();
    expect(controlPlaneVersionOf("kube-apiserver/v0.0.0 (linux/amd64) kubernetes/$Format", "system:apiserver")).toBeNull();
    expect(controlPlaneVersionOf("kube-apiserver", "system:apiserver")).toBeNull();
  });
});
