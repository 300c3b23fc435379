"""The aiohttp API server of one cluster: routing, bearer-token authentication, the fault
middleware, errors as Status bodies, and the listener that faults can close and reopen."""
from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web

from ..errors import ApiError, unauthorized
from . import discovery
from . import authz
from .request_counts import RequestCounts
from .negotiation import (AGGREGATED_V2, PRETTY, USER_KEY, check_acceptable, json_response, status_response,
                          wants_aggregated_discovery, wants_pretty)
from .openapi_docs import OpenApiV3
from .rest import ResourceHandler

log = logging.getLogger("fleetsim.apiserver")

VERSION_INFO = {
    "major": "1", "minor": "36", "emulationMajor": "1", "emulationMinor": "36",
    "minCompatibilityMajor": "1", "minCompatibilityMinor": "35", "gitVersion": "v1.36.2",
    "gitCommit": "98b35193b2ac7a23a673325f5e9b830ecd5ba406", "gitTreeState": "clean",
    "buildDate": "2026-11-26T09:21:45Z", "goVersion": "go1.27.3-X:nojsonv2", "compiler": "gc",
    "platform": "linux/amd64",
}
# Paths the real server lets anyone read (system:public-info-viewer).
PUBLIC_PATHS = ("/healthz", "/livez", "/readyz", "/version")


