"""Container logs: what `kubectl logs` reads through pods/log.

One `ContainerLog` per container instance, keyed by the container ID the kubelet reports in
`containerStatuses[].containerID` / `lastState.terminated.containerID`, so "current" and
`previous` resolve exactly as the real kubelet resolves them. Lines come from

- the kubelet: start-up lines when a container starts, "ready" when it turns ready, readiness
  failures of a never-ready container, the fatal error a crash-looping container exits with, the
  shutdown on SIGTERM;
- the simulated users and the HTTP fronts: one access line per request the pod answered (method,
  path, status, latency). Simulated traffic is stored as one batch per tick and rendered into
  lines only when someone reads the log (the same seed gives the same lines every time), so
  traffic costs no more than before.

Each instance keeps its last MAX_ENTRIES entries (the kubelet rotates container logs too).
"""
from __future__ import annotations

import asyncio
import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone

# Entries kept per container instance: text lines, or one batch per traffic tick (many lines); a
# batch costs about 100 bytes, so a pod answering all the time holds well under a megabyte.
MAX_ENTRIES = 5000
PATHS = (("GET", "/", 3), ("GET", "/api/items", 5), ("GET", "/api/items/{id}", 4), ("POST", "/api/cart", 2),
         ("GET", "/healthz", 1))
CRASH_MESSAGE_ANNOTATION = "fleetsim.io/crash-message"


def format_timestamp(ts: datetime) -> str:
    """RFC3339Nano as the kubelet writes it (trailing zeros of the fraction trimmed)."""
    base = ts.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{ts.microsecond:06d}000".rstrip("0")
    return f"{base}.{frac}Z" if frac else f"{base}Z"


@dataclass(slots=True)
class _Batch:
    """count simulated requests answered in the span seconds up to t1 (rendered on read)."""
    t1: float  # POSIX seconds (simulated clock)
    span: float
    count: int
    errors: int
    mean_s: float
    sigma: float
    seed: int

    def lines(self) -> list[tuple[datetime, str]]:
        rng = random.Random(self.seed)
        failing = set(rng.sample(range(self.count), self.errors)) if self.errors else set()
        weights = [w for _, _, w in PATHS]
        out = []
        mu = math.log(self.mean_s) - self.sigma ** 2 / 2
        t0 = self.t1 - self.span
        for i in range(self.count):
            ts = datetime.fromtimestamp(t0 + self.span * (i + rng.random()) / self.count, timezone.utc)
            method, path, _ = rng.choices(PATHS, weights)[0]
            path = path.replace("{id}", str(rng.randint(1, 999)))
            latency_ms = rng.lognormvariate(mu, self.sigma) * 1000
            client = f"10.244.{rng.randint(0, 2)}.1"
            out.append((ts, access_line(client, method, path, 500 if i in failing else 200, latency_ms)))
        return out


def access_line(client_ip: str, method: str, path: str, code: int, latency_ms: float) -> str:
    level = "ERROR" if code >= 500 else "INFO "
    line = f'{level} {client_ip} "{method} {path} HTTP/1.1" {code} {latency_ms:.1f}ms'
    if code >= 500:
        line += " error=\"simulated failure (fleetsim.io/error-rate)\""
    return line


