"""Simulated user traffic: every Service with a selector gets requests over its ready endpoints.

No real HTTP happens for simulated traffic. Every tick (about one simulated second) each Service
receives ``requests_per_second * elapsed`` requests (the fractional remainder carries over), split
evenly over its ready pods as a round-robin load balancer would. Each pod answers a binomial share
with 500 (its error rate) and the rest with 200; durations are drawn per batch into the histogram
buckets from the pod's latency distribution. The cost per tick is per pod, not per request.

A pod's behaviour comes from its annotations, set on the pod template of a Deployment:

- ``fleetsim.io/error-rate``: share of requests answered 500 (0 to 1, default 0).
- ``fleetsim.io/latency-ms``: mean answer time in milliseconds (default 20).
- ``fleetsim.io/latency-sigma``: spread of the answer times, the lognormal shape parameter (default
  0.3: most answers within +-30% of the mean; 0.05 is a tight service, 1 a very uneven one).

Answer times are exported per pod as the ``http_request_duration_seconds`` histogram
(``_bucket`` with ``le``, ``_sum``, ``_count``), so a canary judge can compare latency
distributions of versions (set a slower mean on the canary's pod template).

A Service may carry ``fleetsim.io/requests-per-second`` to override the fleet file's rate.
The pod's ``version`` label names its version in the metrics (``unknown`` without one), and its
``progressive.delivery/track`` label (a baseline's fresh pods of the stable version) becomes the
``track`` label, as a scrape config relabelling that pod label would make it.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import random
from typing import Any, Callable, Iterable, Sequence

from .metrics import DEFAULT_BUCKETS, RequestLabels, RequestMetrics

log = logging.getLogger(__name__)

ERROR_RATE_ANNOTATION = "fleetsim.io/error-rate"
LATENCY_ANNOTATION = "fleetsim.io/latency-ms"
LATENCY_SIGMA_ANNOTATION = "fleetsim.io/latency-sigma"
RATE_ANNOTATION = "fleetsim.io/requests-per-second"
VERSION_LABEL = "version"
TRACK_LABEL = "progressive.delivery/track"
DEFAULT_LATENCY_MS = 20.0
# Spread of answer times around the mean (lognormal shape parameter): most answers within +-30%.
LATENCY_SIGMA = 0.3
UNKNOWN_VERSION = "unknown"


@dataclasses.dataclass(frozen=True)
class LatencyModel:
    """Lognormal answer times with the given mean (seconds)."""

    mean_s: float
    sigma: float = LATENCY_SIGMA

    @property
    def mu(self) -> float:
        return math.log(self.mean_s) - self.sigma ** 2 / 2

    def cdf(self, seconds: float) -> float:
        if seconds <= 0:
            return 0.0
        return 0.5 * (1 + math.erf((math.log(seconds) - self.mu) / (self.sigma * math.sqrt(2))))

    def sample(self, rng: random.Random) -> float:
        return rng.lognormvariate(self.mu, self.sigma)

    def bucket_probabilities(self, buckets: Sequence[float]) -> list[float]:
        """Probability of each histogram bucket (len(buckets) + 1, the last above all bounds)."""
        probabilities, below = [], 0.0
        for bound in buckets:
            at_or_below = self.cdf(bound)
            probabilities.append(at_or_below - below)
            below = at_or_below
        probabilities.append(1.0 - below)
        return probabilities

    def batch(self, count: int, rng: random.Random,
              buckets: Sequence[float] = DEFAULT_BUCKETS) -> tuple[list[int], float]:
        """Bucket counts and duration sum of ``count`` requests, in O(buckets) draws.

        Multinomial by successive binomials: each bucket takes its conditional share of what is
        left. The sum is the normal approximation of ``count`` lognormal draws.
        """
        counts, left, mass_left = [], count, 1.0
        for p in self.bucket_probabilities(buckets):
            if left == 0 or mass_left <= 0:
                counts.append(0)
                continue
            share = min(1.0, max(0.0, p / mass_left))
            taken = rng.binomialvariate(left, share) if share < 1.0 else left
            counts.append(taken)
            left -= taken
            mass_left -= p
        counts[-1] += left  # float rounding can leave a few; they go to the open last bucket
        sd = self.mean_s * math.sqrt(math.exp(self.sigma ** 2) - 1)
        total = count * self.mean_s + rng.gauss(0.0, sd * math.sqrt(count)) if count else 0.0
        return counts, max(0.0, total)


@dataclasses.dataclass(frozen=True)
class PodBehaviour:
    error_rate: float = 0.0
    latency: LatencyModel = LatencyModel(DEFAULT_LATENCY_MS / 1000)

    @classmethod
    def from_annotations(cls, annotations: dict[str, str], where: str = "") -> PodBehaviour:
        error_rate = _annotation_number(annotations, ERROR_RATE_ANNOTATION, 0.0, 0.0, 1.0, where)
        latency_ms = _annotation_number(annotations, LATENCY_ANNOTATION, DEFAULT_LATENCY_MS,
                                        0.001, 3_600_000.0, where)
        # A sigma of 0 would make every answer take the same time (and the CDF divide by zero).
        sigma = _annotation_number(annotations, LATENCY_SIGMA_ANNOTATION, LATENCY_SIGMA, 0.001, 5.0, where)
        return cls(error_rate, LatencyModel(latency_ms / 1000, sigma))


def _annotation_number(annotations: dict[str, str], key: str, default: float, low: float,
                       high: float, where: str) -> float:
    raw = annotations.get(key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not low <= value <= high:  # NaN fails too
        log.warning("%s: annotation %s=%r is not a number between %g and %g; using %g",
                    where, key, raw, low, high, default)
        return default
    return value


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """A ready pod behind a Service."""

    namespace: str
    pod: str
    version: str
    behaviour: PodBehaviour
    track: str = ""


@dataclasses.dataclass
class _Pod:
    labels: dict[str, str]
    annotations: dict[str, str]
    ready: bool
    endpoint: Endpoint


@dataclasses.dataclass
class _Service:
    selector: dict[str, str] | None
    requests_per_second: float | None
    next_index: int = 0  # round-robin position
    carry: float = 0.0  # fractional requests not yet sent


class UnknownService(LookupError):
    pass


class ServiceDirectory:
    """Services and ready pods of one cluster, kept current from the cluster's change feed
    (``api.subscribe``), so traffic and fronts never list the store."""

    def __init__(self, cluster_name: str, logs: Any = None):
        self.cluster_name = cluster_name
        # The cluster's container logs (logs.PodLogs): every answered request is an access line.
        self.logs = logs
        self._services: dict[tuple[str, str], _Service] = {}
        self._pods: dict[str, dict[str, _Pod]] = {}  # namespace -> name -> pod

    def attach(self, api: Any) -> None:
        """Subscribe first, then load what exists, so no change falls between the two."""
        api.subscribe(self.on_change)
        for item in api.list("services").get("items", []):
            self.apply_service(item)
        for item in api.list("pods").get("items", []):
            self.apply_pod(item)

    def on_change(self, event_type: str, resource_type: Any, obj: dict, old_obj: Any = None):
        kind = (getattr(resource_type, "group", None), getattr(resource_type, "plural", None))
        if kind == ("", "services"):
            self.apply_service(obj, deleted=event_type == "DELETED")
        elif kind == ("", "pods"):
            self.apply_pod(obj, deleted=event_type == "DELETED")

    def apply_service(self, obj: dict, deleted: bool = False) -> None:
        meta = obj.get("metadata", {})
        key = (meta.get("namespace", "default"), meta.get("name", ""))
        if deleted:
            self._services.pop(key, None)
            return
        spec = obj.get("spec") or {}
        selector = spec.get("selector") or None
        if spec.get("type") == "ExternalName":
            selector = None
        rate = _annotation_number(meta.get("annotations") or {}, RATE_ANNOTATION, math.nan, 0.0,
                                  1e9, f"service {key[0]}/{key[1]}")
        existing = self._services.get(key)
        if existing:
            existing.selector = selector
            existing.requests_per_second = None if math.isnan(rate) else rate
        else:
            self._services[key] = _Service(selector, None if math.isnan(rate) else rate)

    def apply_pod(self, obj: dict, deleted: bool = False) -> None:
        meta = obj.get("metadata", {})
        namespace, name = meta.get("namespace", "default"), meta.get("name", "")
        pods = self._pods.setdefault(namespace, {})
        if deleted:
            pods.pop(name, None)
            return
        labels = dict(meta.get("labels") or {})
        annotations = dict(meta.get("annotations") or {})
        previous = pods.get(name)
        if previous and previous.labels == labels and previous.annotations == annotations:
            endpoint = previous.endpoint  # status-only change: keep the parsed behaviour
        else:
            endpoint = Endpoint(namespace, name, labels.get(VERSION_LABEL, UNKNOWN_VERSION),
                                PodBehaviour.from_annotations(annotations,
                                                              f"pod {namespace}/{name}"),
                                labels.get(TRACK_LABEL, ""))
        pods[name] = _Pod(labels, annotations, _is_ready(obj), endpoint)

    def services(self) -> list[tuple[str, str]]:
        return sorted(self._services)

    def has_service(self, namespace: str, name: str) -> bool:
        return (namespace, name) in self._services

    def ready_endpoints(self, namespace: str, name: str) -> list[Endpoint]:
        service = self._services.get((namespace, name))
        if service is None:
            raise UnknownService(f"service {namespace}/{name} not found")
        if not service.selector:
            return []
        selector = service.selector.items()
        return [pod.endpoint for pod_name, pod in sorted(self._pods.get(namespace, {}).items())
                if pod.ready and selector <= pod.labels.items()]

    def ready_pod(self, namespace: str, name: str) -> Endpoint | None:
        pod = self._pods.get(namespace, {}).get(name)
        return pod.endpoint if pod is not None and pod.ready else None

    def next_endpoint(self, namespace: str, name: str) -> Endpoint | None:
        """Round robin over the ready endpoints (None when there are none)."""
        endpoints = self.ready_endpoints(namespace, name)
        if not endpoints:
            return None
        service = self._services[(namespace, name)]
        endpoint = endpoints[service.next_index % len(endpoints)]
        service.next_index += 1
        return endpoint

    def _service(self, namespace: str, name: str) -> _Service:
        return self._services[(namespace, name)]


def _is_ready(pod: dict) -> bool:
    """Ready as the endpoints controller sees it: Ready condition True and not terminating."""
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    status = pod.get("status") or {}
    if status.get("phase") not in (None, "Running"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in status.get("conditions") or [])


@dataclasses.dataclass
class ClusterTraffic:
    """What the generator needs of a cluster: its directory and its default request rate."""

    directory: ServiceDirectory
    requests_per_second: float


class TrafficGenerator:
    def __init__(self, metrics: RequestMetrics, clusters: Iterable[ClusterTraffic],
                 rng: random.Random | None = None):
        self.metrics = metrics
        self.clusters = list(clusters)
        self.rng = rng or random.Random()

    def tick(self, elapsed_s: float) -> int:
        """Send ``elapsed_s`` simulated seconds worth of traffic; returns the request count."""
        sent = 0
        for cluster in self.clusters:
            directory = cluster.directory
            for namespace, name in directory.services():
                service = directory._service(namespace, name)
                endpoints = directory.ready_endpoints(namespace, name)
                if not endpoints:
                    continue  # nobody answers: the load balancer has no backend
                rate = service.requests_per_second
                if rate is None:
                    rate = cluster.requests_per_second
                wanted = rate * elapsed_s + service.carry
                count = int(wanted + 1e-9)  # 0.3 * 10 must make 3, not 2.999...
                service.carry = wanted - count
                sent += self._spread(directory.cluster_name, name, service, endpoints, count,
                                     directory.logs, elapsed_s)
        return sent

    def _spread(self, cluster: str, service_name: str, service: _Service,
                endpoints: list[Endpoint], count: int, logs: Any = None, elapsed_s: float = 1.0) -> int:
        share, extra = divmod(count, len(endpoints))
        start = service.next_index % len(endpoints)
        for offset, endpoint in enumerate(endpoints):
            # Round robin: the `extra` requests go to the pods next in turn.
            n = share + (1 if (offset - start) % len(endpoints) < extra else 0)
            if n:
                self._answer(cluster, service_name, endpoint, n, logs, elapsed_s)
        service.next_index += count
        return count

    def _answer(self, cluster: str, service_name: str, endpoint: Endpoint, count: int, logs: Any = None,
                elapsed_s: float = 1.0) -> None:
        behaviour = endpoint.behaviour
        errors = self.rng.binomialvariate(count, behaviour.error_rate) if behaviour.error_rate else 0
        if logs is not None:
            logs.traffic(endpoint.namespace, endpoint.pod, count, errors, behaviour.latency.mean_s,
                         behaviour.latency.sigma, elapsed_s)
        for code, n in (("200", count - errors), ("500", errors)):
            if n:
                buckets, total = behaviour.latency.batch(n, self.rng, self.metrics.buckets)
                labels = RequestLabels(cluster, endpoint.namespace, service_name,
                                       endpoint.version, endpoint.pod, code, endpoint.track)
                self.metrics.record(labels, buckets, total)

    async def run(self, monotonic: Callable[[], float], speed: Callable[[], float],
                  tick_s: float = 1.0) -> None:
        """Tick every ``tick_s`` simulated seconds (but at most 4 times a real second), measuring
        elapsed simulated time so slow ticks never lose traffic."""
        last = monotonic()
        while True:
            await asyncio.sleep(max(0.25, tick_s / max(speed(), 1e-9)))
            now = monotonic()
            try:
                self.tick(max(0.0, now - last))
            except Exception:  # a bad object must not stop the traffic of the whole fleet
                log.exception("simulated traffic tick failed")
            last = now