class ApiServer:
    def __init__(self, cluster):
        self.cluster = cluster
        self.resources = ResourceHandler(cluster)
        self.openapi = OpenApiV3(cluster.api.registry)
        self.requests = RequestCounts()  # what clients asked, for tests (request_counts.py)
        self.app = web.Application(middlewares=[self.requests.middleware, self._errors, self._faults, self._authn],
                                   client_max_size=8 * 1024 * 1024)
        self.app.router.add_route("*", "/{tail:.*}", self._route)
        self.runner: web.AppRunner | None = None
        self.site: web.TCPSite | None = None
        self.port = cluster.port
        self._watches: dict = {}

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self.runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self.runner.setup()
        await self.open()

    async def open(self) -> None:
        if self.site is not None:
            return
        from .tls import server_context
        self.site = web.TCPSite(self.runner, self.cluster.host, self.port, reuse_address=True,
                                ssl_context=server_context())
        await self.site.start()
        if not self.port:
            self.port = self.site._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening (clients get connection refused) and drop open watches."""
        if self.site is None:
            return
        site, self.site = self.site, None
        await site.stop()
        for watcher in list(self._watches.values()):
            watcher.close()

    async def stop(self) -> None:
        for watcher in list(self._watches.values()):
            watcher.close()
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
            self.site = None

    def track_watch(self, resp, watcher) -> None:
        self._watches[id(resp)] = watcher

    def untrack_watch(self, resp) -> None:
        self._watches.pop(id(resp), None)

    # -- middlewares ----------------------------------------------------------------------------
    @web.middleware
    async def _errors(self, request: web.Request, handler):
        PRETTY.set(wants_pretty(request))
        try:
            return await handler(request)
        except ApiError as err:
            return status_response(err)
        except web.HTTPException:
            raise
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must still answer like an apiserver
            log.exception("internal error serving %s %s", request.method, request.path)
            return status_response(ApiError(500, "InternalError", f"Internal error occurred: {exc}",
                                            {"causes": [{"message": str(exc)}]}))

    @web.middleware
    async def _faults(self, request: web.Request, handler):
        faults = self.cluster.faults
        if faults.active:
            decision = faults.draw()
            if decision.latency_s:
                await asyncio.sleep(decision.latency_s)
            if decision.status == 500:
                raise ApiError(500, "InternalError", "Internal error occurred: fleetsim injected fault",
                               {"causes": [{"message": "fleetsim injected fault"}]})
            # A real API server answers 409 only to writes (a conflicting update, a patch it could not apply):
            # a read drawn for a 409 is served normally.
            if decision.status == 409 and request.method not in ("GET", "HEAD"):
                raise ApiError(409, "Conflict", "Operation cannot be fulfilled: the object has been modified; "
                                                "please apply your changes to the latest version and try again "
                                                "(fleetsim injected fault)", {})
        return await handler(request)

    @web.middleware
    async def _authn(self, request: web.Request, handler):
        header = request.headers.get("Authorization", "")
        user = None
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
            user = self.cluster.users.get(token)
            if user is None:
                # Not a static token: a ServiceAccount token from serviceaccounts/token?
                from ..tokens import authenticate
                user = authenticate(self.cluster, token)
            if user is None:
                raise unauthorized()
        if user is None and not header:
            # No bearer token: a client certificate signed by the cluster CA (kubeadm/kind kubeconfigs).
            from .tls import client_user
            transport = request.transport
            found = client_user(transport.get_extra_info("peercert") if transport is not None else None)
            if found is not None:
                from ..cluster import UserInfo
                user = UserInfo(found[0], found[1] + ["system:authenticated"])
        if user is None and request.path not in PUBLIC_PATHS:
            raise unauthorized()
        if any(h.lower().startswith("impersonate-") for h in request.headers):
            if user is None:
                raise unauthorized()
            from .impersonation import impersonate
            user = impersonate(self.cluster.api.store, user, request.headers)
        request[USER_KEY] = user
        if user is not None and not _is_resource_path(request.path):
            attrs = authz.Attributes(user, "get", path=request.path, resource_request=False)
            if not authz.allowed(self.cluster.api.store, attrs):
                raise authz.forbidden(attrs)
        return await handler(request)

    # -- routing --------------------------------------------------------------------------------
    async def _route(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        accept = request.headers.get("Accept", "")
        if not path.startswith("/openapi/"):
            check_acceptable(accept)
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok", content_type="text/plain")
        if path.startswith(("/healthz/", "/livez/", "/readyz/")):
            return web.Response(text="ok", content_type="text/plain")
        if path == "/version":
            return json_response(VERSION_INFO)
        if path.startswith("/openapi/"):
            return self._openapi(request, parts)
        if parts and parts[0] == "api":
            return await self._core(request, parts[1:], accept)
        if parts and parts[0] == "apis":
            return await self._groups(request, parts[1:], accept)
        if path == "/":
            return json_response({"paths": sorted(["/api", "/api/v1", "/apis", "/healthz", "/livez",
                                                   "/openapi/v3", "/readyz", "/version"] +
                                                  [f"/apis/{g}" for g in self.cluster.api.registry.group_versions()]
                                                  + [f"/apis/{g}/{v}" for g, vs in
                                                     self.cluster.api.registry.group_versions().items()
                                                     for v in vs])})
        raise _page_not_found()

    def _only_get(self, request: web.Request) -> None:
        if request.method not in ("GET", "HEAD"):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                    "resource", {})

    async def _core(self, request: web.Request, parts: list[str], accept: str) -> web.StreamResponse:
        registry = self.cluster.api.registry
        if not parts:
            self._only_get(request)
            if wants_aggregated_discovery(accept):
                return json_response(discovery.aggregated_core(registry), content_type=AGGREGATED_V2)
            host = request.host or f"{self.cluster.host}:{self.port}"
            return json_response(discovery.api_versions(host))
        if parts[0] != "v1":
            raise _page_not_found()
        if len(parts) == 1:
            self._only_get(request)
            return json_response(discovery.api_resource_list(registry, "", "v1"))
        return await self.resources.handle(request, "", "v1", parts[1:])

    async def _groups(self, request: web.Request, parts: list[str], accept: str) -> web.StreamResponse:
        registry = self.cluster.api.registry
        if not parts:
            self._only_get(request)
            if wants_aggregated_discovery(accept):
                return json_response(discovery.aggregated_groups(registry), content_type=AGGREGATED_V2)
            return json_response(discovery.api_group_list(registry))
        group = parts[0]
        if len(parts) == 1:
            self._only_get(request)
            doc = discovery.api_group(registry, group)
            if doc is None:
                raise _page_not_found()
            return json_response(doc)
        version = parts[1]
        if len(parts) == 2:
            self._only_get(request)
            doc = discovery.api_resource_list(registry, group, version)
            if doc is None:
                raise _page_not_found()
            return json_response(doc)
        return await self.resources.handle(request, group, version, parts[2:])

    def _openapi(self, request: web.Request, parts: list[str]) -> web.Response:
        self._only_get(request)
        if parts[:2] != ["openapi", "v3"]:
            # No OpenAPI v2 here: clients (kubectl 1.32 included) use v3 when v2 is missing.
            raise _page_not_found()
        if len(parts) == 2:
            return json_response(self.openapi.index())
        doc_path = "/".join(parts[2:])
        doc = self.openapi.document(doc_path)
        if doc is None:
            raise _page_not_found()
        resp = web.Response(body=doc, content_type="application/json")
        if request.query.get("hash"):
            resp.headers["Cache-Control"] = "public, immutable"
            resp.headers["Expires"] = "Fri, 01 Jan 2100 00:00:00 GMT"
        resp.headers["Etag"] = '"' + self.openapi.doc_hash(doc_path) + '"'
        return resp


def _is_resource_path(path: str) -> bool:
    """Resource requests are authorized by the REST handler; the rest (discovery, OpenAPI,
    health, version) are non-resource requests."""
    parts = [p for p in path.split("/") if p]
    return (len(parts) > 2 and parts[0] == "api") or (len(parts) > 3 and parts[0] == "apis")


def _page_not_found() -> web.HTTPNotFound:
    """Paths outside any served group-version get Go's plain-text 404, as on the real server."""
    return web.HTTPNotFound(text="404 page not found\n")


def _dump(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))
