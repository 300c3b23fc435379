"""Simulated nodes and the kubelet running on each of them.

`start_kubelet(cluster)` registers the cluster's Node objects and then runs every pod bound to
one of them through the lifecycle a real kubelet reports:

    Pending (ContainerCreating) -> Pulling/Pulled -> Created/Started (Running) -> Ready

after a delay with jitter (fleet setting `pod_ready_delay` +- `pod_ready_jitter`, or the pod
template annotation `fleetsim.io/ready-after: "5s"`). Pod-template annotations make one version
misbehave the way real workloads do:

- `fleetsim.io/crash-loop: "true"`: the container exits with code 1 before it gets ready and is
  restarted with the kubelet's back-off (10s, 20s, 40s ... capped at 5m, in simulated time):
  restartCount climbs, state waiting CrashLoopBackOff, BackOff events.
- `fleetsim.io/never-ready: "true"`: Running, but the readiness probe keeps failing
  (Unhealthy events, Ready=False).
- `fleetsim.io/image-pull-error: "true"`, or an image whose tag contains `does-not-exist`:
  ErrImagePull then ImagePullBackOff with the real messages.
- `fleetsim.io/shutdown-after: "3s"`: how long the app takes to stop on SIGTERM (default 1s,
  cut short by terminationGracePeriodSeconds).

Deleting a pod honours its grace period: Killing event, containers stop, the kubelet removes the
pod (delete with grace period 0). Every delay goes through the simulated clock; nothing polls.
"""
from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import random
from dataclasses import dataclass, field

from . import logs
from .clock import format_go_duration, parse_duration
from .controllers.base import ManagedApi
from .controllers.events import EventRecorder
from .errors import ApiError

log = logging.getLogger("fleetsim.kubelet")

COMPONENT = "kubelet"
KUBELET_VERSION = "v1.36.2"
ANNOTATION_READY_AFTER = "fleetsim.io/ready-after"
ANNOTATION_CRASH_LOOP = "fleetsim.io/crash-loop"
ANNOTATION_NEVER_READY = "fleetsim.io/never-ready"
ANNOTATION_IMAGE_PULL_ERROR = "fleetsim.io/image-pull-error"
ANNOTATION_SHUTDOWN_AFTER = "fleetsim.io/shutdown-after"
# Batch containers (restartPolicy Never/OnFailure, i.e. Jobs) run this long, then exit with the
# exit code (default 0); default run time: the pod's ready delay.
ANNOTATION_RUN_FOR = "fleetsim.io/run-for"
ANNOTATION_EXIT_CODE = "fleetsim.io/exit-code"
DEFAULT_SHUTDOWN_S = 1.0
# Kubelet container restart / image pull back-off (pkg/kubelet: 10s doubling, capped at 5 minutes).
BACKOFF_INITIAL_S = 10.0
BACKOFF_MAX_S = 300.0
# Share of the ready delay spent before the containers run (image pull and container creation).
START_SHARE = 0.25


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def normalize_image(image: str) -> str:
    """The reference containerd resolves: docker.io/library/nginx:latest for "nginx"."""
    name = image
    if "@" not in name and ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    return name


def image_digest(image: str) -> str:
    return "sha256:" + hashlib.sha256(normalize_image(image).encode()).hexdigest()


