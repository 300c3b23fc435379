"""Simulated user traffic through every MultiClusterIngress.

Each tick (about one simulated second) an MCI receives ``requests_per_second * elapsed`` requests
(the MCI annotation ``fleetsim.io/requests-per-second``, else the fleet file's rate of its
environment), split evenly over its distinct backend MultiClusterServices. A backend's requests
are spread round robin over the ready endpoints of every cluster the MCS selects, so each
cluster's share follows its share of ready pods, and a cluster whose link is removed gets nothing
from the next tick on.

Requests count in the fleet metrics with ``cluster`` = the member cluster of the pod that answered
and ``service`` = the MultiClusterService name (not the derived ``mci-...`` Service).
"""
from __future__ import annotations

import asyncio
import logging
import random

from ..metrics import RequestLabels, RequestMetrics

log = logging.getLogger(__name__)


class IngressTraffic:
    def __init__(self, controller, metrics: RequestMetrics, rng: random.Random):
        self.controller = controller
        self.metrics = metrics
        self.rng = rng
        self._carry: dict[tuple, float] = {}
        self._next: dict[tuple, int] = {}

    def tick(self, elapsed_s: float) -> int:
        sent = 0
        for (env_key, namespace, name), route in sorted(self.controller.routes.items()):
            backends = route.backends()
            if not backends:
                continue
            rate = route.requests_per_second
            if rate is None:
                rate = self.controller.default_rate(env_key)
            for backend in backends:
                key = (env_key, namespace, name, backend.service)
                wanted = rate * elapsed_s / len(backends) + self._carry.get(key, 0.0)
                count = int(wanted + 1e-9)
                self._carry[key] = wanted - count
                endpoints = self.controller.endpoints(env_key, namespace, backend.service)
                if not endpoints or not count:
                    continue
                sent += self._spread(key, namespace, backend.service, endpoints, count)
        return sent

    def _spread(self, key, namespace: str, service: str, endpoints, count: int) -> int:
        share, extra = divmod(count, len(endpoints))
        start = self._next.get(key, 0) % len(endpoints)
        for offset, (cluster, endpoint) in enumerate(endpoints):
            n = share + (1 if (offset - start) % len(endpoints) < extra else 0)
            if n:
                self._answer(cluster, namespace, service, endpoint, n)
        self._next[key] = self._next.get(key, 0) + count
        return count

    def _answer(self, cluster: str, namespace: str, service: str, endpoint, count: int) -> None:
        behaviour = endpoint.behaviour
        errors = self.rng.binomialvariate(count, behaviour.error_rate) if behaviour.error_rate else 0
        for code, n in (("200", count - errors), ("500", errors)):
            if n:
                buckets, total = behaviour.latency.batch(n, self.rng, self.metrics.buckets)
                self.metrics.record(RequestLabels(cluster, namespace, service, endpoint.version,
                                                  endpoint.pod, code, endpoint.track), buckets, total)

    async def run(self, clock, tick_s: float = 1.0) -> None:
        """Same pacing as the fleet's Service traffic: every tick_s simulated seconds, at most
        4 times a real second, measuring elapsed simulated time."""
        last = clock.monotonic()
        while True:
            await asyncio.sleep(max(0.25, tick_s / max(clock.speed, 1e-9)))
            now = clock.monotonic()
            try:
                self.tick(max(0.0, now - last))
            except Exception:  # a bad object must not stop the traffic of the whole fleet
                log.exception("multi-cluster ingress traffic tick failed")
            last = now
