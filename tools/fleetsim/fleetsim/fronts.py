"""HTTP fronts: real HTTP requests answered as a pod of the Service would answer them.

Each cluster has one front listener (its URL is in fleet.json as ``front_url``). A Service is
reached at ``{front_url}/{namespace}/{service}/{any path}``:

- the front picks the Service's next ready endpoint (round robin), waits the pod's latency
  (``fleetsim.io/latency-ms``, real time: latency is a property of the request, not of the
  simulated clock), and answers 500 with the pod's error rate (``fleetsim.io/error-rate``),
  otherwise 200, with a JSON body naming cluster, namespace, service, version, pod, path and code
  (also in the ``X-Fleetsim-Version`` and ``X-Fleetsim-Pod`` headers);
- 503 with a JSON body when the Service has no ready endpoint;
- 404 with a JSON body for an unknown Service.

Answers count in the fleet metrics like simulated traffic. ``GET {front_url}/`` lists the Services.
"""
from __future__ import annotations

import asyncio
import random
import time

from aiohttp import web

from .metrics import RequestLabels, RequestMetrics
from .traffic import ServiceDirectory


class Front:
    def __init__(self, cluster_name: str, directory: ServiceDirectory, metrics: RequestMetrics,
                 rng: random.Random | None = None):
        self.cluster_name = cluster_name
        self.directory = directory
        self.metrics = metrics
        self.rng = rng or random.Random()
        self.app = web.Application()
        self.app.router.add_get("/", self._index)
        self.app.router.add_route("*", "/{namespace}/{service}", self._serve)
        self.app.router.add_route("*", "/{namespace}/{service}/{tail:.*}", self._serve)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def _index(self, request: web.Request) -> web.Response:
        services = [f"{ns}/{name}" for ns, name in self.directory.services()]
        return web.json_response({"cluster": self.cluster_name, "services": services})

    async def _serve(self, request: web.Request) -> web.Response:
        namespace = request.match_info["namespace"]
        service = request.match_info["service"]
        path = "/" + request.match_info.get("tail", "")
        where = {"cluster": self.cluster_name, "namespace": namespace, "service": service,
                 "path": path}
        if not self.directory.has_service(namespace, service):
            return web.json_response(
                {**where, "code": 404,
                 "error": f'service "{service}" not found in namespace "{namespace}"'},
                status=404)
        endpoint = self.directory.next_endpoint(namespace, service)
        if endpoint is None:
            return web.json_response(
                {**where, "code": 503,
                 "error": f'service "{namespace}/{service}" has no ready endpoints'},
                status=503)
        status, body, headers = await self._answer_as(endpoint, namespace, service, request.method, path)
        return web.json_response(body, status=status, headers=headers)

    async def _answer_as(self, endpoint, namespace: str, service: str, method: str, path: str):
        where = {"cluster": self.cluster_name, "namespace": namespace, "service": service, "path": path}
        started = time.monotonic()
        behaviour = endpoint.behaviour
        await asyncio.sleep(behaviour.latency.sample(self.rng))
        code = 500 if self.rng.random() < behaviour.error_rate else 200
        self.metrics.observe(
            RequestLabels(self.cluster_name, namespace, service, endpoint.version, endpoint.pod,
                          str(code), endpoint.track),
            time.monotonic() - started)
        if self.directory.logs is not None:
            self.directory.logs.request(namespace, endpoint.pod, method, path, code,
                                        time.monotonic() - started)
        body = {**where, "version": endpoint.version, "pod": endpoint.pod, "code": code,
                "method": method}
        if code != 200:
            body["error"] = "simulated failure (fleetsim.io/error-rate)"
        return code, body, {"X-Fleetsim-Version": endpoint.version, "X-Fleetsim-Pod": endpoint.pod}

    async def proxy_answer(self, resource: str, obj: dict, method: str, path: str):
        """The answer to the API server's services/proxy or pods/proxy (kubectl proxy, `kubectl get
        --raw .../proxy/`): as the front answers, or None when no ready pod can answer."""
        meta = obj.get("metadata") or {}
        namespace, name = meta.get("namespace", "default"), meta.get("name", "")
        if resource == "services":
            if not self.directory.has_service(namespace, name):
                return None
            endpoint = self.directory.next_endpoint(namespace, name)
            service = name
        else:
            endpoint = self.directory.ready_pod(namespace, name)
            service = next((s for ns, s in self.directory.services()
                            if ns == namespace and endpoint is not None
                            and endpoint in self.directory.ready_endpoints(ns, s)), "")
        if endpoint is None:
            return None
        return await self._answer_as(endpoint, namespace, service, method, path)
