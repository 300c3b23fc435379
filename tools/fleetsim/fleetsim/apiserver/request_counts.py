"""Every request a cluster's API server answered, counted by user, verb, resource and status.

Tests use it to prove what a client did NOT do ("0 write requests for a rejected input", "the
missing permission was found before any change") and to derive the exact RBAC rules a client
needs. The verb and resource come from the method and path the way kube-apiserver's request info
does it (GET on a collection is list, ``?watch=`` is watch, ...). Reviews (SelfSubjectAccessReview,
SelfSubjectReview) are creates that store nothing, so they are not writes.

    counts = cluster.server.requests
    counts.writes()                  # mutating requests (any status) since the server started
    counts.writes(succeeded=True)    # ... that the server carried out (2xx)
    counts.records                   # [RequestRecord(user, verb, group, resource, subresource, ...)]
"""
from __future__ import annotations

import dataclasses
import threading
from urllib.parse import parse_qs

from aiohttp import web

from ..errors import ApiError
from .negotiation import USER_KEY

WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")
# Groups whose "create" only asks a question (nothing is stored).
REVIEW_GROUPS = ("authorization.k8s.io", "authentication.k8s.io")


@dataclasses.dataclass(frozen=True)
class RequestRecord:
    user: str
    verb: str
    group: str
    resource: str
    subresource: str
    namespace: str
    name: str
    status: int
    path: str

    @property
    def is_write(self) -> bool:
        return self.verb in WRITE_VERBS and self.group not in REVIEW_GROUPS

    @property
    def rule(self) -> str:
        """'patch deployments/scale (apps)': what an RBAC rule must allow for this request."""
        resource = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        return f"{self.verb} {resource or self.path} ({self.group or 'core'})"


def request_info(method: str, path: str, query: str = "") -> dict:
    """verb, group, resource, subresource, namespace, name of a request, like the real RequestInfo."""
    parts = [p for p in path.split("/") if p]
    info = {"verb": method.lower(), "group": "", "resource": "", "subresource": "", "namespace": "", "name": ""}
    if parts[:1] == ["api"] and len(parts) >= 2:
        rest = parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        info["group"], rest = parts[1], parts[3:]
    else:
        return info  # non-resource path: verb is the lower-case method
    if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) != 2:
        info["namespace"], rest = rest[1], rest[2:]
    elif len(rest) == 2 and rest[0] == "namespaces":
        info["namespace"] = rest[1]
    if rest:
        info["resource"] = rest[0]
        info["name"] = rest[1] if len(rest) > 1 else ""
        info["subresource"] = rest[2] if len(rest) > 2 else ""
    collection = not info["name"]
    method = method.upper()
    if method == "GET":
        watch = parse_qs(query).get("watch", [""])[0].lower() in ("1", "true")
        info["verb"] = "watch" if watch else ("list" if collection else "get")
    elif method == "POST":
        info["verb"] = "create"
    elif method == "PUT":
        info["verb"] = "update"
    elif method == "PATCH":
        info["verb"] = "patch"
    elif method == "DELETE":
        info["verb"] = "deletecollection" if collection else "delete"
    return info


class RequestCounts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[RequestRecord] = []

    def record(self, user: str, method: str, path: str, query: str, status: int) -> None:
        info = request_info(method, path, query)
        with self._lock:
            self.records.append(RequestRecord(user, status=status, path=path, **info))

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self.records)

    def writes(self, succeeded: bool = False, user: str | None = None) -> list[RequestRecord]:
        return [r for r in self.snapshot() if r.is_write and (not succeeded or 200 <= r.status < 300)
                and (user is None or r.user == user)]

    def by_verb(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.snapshot():
            counts[r.verb] = counts.get(r.verb, 0) + 1
        return counts

    def clear(self) -> None:
        with self._lock:
            self.records.clear()

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        """Outermost middleware: sees the final status of every request, faults and errors included."""
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        except ApiError as err:
            status = err.code
            raise
        finally:
            user = request.get(USER_KEY)
            self.record(getattr(user, "name", "") or "", request.method, request.path, request.query_string, status)