@dataclass
class ContainerLog:
    container_id: str
    namespace: str
    pod: str
    uid: str
    container: str
    entries: deque = field(default_factory=lambda: deque(maxlen=MAX_ENTRIES))
    ended: bool = False
    waiters: list = field(default_factory=list)

    def add(self, entry) -> None:
        self.entries.append(entry)
        self._wake()

    def end(self) -> None:
        self.ended = True
        self._wake()

    def _wake(self) -> None:
        waiters, self.waiters = self.waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    def lines_from(self, index: int) -> tuple[list[tuple[datetime, str]], int]:
        """(lines of entries[index:], the next index). Indexes shift when old entries rotate out."""
        entries = list(self.entries)
        out: list[tuple[datetime, str]] = []
        for entry in entries[index:]:
            if isinstance(entry, _Batch):
                out += entry.lines()
            else:
                out.append(entry)
        return out, len(entries)

    async def wait(self, timeout: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append(fut)
        try:
            await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            pass


class PodLogs:
    """The container logs of one cluster's pods."""

    def __init__(self, clock, rng: random.Random | None = None):
        self.clock = clock
        self.rng = rng or random.Random()
        self._by_id: dict[str, ContainerLog] = {}
        self._by_uid: dict[str, list[str]] = {}
        self._serving: dict[tuple[str, str], str] = {}  # (namespace, pod) -> container ID answering requests

    # -- writers (kubelet, traffic, fronts) ------------------------------------------------------
    def open(self, container_id: str, namespace: str, pod: str, uid: str, container: str,
             serving: bool) -> ContainerLog:
        log = ContainerLog(container_id, namespace, pod, uid, container)
        self._by_id[container_id] = log
        ids = self._by_uid.setdefault(uid, [])
        ids.append(container_id)
        # The kubelet keeps the current and the previous instance of each container.
        same = [i for i in ids if self._by_id[i].container == container]
        for old in same[:-2]:
            ids.remove(old)
            self._by_id.pop(old, None)
        if serving:
            self._serving[(namespace, pod)] = container_id
        return log

    def write(self, container_id: str, text: str) -> None:
        log = self._by_id.get(container_id)
        if log is not None and not log.ended:
            for line in text.splitlines() or [""]:
                log.add((self.clock.now(), line))

    def end(self, container_id: str) -> None:
        log = self._by_id.get(container_id)
        if log is not None:
            log.end()
        for key, cid in list(self._serving.items()):
            if cid == container_id:
                del self._serving[key]

    def forget(self, uid: str) -> None:
        for cid in self._by_uid.pop(uid, []):
            log = self._by_id.pop(cid, None)
            if log is not None:
                log.end()
                self._serving.pop((log.namespace, log.pod), None)

    def traffic(self, namespace: str, pod: str, count: int, errors: int, mean_s: float, sigma: float,
                elapsed_s: float) -> None:
        """count simulated requests (errors of them answered 500) over the last elapsed_s seconds."""
        cid = self._serving.get((namespace, pod))
        log = self._by_id.get(cid) if cid else None
        if log is None or log.ended or count <= 0:
            return
        log.add(_Batch(self.clock.now().timestamp(), max(elapsed_s, 0.001), count, errors, mean_s, sigma,
                       self.rng.getrandbits(30)))

    def request(self, namespace: str, pod: str, method: str, path: str, code: int, latency_s: float) -> None:
        """One real request (an HTTP front or the API server proxy) the pod answered."""
        cid = self._serving.get((namespace, pod))
        if cid:
            self.write(cid, access_line(self._client_ip(), method, path, code, latency_s * 1000))

    def _client_ip(self) -> str:
        # Requests reach the pod from the node's kube-proxy / the load balancer's health range.
        return f"10.244.{self.rng.randint(0, 2)}.1"

    # -- readers (pods/log) ------------------------------------------------------------------------
    def get(self, container_id: str | None) -> ContainerLog | None:
        return self._by_id.get(container_id) if container_id else None


# -- what a simulated application prints -------------------------------------------------------------
def _app(pod: dict, container: dict) -> tuple[str, str]:
    labels = (pod.get("metadata") or {}).get("labels") or {}
    image = container.get("image") or ""
    tag = image.rsplit("/", 1)[-1].split("@")[0]
    version = labels.get("version") or (tag.split(":", 1)[1] if ":" in tag else "latest")
    app = labels.get("app") or labels.get("app.kubernetes.io/name") or container.get("name") or "app"
    return app, version


def startup_lines(pod: dict, container: dict) -> list[str]:
    app, version = _app(pod, container)
    port = next((p.get("containerPort") for p in container.get("ports") or [] if p.get("containerPort")), 8080)
    node = (pod.get("spec") or {}).get("nodeName") or ""
    return [f"INFO  starting {app} version {version} (image {container.get('image')}) on node {node}",
            f"INFO  configuration loaded from environment ({len(container.get('env') or [])} variables)",
            f"INFO  listening on :{port}"]


def ready_line() -> str:
    return "INFO  ready: serving requests"


def not_ready_line(detail: str) -> str:
    return f"WARN  readiness check failed: {detail}; not accepting traffic"


def crash_lines(pod: dict, container: dict) -> list[str]:
    app, _ = _app(pod, container)
    message = ((pod.get("metadata") or {}).get("annotations") or {}).get(CRASH_MESSAGE_ANNOTATION) or (
        f"failed to load configuration: open /etc/{app}/config.yaml: no such file or directory")
    return [f"ERROR {message}", "FATAL exiting with status 1"]


JOB_DONE = "INFO  work done: exiting with status 0"
SIGTERM_RECEIVED = "INFO  received SIGTERM: draining connections"
SHUTDOWN_DONE = "INFO  shutdown complete"