def qos_class(pod: dict) -> str:
    containers = (pod.get("spec") or {}).get("containers") or []
    any_set = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            any_set = True
        for r in ("cpu", "memory"):
            if r not in lim or (r in req and req[r] != lim[r]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


@dataclass
class ContainerRun:
    name: str
    image: str
    restart_count: int = 0
    state: dict = field(default_factory=lambda: {"waiting": {"reason": "ContainerCreating"}})
    last_state: dict = field(default_factory=dict)
    ready: bool = False
    started: bool = False
    container_id: str = ""
    pulled: bool = False


@dataclass
class PodRun:
    """What one kubelet knows about one pod it runs."""
    namespace: str
    name: str
    uid: str
    node: "SimNode"
    containers: list[ContainerRun]
    init_containers: list[tuple[str, str]]  # (name, image): run to completion before the app starts
    ready_after: float
    behaviour: str  # "healthy" | "crash-loop" | "never-ready" | "image-pull-error"
    shutdown_after: float
    run_for: float | None = None  # a container exits (exit_code) this long after it started
    exit_code: int = 0
    restart_policy: str = "Always"
    host_network: bool = False
    ip: str | None = None
    start_time: str | None = None
    conditions: dict = field(default_factory=dict)
    timers: list = field(default_factory=list)
    backoff: float = 0.0
    terminating: bool = False
    finished: bool = False

    def cancel_timers(self) -> None:
        for handle in self.timers:
            handle.cancel()
        self.timers.clear()


class SimNode:
    def __init__(self, name: str, index: int, zone: str, region: str):
        self.name = name
        self.index = index
        self.zone = zone
        self.region = region
        self.internal_ip = f"10.128.0.{index + 1}"
        self.pod_cidr = f"10.244.{index}.0/24"
        self._network = ipaddress.ip_network(self.pod_cidr)
        self._used: set[str] = set()
        self.images: set[str] = set()

    def allocate_ip(self) -> str:
        for host in list(self._network.hosts())[1:]:
            ip = str(host)
            if ip not in self._used:
                self._used.add(ip)
                return ip
        raise RuntimeError(f"node {self.name}: pod CIDR {self.pod_cidr} exhausted")

    def release_ip(self, ip: str | None) -> None:
        if ip and ip != self.internal_ip:
            self._used.discard(ip)


class Kubelet:
    """The kubelets of every simulated node of one cluster (one event subscription for all)."""

    def __init__(self, cluster, nodes: int | None = None, ready_delay: float | None = None,
                 ready_jitter: float | None = None, rng: random.Random | None = None):
        settings = getattr(cluster, "settings", None)
        self.cluster = cluster
        self.api = ManagedApi(cluster.api, COMPONENT)
        self.clock = cluster.clock
        # Seeded from the cluster's generator so a seeded fleet replays the same jitter.
        self.rng = rng or random.Random(cluster.rng.random() if hasattr(cluster, "rng") else None)
        self.node_count = int(nodes if nodes is not None else getattr(settings, "nodes_per_cluster", 3))
        self.ready_delay = float(ready_delay if ready_delay is not None
                                 else getattr(settings, "pod_ready_delay_s", 2.0))
        self.ready_jitter = float(ready_jitter if ready_jitter is not None
                                  else getattr(settings, "pod_ready_jitter_s", 1.0))
        self.recorder = EventRecorder(self.api, self.clock)
        self.logs = getattr(cluster, "logs", None)  # container output for pods/log
        cluster_name = getattr(cluster, "name", "fleetsim")
        self.region = getattr(cluster, "region", None) or getattr(settings, "region", None) or cluster_name
        zones = [f"{self.region}-{z}" for z in "abc"]
        self.nodes = {f"{cluster_name}-node-{i + 1}": SimNode(f"{cluster_name}-node-{i + 1}", i, zones[i % 3],
                                                              self.region)
                      for i in range(self.node_count)}
        self.pods: dict[str, PodRun] = {}
        self._unsubscribe = None
        self._pending: dict[tuple[str, str], None] = {}
        self._drain_scheduled = False
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for node in self.nodes.values():
            self._register(node)
        self._unsubscribe = self.api.subscribe(self._on_change)
        store = getattr(self.cluster, "store", None)
        pods = store.items("pods") if store is not None else self.api.list("pods")["items"]
        for pod in pods:
            if (pod.get("spec") or {}).get("nodeName") in self.nodes:
                self._enqueue(pod["metadata"]["namespace"], pod["metadata"]["name"])

    def stop(self) -> None:
        self._stopped = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for run in self.pods.values():
            run.cancel_timers()
        self.pods.clear()

    def _register(self, node: SimNode) -> None:
        if self._get("nodes", None, node.name) is not None:
            return
        now = self.clock.timestamp()
        digest = hashlib.sha256(f"{getattr(self.cluster, 'name', '')}/{node.name}".encode()).hexdigest()
        conditions = [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]
        capacity = {"cpu": "4", "ephemeral-storage": "102626232Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                    "memory": "16374584Ki", "pods": "110"}
        allocatable = {"cpu": "3920m", "ephemeral-storage": "94580335255", "hugepages-1Gi": "0",
                       "hugepages-2Mi": "0", "memory": "13437752Ki", "pods": "110"}
        body = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": node.name,
                "labels": {
                    "beta.kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": node.name,
                    "kubernetes.io/os": "linux",
                    "topology.kubernetes.io/region": node.region,
                    "topology.kubernetes.io/zone": node.zone,
                },
                "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": {"podCIDR": node.pod_cidr, "podCIDRs": [node.pod_cidr], "providerID": f"fleetsim://{node.name}"},
            "status": {
                "capacity": capacity,
                "allocatable": allocatable,
                "conditions": [{"type": t, "status": s, "lastHeartbeatTime": now, "lastTransitionTime": now,
                                "reason": r, "message": m} for t, s, r, m in conditions],
                "addresses": [{"type": "InternalIP", "address": node.internal_ip},
                              {"type": "Hostname", "address": node.name}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "machineID": digest[:32],
                    "systemUUID": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}",
                    "bootID": f"{digest[32:40]}-{digest[40:44]}-{digest[44:48]}-{digest[48:52]}-{digest[52:64]}",
                    "kernelVersion": "6.1.0-28-cloud-amd64",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "containerRuntimeVersion": "containerd://2.1.4",
                    "kubeletVersion": KUBELET_VERSION,
                    # Deprecated and no longer reported, but serialized (no omitempty): "" never null.
                    "kubeProxyVersion": "",
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
                "runtimeHandlers": [
                    {"name": "runc", "features": {"recursiveReadOnlyMounts": True, "userNamespaces": True}},
                    {"name": "", "features": {"recursiveReadOnlyMounts": True, "userNamespaces": True}},
                ],
                "features": {"supplementalGroupsPolicy": True},
            },
        }
        created = self.api.create("nodes", body)
        # Nodes have a status subresource: the kubelet posts status separately, as a real one does.
        created["status"] = body["status"]
        self.api.update("nodes", created, subresource="status")
        self._register_lease(created)

    def _register_lease(self, node: dict) -> None:
        """The node's heartbeat Lease in kube-node-lease (created once: renewing it would cost CPU
        on every idle cluster and nothing here watches node heartbeats)."""
        if self.api.registry.find("leases.coordination.k8s.io") is None or \
                self._get("namespaces", None, "kube-node-lease") is None:
            return
        name = node["metadata"]["name"]
        renew = self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        try:
            self.api.create("leases.coordination.k8s.io", {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": name, "namespace": "kube-node-lease",
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name,
                                                  "uid": node["metadata"]["uid"]}]},
                "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": renew}},
                namespace="kube-node-lease")
        except ApiError as exc:
            if exc.code != 409:
                raise

    # -- event plumbing -------------------------------------------------------------------------
    def _get(self, resource: str, namespace: str | None, name: str) -> dict | None:
        store = getattr(self.cluster, "store", None)
        if store is not None:
            return store.get(resource, namespace, name)
        try:
            return self.api.get(resource, namespace, name)
        except ApiError:
            return None

    def _on_change(self, event_type, rt, obj, old) -> None:
        if self._stopped or getattr(rt, "name", rt) != "pods":
            return
        try:
            self._observe(event_type, obj)
        except Exception:  # never let the kubelet break the writer's commit
            log.warning("kubelet: handling %s pod failed", event_type, exc_info=True)

    def _observe(self, event_type: str, obj: dict) -> None:
        meta = obj["metadata"]
        if event_type == "DELETED":
            if self.logs is not None:
                self.logs.forget(meta.get("uid"))
            run = self.pods.pop(meta.get("uid"), None)
            if run is not None:
                run.cancel_timers()
                run.node.release_ip(run.ip)
            return
        if (obj.get("spec") or {}).get("nodeName") in self.nodes:
            self._enqueue(meta["namespace"], meta["name"])

    def _enqueue(self, namespace: str, name: str) -> None:
        try:
            on_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            on_loop = False
        if not on_loop:
            # A write made from another thread: continue on the cluster's loop.
            self._loop.call_soon_threadsafe(self._enqueue, namespace, name)
            return
        self._pending[(namespace, name)] = None
        if not self._drain_scheduled:
            self._drain_scheduled = True
            self._loop.call_soon(self._drain)

    def _drain(self) -> None:
        self._drain_scheduled = False
        keys = list(self._pending)
        self._pending.clear()
        for key in keys:
            if self._stopped:
                return
            try:
                self._sync_pod(*key)
            except Exception:  # one broken pod must not stop the node
                log.warning("kubelet: syncing pod %s/%s failed", *key, exc_info=True)

    def _later(self, run: PodRun, seconds: float, fn, *args) -> None:
        def fire():
            if handle in run.timers:
                run.timers.remove(handle)
            if self._stopped or run.finished or self.pods.get(run.uid) is not run:
                return
            try:
                fn(run, *args)
            except ApiError as exc:
                if exc.code != 404:
                    log.warning("kubelet: %s/%s: %s", run.namespace, run.name, exc)
            except Exception:
                log.warning("kubelet: %s/%s step failed", run.namespace, run.name, exc_info=True)
        handle = self.clock.call_later(seconds, fire)
        run.timers.append(handle)

    # -- pod sync -------------------------------------------------------------------------------
    def _sync_pod(self, namespace: str, name: str) -> None:
        pod = self._get("pods", namespace, name)
        if pod is None:
            return
        node = self.nodes.get((pod.get("spec") or {}).get("nodeName"))
        if node is None:
            return
        uid = pod["metadata"]["uid"]
        run = self.pods.get(uid)
        if run is None:
            if pod["metadata"].get("deletionTimestamp"):
                self._finish_deletion(pod, node)
                return
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                return
            run = self._admit(pod, node)
            self.pods[uid] = run
            self._start(run, pod)
            return
        if pod["metadata"].get("deletionTimestamp") and not run.terminating:
            self._terminate(run, pod)

    def _admit(self, pod: dict, node: SimNode) -> PodRun:
        meta = pod["metadata"]
        ann = meta.get("annotations") or {}
        spec = pod.get("spec") or {}
        containers = [ContainerRun(c["name"], c.get("image") or "") for c in spec.get("containers") or []]
        behaviour = "healthy"
        if _truthy(ann.get(ANNOTATION_IMAGE_PULL_ERROR, "")) or any("does-not-exist" in c.image for c in containers):
            behaviour = "image-pull-error"
        elif _truthy(ann.get(ANNOTATION_CRASH_LOOP, "")):
            behaviour = "crash-loop"
        elif _truthy(ann.get(ANNOTATION_NEVER_READY, "")):
            behaviour = "never-ready"
        problems: list[str] = []
        ready_after = self._duration_annotation(ann, ANNOTATION_READY_AFTER, problems, "the fleet's pod ready delay")
        if ready_after is None:
            ready_after = max(0.0, self.ready_delay + self.rng.uniform(-self.ready_jitter, self.ready_jitter))
        shutdown = self._duration_annotation(ann, ANNOTATION_SHUTDOWN_AFTER, problems,
                                             f"{format_go_duration(DEFAULT_SHUTDOWN_S)}")
        if shutdown is None:
            shutdown = DEFAULT_SHUTDOWN_S
        run_for = self._duration_annotation(ann, ANNOTATION_RUN_FOR, problems, "the pod's ready delay")
        if run_for is None and (spec.get("restartPolicy") or "Always") != "Always":
            run_for = max(ready_after, 0.5)
        try:
            exit_code = int(ann.get(ANNOTATION_EXIT_CODE, "0"))
        except ValueError:
            problems.append(f"annotation {ANNOTATION_EXIT_CODE}: {ann.get(ANNOTATION_EXIT_CODE)!r} is not an "
                            f"integer; using 0 instead")
            exit_code = 0
        for problem in problems:
            # Visible in `kubectl describe pod` and `kubectl get events`, not only in a log.
            self.recorder.event(pod, "Warning", "InvalidAnnotation", problem, component=COMPONENT, host=node.name)
        return PodRun(namespace=meta["namespace"], name=meta["name"], uid=meta["uid"], node=node,
                      containers=containers,
                      init_containers=[(c["name"], c.get("image") or "") for c in spec.get("initContainers") or []],
                      ready_after=ready_after, behaviour=behaviour, shutdown_after=shutdown,
                      run_for=run_for if behaviour == "healthy" else None, exit_code=exit_code,
                      restart_policy=spec.get("restartPolicy") or "Always",
                      host_network=bool(spec.get("hostNetwork")))

    @staticmethod
    def _duration_annotation(ann: dict, key: str, problems: list[str], fallback: str) -> float | None:
        raw = ann.get(key)
        if raw is None:
            return None
        try:
            value = parse_duration(raw)
            if value < 0:
                raise ValueError(f"invalid duration {raw!r}: must not be negative")
            return value
        except ValueError as exc:
            problems.append(f"annotation {key}: {exc}; using {fallback} instead")
            return None

    # condition helpers
    def _cond(self, run: PodRun, cond_type: str, status: str, reason: str | None = None,
              message: str | None = None) -> None:
        current = run.conditions.get(cond_type)
        ltt = current["lastTransitionTime"] if current and current["status"] == status else self.clock.timestamp()
        cond = {"type": cond_type, "status": status, "lastProbeTime": None, "lastTransitionTime": ltt}
        if reason:
            cond["reason"] = reason
        if message:
            cond["message"] = message
        run.conditions[cond_type] = cond

    def _readiness_conditions(self, run: PodRun, phase: str | None = None) -> None:
        unready = [c.name for c in run.containers if not c.ready]
        if phase in ("Succeeded", "Failed"):
            # A finished pod is not ready, whatever its containers last reported.
            reason = "PodCompleted" if phase == "Succeeded" else "PodFailed"
            self._cond(run, "Ready", "False", reason)
            self._cond(run, "ContainersReady", "False", reason)
        elif unready:
            message = f"containers with unready status: [{' '.join(unready)}]"
            self._cond(run, "Ready", "False", "ContainersNotReady", message)
            self._cond(run, "ContainersReady", "False", "ContainersNotReady", message)
        else:
            self._cond(run, "Ready", "True")
            self._cond(run, "ContainersReady", "True")

    def _write_status(self, run: PodRun, phase: str | None = None) -> None:
        pod = self._get("pods", run.namespace, run.name)
        if pod is None or pod["metadata"].get("uid") != run.uid:
            return
        old_status = pod.get("status") or {}
        if phase is None:
            phase = "Running" if any("running" in c.state or c.restart_count or "terminated" in c.last_state
                                      for c in run.containers) and run.ip else "Pending"
        self._readiness_conditions(run, phase)
        status: dict = {"phase": phase}
        status["conditions"] = [run.conditions[t] for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                                           "ContainersReady", "PodScheduled") if t in run.conditions]
        status["hostIP"] = run.node.internal_ip
        status["hostIPs"] = [{"ip": run.node.internal_ip}]
        if run.ip:
            status["podIP"] = run.ip
            status["podIPs"] = [{"ip": run.ip}]
        status["startTime"] = run.start_time
        if run.init_containers:
            status["initContainerStatuses"] = [{
                "name": n, "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                                    "startedAt": run.start_time, "finishedAt": run.start_time}},
                "lastState": {}, "ready": True, "restartCount": 0, "image": image,
                "imageID": f"{normalize_image(image).rsplit(':', 1)[0]}@{image_digest(image)}",
                "started": False} for n, image in run.init_containers]
        statuses = []
        for c in run.containers:
            cs = {"name": c.name, "state": c.state, "lastState": c.last_state, "ready": c.ready,
                  "restartCount": c.restart_count, "image": c.image,
                  "imageID": f"{normalize_image(c.image).rsplit(':', 1)[0]}@{image_digest(c.image)}" if c.pulled else ""}
            if c.container_id:
                cs["containerID"] = c.container_id
            cs["started"] = c.started
            statuses.append(cs)
        status["containerStatuses"] = statuses
        status["qosClass"] = old_status.get("qosClass") or qos_class(pod)
        if status == old_status:
            return
        pod = dict(pod)
        pod["status"] = status
        self.api.update("pods", pod, subresource="status")

    def _event(self, run: PodRun, pod_or_none, event_type: str, reason: str, message: str,
               container: str | None = None) -> None:
        pod = pod_or_none or self._get("pods", run.namespace, run.name)
        if pod is None:
            return
        self.recorder.event(pod, event_type, reason, message, component=COMPONENT, host=run.node.name,
                            field_path=f"spec.containers{{{container}}}" if container else None)

    # -- container output (pods/log) -------------------------------------------------------------
    def _container_spec(self, run: PodRun, c: ContainerRun) -> tuple[dict | None, dict]:
        pod = self._get("pods", run.namespace, run.name)
        if pod is None:
            return None, {}
        spec = next((s for s in (pod.get("spec") or {}).get("containers") or [] if s.get("name") == c.name), {})
        return pod, spec

    def _print(self, c: ContainerRun, lines) -> None:
        if self.logs is not None and c.container_id:
            for line in [lines] if isinstance(lines, str) else lines:
                self.logs.write(c.container_id, line)

    def _pod_ref(self, run: PodRun) -> str:
        """format.Pod: name_namespace(uid)."""
        return f"{run.name}_{run.namespace}({run.uid})"

    # -- the lifecycle steps --------------------------------------------------------------------
    def _start(self, run: PodRun, pod: dict) -> None:
        run.start_time = self.clock.timestamp()
        self._cond(run, "Initialized", "True")
        self._cond(run, "PodScheduled", "True")
        # The sandbox (network namespace, pod IP) comes up before any image is pulled.
        self._ensure_ip(run)
        self._write_status(run, "Pending")
        for c in run.containers:
            self._pull(run, c, pod)

    def _needs_pull(self, run: PodRun, c: ContainerRun, pod: dict) -> bool:
        spec = next((s for s in (pod.get("spec") or {}).get("containers") or [] if s.get("name") == c.name), {})
        policy = spec.get("imagePullPolicy") or ("Always" if normalize_image(c.image).endswith(":latest")
                                                 else "IfNotPresent")
        if policy == "Never":
            return False
        return policy == "Always" or c.image not in run.node.images

    def _pull(self, run: PodRun, c: ContainerRun, pod: dict | None = None) -> None:
        pod = pod or self._get("pods", run.namespace, run.name)
        if pod is None:
            return
        start_delay = run.ready_after * START_SHARE if run.behaviour != "crash-loop" else min(run.ready_after, 1.0) * START_SHARE
        if run.behaviour == "image-pull-error":
            self._event(run, pod, "Normal", "Pulling", f'Pulling image "{c.image}"', c.name)
            self._later(run, max(start_delay, 0.5), self._pull_failed, c)
            return
        if self._needs_pull(run, c, pod):
            self._event(run, pod, "Normal", "Pulling", f'Pulling image "{c.image}"', c.name)
            self._later(run, start_delay, self._pulled, c, start_delay)
        else:
            self._event(run, pod, "Normal", "Pulled", f'Container image "{c.image}" already present on machine',
                        c.name)
            self._later(run, start_delay, self._create_and_start, c)

    def _pulled(self, run: PodRun, c: ContainerRun, took: float) -> None:
        run.node.images.add(c.image)
        size = 20_000_000 + int(hashlib.sha256(c.image.encode()).hexdigest()[:6], 16)
        spent = _duration_text(took)
        self._event(run, None, "Normal", "Pulled", f'Successfully pulled image "{c.image}" in {spent} '
                    f'({spent} including waiting). Image size: {size} bytes.', c.name)
        self._create_and_start(run, c)

    def _pull_error(self, c: ContainerRun) -> str:
        ref = normalize_image(c.image)
        return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": failed to resolve '
                f'reference "{ref}": {ref}: not found')

    def _pull_failed(self, run: PodRun, c: ContainerRun) -> None:
        err = self._pull_error(c)
        self._event(run, None, "Warning", "Failed", f'Failed to pull image "{c.image}": {err}', c.name)
        self._event(run, None, "Warning", "Failed", "Error: ErrImagePull", c.name)
        c.state = {"waiting": {"reason": "ErrImagePull", "message": err}}
        self._write_status(run)
        run.backoff = BACKOFF_INITIAL_S if not run.backoff else min(run.backoff * 2, BACKOFF_MAX_S)
        self._later(run, 1.0, self._image_backoff, c, err)

    def _image_backoff(self, run: PodRun, c: ContainerRun, err: str) -> None:
        self._event(run, None, "Normal", "BackOff", f'Back-off pulling image "{c.image}"', c.name)
        self._event(run, None, "Warning", "Failed", "Error: ImagePullBackOff", c.name)
        c.state = {"waiting": {"reason": "ImagePullBackOff",
                               "message": f'Back-off pulling image "{c.image}": ErrImagePull: {err}'}}
        self._write_status(run)
        self._later(run, run.backoff, self._pull, c)

    def _ensure_ip(self, run: PodRun) -> None:
        if run.ip is None:
            # hostNetwork pods share the node's address; the others get one from the node's pod CIDR.
            run.ip = run.node.internal_ip if run.host_network else run.node.allocate_ip()
            self._cond(run, "PodReadyToStartContainers", "True")

    def _create_and_start(self, run: PodRun, c: ContainerRun) -> None:
        self._ensure_ip(run)
        c.pulled = True
        now = self.clock.timestamp()
        c.container_id = "containerd://" + hashlib.sha256(f"{run.uid}/{c.name}/{c.restart_count}".encode()).hexdigest()
        self._event(run, None, "Normal", "Created", f"Created container: {c.name}", c.name)
        self._event(run, None, "Normal", "Started", f"Started container {c.name}", c.name)
        c.state = {"running": {"startedAt": now}}
        c.started = True
        c.ready = False
        if self.logs is not None:
            pod, spec = self._container_spec(run, c)
            self.logs.open(c.container_id, run.namespace, run.name, run.uid, c.name,
                           serving=c is run.containers[0])
            if pod is not None:
                self._print(c, logs.startup_lines(pod, spec))
        self._write_status(run)
        remaining = max(0.0, run.ready_after * (1 - START_SHARE))
        if run.run_for is not None:
            # A batch container: ready while it works, then it exits.
            self._later(run, min(remaining, run.run_for * 0.5), self._ready, c)
            self._later(run, run.run_for, self._exited, c)
        elif run.behaviour == "crash-loop":
            self._later(run, min(run.ready_after, 1.0) * (1 - START_SHARE) + 0.5, self._crashed, c)
        elif run.behaviour == "never-ready":
            self._later(run, remaining, self._probe_failed, c)
        else:
            self._later(run, remaining, self._ready, c)

    def _ready(self, run: PodRun, c: ContainerRun) -> None:
        self._print(c, logs.ready_line())
        c.ready = True
        self._write_status(run)

    def _probe_failed(self, run: PodRun, c: ContainerRun) -> None:
        pod = self._get("pods", run.namespace, run.name)
        if pod is None:
            return
        spec = next((s for s in (pod.get("spec") or {}).get("containers") or [] if s.get("name") == c.name), {})
        probe = spec.get("readinessProbe") or {}
        if "tcpSocket" in probe:
            port = probe["tcpSocket"].get("port")
            detail = f"dial tcp {run.ip}:{port}: connect: connection refused"
        elif "exec" in probe:
            detail = f"command {probe['exec'].get('command')!r} exited with 1"
        else:
            detail = "HTTP probe failed with statuscode: 503"
        self._event(run, pod, "Warning", "Unhealthy", f"Readiness probe failed: {detail}", c.name)
        self._print(c, logs.not_ready_line(detail))
        c.ready = False
        self._write_status(run)
        self._later(run, float(probe.get("periodSeconds") or 10), self._probe_failed, c)

    def _crashed(self, run: PodRun, c: ContainerRun, exit_code: int = 1, printed: bool = False) -> None:
        """The container exited (a crash unless exit_code is 0): restarted with the back-off."""
        pod, spec = self._container_spec(run, c)
        if pod is not None and not printed:
            self._print(c, logs.crash_lines(pod, spec))
        if self.logs is not None:
            self.logs.end(c.container_id)
        now = self.clock.timestamp()
        started = (c.state.get("running") or {}).get("startedAt") or now
        reason = "Error" if exit_code else "Completed"
        c.last_state = {"terminated": {"exitCode": exit_code, "reason": reason, "startedAt": started,
                                       "finishedAt": now,
                                       "containerID": c.container_id}}
        c.ready = False
        c.started = False
        if run.restart_policy == "Never":
            # Nothing restarts it: the pod ends Failed with the container's exit status.
            c.state = {"terminated": dict(c.last_state["terminated"])}
            c.last_state = {}
            self._write_status(run, "Failed")
            run.finished = True
            run.cancel_timers()
            return
        if not run.backoff:
            # First failure: the kubelet restarts at once and arms the back-off for the next one.
            run.backoff = BACKOFF_INITIAL_S
            c.state = {"terminated": dict(c.last_state["terminated"])}
            c.last_state = {}
            self._write_status(run)
            self._later(run, 1.0, self._restart, c)
            return
        delay = run.backoff
        message = (f"back-off {format_go_duration(delay)} restarting failed container={c.name} "
                   f"pod={self._pod_ref(run)}")
        c.state = {"waiting": {"reason": "CrashLoopBackOff", "message": message}}
        self._write_status(run)
        self._event(run, None, "Warning", "BackOff",
                    f"Back-off restarting failed container {c.name} in pod {self._pod_ref(run)}", c.name)
        run.backoff = min(run.backoff * 2, BACKOFF_MAX_S)
        self._later(run, delay, self._restart, c)

    def _exited(self, run: PodRun, c: ContainerRun) -> None:
        """A batch container finished: Completed (0) or Error; the pod ends Succeeded or Failed once
        all its containers are done, unless the restart policy starts the container again."""
        if run.exit_code:
            pod, spec = self._container_spec(run, c)
            if pod is not None:
                self._print(c, logs.crash_lines(pod, spec)[:1] + [f"FATAL exiting with status {run.exit_code}"])
            if run.restart_policy != "Never":
                # OnFailure/Always: restarted with the crash-loop back-off
                self._crashed(run, c, run.exit_code, printed=True)
                return
        else:
            self._print(c, logs.JOB_DONE)
        if self.logs is not None:
            self.logs.end(c.container_id)
        now = self.clock.timestamp()
        started = (c.state.get("running") or {}).get("startedAt") or now
        c.state = {"terminated": {"exitCode": run.exit_code, "reason": "Error" if run.exit_code else "Completed",
                                  "startedAt": started, "finishedAt": now, "containerID": c.container_id}}
        c.ready = False
        c.started = False
        if run.restart_policy == "Always":
            # A container that exits under restartPolicy Always is restarted with the back-off too.
            c.state = {"running": {"startedAt": c.state["terminated"]["startedAt"]}}
            self._crashed(run, c, 0, printed=True)
            return
        if any("terminated" not in x.state for x in run.containers):
            self._write_status(run)
            return
        failed = any(x.state["terminated"]["exitCode"] for x in run.containers)
        self._write_status(run, "Failed" if failed else "Succeeded")
        run.finished = True
        run.cancel_timers()

    def _restart(self, run: PodRun, c: ContainerRun) -> None:
        if "terminated" in c.state:
            c.last_state = {"terminated": c.state["terminated"]}
        c.restart_count += 1
        # Every container start checks the image again (EnsureImageExists): present by now.
        self._event(run, None, "Normal", "Pulled", f'Container image "{c.image}" already present on machine', c.name)
        self._create_and_start(run, c)

    # -- termination ----------------------------------------------------------------------------
    def _terminate(self, run: PodRun, pod: dict) -> None:
        run.terminating = True
        run.cancel_timers()
        grace = pod["metadata"].get("deletionGracePeriodSeconds")
        if grace is None:
            grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
        running = [c for c in run.containers if "running" in c.state]
        for c in running:
            self._event(run, pod, "Normal", "Killing", f"Stopping container {c.name}", c.name)
            self._print(c, logs.SIGTERM_RECEIVED)
        stop_after = min(run.shutdown_after, float(grace)) if running else 0.0
        killed = bool(running) and run.shutdown_after > float(grace)
        self._later(run, stop_after, self._stopped_containers, killed)

    def _stopped_containers(self, run: PodRun, killed: bool) -> None:
        now = self.clock.timestamp()
        failed = False
        for c in run.containers:
            if "running" in c.state:
                if not killed:
                    self._print(c, logs.SHUTDOWN_DONE)
                if self.logs is not None:
                    self.logs.end(c.container_id)
                code = 137 if killed else 0
                failed = failed or code != 0
                c.state = {"terminated": {"exitCode": code, "reason": "Error" if code else "Completed",
                                          "startedAt": c.state["running"]["startedAt"], "finishedAt": now,
                                          "containerID": c.container_id}}
            elif "terminated" not in c.state:
                failed = failed or c.restart_count > 0 or run.behaviour != "healthy"
            c.ready = False
            c.started = False
        self._write_status(run, "Failed" if failed else "Succeeded")
        self._finish(run)

    def _finish(self, run: PodRun) -> None:
        run.finished = True
        run.cancel_timers()
        try:
            self.api.delete("pods", run.namespace, run.name, grace_period_seconds=0,
                            preconditions={"uid": run.uid})
        except ApiError as exc:
            if exc.code not in (404, 409):
                raise
        self.pods.pop(run.uid, None)
        run.node.release_ip(run.ip)

    def _finish_deletion(self, pod: dict, node: SimNode) -> None:
        """A pod marked for deletion that this kubelet never ran (e.g. after a restart)."""
        try:
            self.api.delete("pods", pod["metadata"]["namespace"], pod["metadata"]["name"], grace_period_seconds=0,
                            preconditions={"uid": pod["metadata"]["uid"]})
        except ApiError as exc:
            if exc.code not in (404, 409):
                raise


def _duration_text(seconds: float) -> str:
    if seconds < 1:
        return f"{max(1, int(seconds * 1000))}ms"
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


async def start_kubelet(cluster, **options) -> Kubelet:
    """Register the cluster's nodes and run their kubelets; returns the handle (`.stop()`)."""
    kubelet = Kubelet(cluster, **options)
    kubelet.start()
    return kubelet
