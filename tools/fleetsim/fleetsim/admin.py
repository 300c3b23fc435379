"""The fleet's own HTTP server: the metrics endpoint and the admin (fault injection) API.

- ``GET /metrics``: every cluster's request metrics (Prometheus text format, no auth, for scraping).
- ``GET /healthz``: ``ok`` once the fleet is running.
- ``GET /admin/clusters``: every cluster with its API URL, front URL and faults.
- ``GET /admin/clusters/{name}/faults``: one cluster's faults.
- ``PUT|PATCH /admin/clusters/{name}/faults`` with a JSON body of the fields to change
  (``error_500``, ``error_409``: shares 0..1; ``latency_s``: seconds or "250ms"/"2s";
  ``unreachable``: bool); ``DELETE`` the same path clears every fault.
- ``GET /admin/requests``: the API requests every cluster has answered since it started, counted
  by verb and resource (``apps/deployments/scale``, core resources without a group, non-resource
  paths as themselves); ``?cluster=NAME`` (repeatable) for some clusters only. Benchmarks read it
  before and after what they measure and subtract.

Admin requests need ``Authorization: Bearer <admin_token>`` (the token is in fleet.json).
Errors are JSON ``{"error": "..."}`` naming the field.
"""
from __future__ import annotations

import hmac
import json
from typing import Any, Protocol

from aiohttp import web

from .faults import FaultError
from .metrics import CONTENT_TYPE


class FleetControl(Protocol):
    """What the admin server needs of the running fleet."""

    clusters: dict[str, Any]  # name -> Cluster; cluster.server.requests counts its API requests

    def render_metrics(self) -> str: ...
    def cluster_summaries(self) -> list[dict[str, Any]]: ...
    def faults_of(self, name: str) -> dict[str, Any]: ...  # KeyError for unknown clusters
    async def set_fault(self, name: str, **changes: Any) -> dict[str, Any]: ...
    async def clear_faults(self, name: str) -> dict[str, Any]: ...


class AdminServer:
    def __init__(self, fleet: FleetControl, admin_token: str):
        self.fleet = fleet
        self.admin_token = admin_token
        self.app = web.Application(middlewares=[self._auth])
        self.app.router.add_get("/metrics", self._metrics)
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/admin/clusters", self._clusters)
        self.app.router.add_get("/admin/requests", self._requests)
        faults = "/admin/clusters/{name}/faults"
        self.app.router.add_get(faults, self._get_faults)
        self.app.router.add_put(faults, self._set_faults)
        self.app.router.add_patch(faults, self._set_faults)
        self.app.router.add_delete(faults, self._clear_faults)
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

    @web.middleware
    async def _auth(self, request: web.Request, handler):
        if request.path.startswith("/admin/"):
            header = request.headers.get("Authorization", "")
            token = header[7:] if header.startswith("Bearer ") else ""
            if not hmac.compare_digest(token.encode(), self.admin_token.encode()):
                return _error(401, "admin requests need 'Authorization: Bearer <admin_token>' "
                                   "(admin_token is in fleet.json)")
        return await handler(request)

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.fleet.render_metrics().encode(),
                            headers={"Content-Type": CONTENT_TYPE})

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def _clusters(self, request: web.Request) -> web.Response:
        return web.json_response({"clusters": self.fleet.cluster_summaries()})

    async def _requests(self, request: web.Request) -> web.Response:
        names = request.query.getall("cluster", []) or list(self.fleet.clusters)
        for name in names:
            if name not in self.fleet.clusters:
                return _unknown_cluster(name)
        return web.json_response({"clusters": {name: request_summary(self.fleet.clusters[name])
                                               for name in names}})

    async def _get_faults(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            return web.json_response(self.fleet.faults_of(name))
        except KeyError:
            return _unknown_cluster(name)

    async def _set_faults(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            body = json.loads(await request.text() or "{}")
        except json.JSONDecodeError as exc:
            return _error(400, f"the body is not JSON: {exc}")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object of fault fields")
        try:
            return web.json_response(await self.fleet.set_fault(name, **body))
        except KeyError:
            return _unknown_cluster(name)
        except FaultError as exc:
            return _error(422, str(exc))

    async def _clear_faults(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            return web.json_response(await self.fleet.clear_faults(name))
        except KeyError:
            return _unknown_cluster(name)


def request_summary(cluster: Any) -> dict[str, Any]:
    """{"total": n, "by_verb": {verb: n}, "by_resource": {resource: n}, "by_verb_resource": {"verb resource": n}}"""
    by_verb: dict[str, int] = {}
    by_resource: dict[str, int] = {}
    by_both: dict[str, int] = {}
    records = cluster.server.requests.snapshot() if cluster.server is not None else []
    for record in records:
        resource = record.resource or record.path
        if record.subresource:
            resource = f"{resource}/{record.subresource}"
        if record.group:
            resource = f"{record.group}/{resource}"
        by_verb[record.verb] = by_verb.get(record.verb, 0) + 1
        by_resource[resource] = by_resource.get(resource, 0) + 1
        key = f"{record.verb} {resource}"
        by_both[key] = by_both.get(key, 0) + 1
    return {"total": len(records), "by_verb": dict(sorted(by_verb.items())),
            "by_resource": dict(sorted(by_resource.items())), "by_verb_resource": dict(sorted(by_both.items()))}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _unknown_cluster(name: str) -> web.Response:
    return _error(404, f'no cluster named "{name}" in this fleet (GET /admin/clusters lists them)')
