"""The HTTP front of the MultiClusterIngresses of one config cluster (the simulation's VIP).

``{url}/{namespace}/{mci}/{path}`` is answered like the MCI's load balancer would: the backend is
chosen by the MCI rules (``host`` against the request's Host header or ``X-Forwarded-Host``,
``path`` against ``/{path}``; GCE URL-map ``/*`` prefixes) or its default backend, then the
request goes round robin over the ready endpoints of every cluster the backend's
MultiClusterService selects. The answer is the pod's (``fleetsim.io/latency-ms``,
``fleetsim.io/error-rate``), a JSON body naming cluster, namespace, ingress, service (the MCS),
version, pod, path and code, also in ``X-Fleetsim-Cluster`` / ``-Version`` / ``-Pod`` headers.
404 for an unknown MCI or no matching backend, 503 when no cluster has a ready endpoint.

``GET {url}/`` lists the MCIs. The URL of each config cluster's front is in fleet.json under
``multicluster.fronts``.
"""
from __future__ import annotations

import asyncio
import random
import time

from aiohttp import web

from ..metrics import RequestLabels


class IngressFront:
    def __init__(self, controller, env, metrics, rng: random.Random):
        self.controller = controller
        self.env = env
        self.metrics = metrics
        self.rng = rng
        self._next: dict[tuple, int] = {}
        self.app = web.Application()
        self.app.router.add_get("/", self._index)
        self.app.router.add_route("*", "/{namespace}/{ingress}", self._serve)
        self.app.router.add_route("*", "/{namespace}/{ingress}/{tail:.*}", self._serve)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def _index(self, request: web.Request) -> web.Response:
        ingresses = [f"{ns}/{name}" for (env_key, ns, name) in sorted(self.controller.routes)
                     if env_key == self.env.key]
        return web.json_response({"config_cluster": self.env.config, "ingresses": ingresses})

    async def _serve(self, request: web.Request) -> web.Response:
        namespace = request.match_info["namespace"]
        ingress = request.match_info["ingress"]
        path = "/" + request.match_info.get("tail", "")
        where = {"config_cluster": self.env.config, "namespace": namespace, "ingress": ingress,
                 "path": path}
        route = self.controller.routes.get((self.env.key, namespace, ingress))
        if route is None:
            return web.json_response({**where, "code": 404, "error": f'MultiClusterIngress '
                                      f'"{namespace}/{ingress}" not found'}, status=404)
        host = (request.headers.get("X-Forwarded-Host") or request.host or "").split(":")[0]
        backend = route.pick(host, path)
        if backend is None:
            return web.json_response({**where, "code": 404, "error": "no rule matches and the "
                                      "MultiClusterIngress has no default backend"}, status=404)
        where["service"] = backend.service
        endpoints = self.controller.endpoints(self.env.key, namespace, backend.service)
        if not endpoints:
            return web.json_response({**where, "code": 503, "error": f'MultiClusterService '
                                      f'"{backend.service}" has no ready endpoint in any cluster'},
                                     status=503)
        key = (namespace, ingress, backend.service)
        index = self._next.get(key, 0)
        self._next[key] = index + 1
        cluster, endpoint = endpoints[index % len(endpoints)]
        started = time.monotonic()
        await asyncio.sleep(endpoint.behaviour.latency.sample(self.rng))
        code = 500 if self.rng.random() < endpoint.behaviour.error_rate else 200
        self.metrics.observe(RequestLabels(cluster, namespace, backend.service, endpoint.version,
                                           endpoint.pod, str(code), endpoint.track),
                             time.monotonic() - started)
        body = {**where, "cluster": cluster, "version": endpoint.version, "pod": endpoint.pod,
                "code": code, "method": request.method}
        if code != 200:
            body["error"] = "simulated failure (fleetsim.io/error-rate)"
        return web.json_response(body, status=code, headers={
            "X-Fleetsim-Cluster": cluster, "X-Fleetsim-Version": endpoint.version,
            "X-Fleetsim-Pod": endpoint.pod})
