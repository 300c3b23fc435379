"""The REST endpoints that are not plain storage: pods/log, the create-only subresources
(pods/eviction, pods/binding, bindings, serviceaccounts/token), the connect subresources
(exec, attach, portforward, proxy), componentstatuses and the access/token reviews.

`handler_for(rt, subresource)` picks the handler; `None` means "ordinary storage" (rest.py)."""
from __future__ import annotations

from aiohttp import web

from .. import errors
from ..errors import ApiError
from . import authz
from .negotiation import json_response, wants_table
from .table import to_table

# What the simulator answers where a real kubelet would stream from a container.
NO_CONTAINERS = "fleetsim simulates containers and runs no processes"


async def _create_on_subresource(handler, request: web.Request, target, user) -> web.Response:
    """POST .../pods/{name}/eviction|binding, .../serviceaccounts/{name}/token, .../bindings."""
    from .rest import _dry_run, field_manager, read_body
    if request.method != "POST":
        raise _method_not_allowed()
    body = await read_body(request)
    if not isinstance(body, dict):
        raise errors.bad_request("the object provided is not a JSON object")
    out = handler.api.create(target.rt, body, target.namespace, dry_run=_dry_run(request, body.get("deleteOptions")),
                             field_manager=field_manager(request), subresource=target.subresource,
                             name=target.name)
    code = out.get("code", 201) if out.get("kind") == "Status" else 201
    return json_response(out, code)


async def _pod_log(handler, request: web.Request, target, user) -> web.StreamResponse:
    from .podlog import serve_pod_log
    if request.method not in ("GET", "HEAD"):
        raise _method_not_allowed()
    return await serve_pod_log(handler, request, target)


async def _connect(handler, request: web.Request, target, user) -> web.Response:
    """exec / attach / portforward: the pod must exist (404 otherwise), then a Status saying why no
    stream can be opened; kubectl prints it as 'error: ...' and exits non-zero."""
    obj = handler.api.get(target.rt, target.namespace, target.name)
    if target.rt.name == "pods":
        spec = obj.get("spec") or {}
        if not spec.get("nodeName"):
            raise errors.bad_request(f'pod {target.name} does not have a host assigned')
        container = request.query.get("container") or ""
        names = [c["name"] for c in spec.get("containers") or []]
        if container and container not in names + [c["name"] for c in spec.get("initContainers") or []]:
            raise errors.bad_request(f"container {container} is not valid for pod {target.name}")
    what = {"exec": "exec into", "attach": "attach to", "portforward": "port-forward to"}.get(target.subresource,
                                                                                           "proxy to")
    raise ApiError(400, "BadRequest", f"unable to upgrade connection: cannot {what} "
                                      f"{target.rt.singular} {target.name}: {NO_CONTAINERS}", {})


async def _proxy(handler, request: web.Request, target, user) -> web.Response:
    """pods/proxy and services/proxy answer as the fleet's front does (a pod of the app serving the
    request); nodes/proxy has no kubelet API behind it."""
    name = (target.name or "").split(":")[0]
    obj = handler.api.get(target.rt, target.namespace, name)
    cluster = handler.cluster
    if target.rt.name in ("pods", "services"):
        answer = getattr(cluster, "proxy_answer", None)
        if answer is not None:
            result = await answer(target.rt.name, obj, request.method, target.proxy_path or "/")
            if result is not None:
                status, body, headers = result
                return web.json_response(body, status=status, headers=headers)
        if target.rt.name == "services":
            raise ApiError(503, "ServiceUnavailable", f'no endpoints available for service "{name}"', {})
    raise ApiError(502, "InternalError", f"error trying to reach {target.rt.singular} {name}: {NO_CONTAINERS}",
                   {})


COMPONENTS = ("scheduler", "controller-manager", "etcd-0")


async def _componentstatuses(handler, request: web.Request, target, user) -> web.Response:
    """v1 ComponentStatus (deprecated): the control plane of a simulated cluster is always healthy."""
    if request.method not in ("GET", "HEAD"):
        raise _method_not_allowed()
    warning = {"Warning": '299 - "v1 ComponentStatus is deprecated in v1.19+"'}

    def item(name):
        return {"metadata": {"name": name}, "conditions": [{"type": "Healthy", "status": "True",
                                                            "message": "ok"}]}
    if target.name is None:
        if request.query.get("watch") in ("1", "true"):
            raise _method_not_allowed()
        items = [item(n) for n in COMPONENTS]
    elif target.name not in COMPONENTS:
        raise errors.not_found(target.rt, target.name)
    else:
        items = [item(target.name)]
    if wants_table(request.headers.get("Accept", "")):
        return json_response(to_table(target.rt, items, handler.api.clock.now(), {}), headers=warning)
    if target.name is None:
        return json_response({"kind": "ComponentStatusList", "apiVersion": "v1", "metadata": {}, "items": items},
                             headers=warning)
    return json_response({"kind": "ComponentStatus", "apiVersion": "v1", **items[0]}, headers=warning)


async def _subject_access_review(handler, request: web.Request, target, user) -> web.Response:
    """SubjectAccessReview / LocalSubjectAccessReview: may that user do that? (kubectl auth can-i --as
    uses impersonation instead; controllers and webhooks ask this way.)"""
    from ..cluster import UserInfo
    from .rest import read_body
    if request.method != "POST":
        raise _method_not_allowed()
    body = await read_body(request) or {}
    spec = body.get("spec") or {}
    kind = target.rt.kind
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if not spec.get("user") and not spec.get("groups"):
        raise ApiError(422, "Invalid", f'{kind}.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": '
                                       f'at least one of user or group must be specified',
                       {"group": "authorization.k8s.io", "kind": kind})
    if (ra is None) == (nra is None):
        raise ApiError(422, "Invalid", f'{kind}.authorization.k8s.io "" is invalid: spec.resourceAttributes: '
                                       f'Invalid value: "null": exactly one of nonResourceAttributes or '
                                       f'resourceAttributes must be specified',
                       {"group": "authorization.k8s.io", "kind": kind})
    if target.rt.namespaced and (ra or {}).get("namespace", target.namespace) != target.namespace:
        raise ApiError(422, "Invalid", f'{kind}.authorization.k8s.io "" is invalid: spec.resourceAttributes.'
                                       f'namespace: Invalid value: "{(ra or {}).get("namespace", "")}": must match '
                                       f'metadata.namespace', {"group": "authorization.k8s.io", "kind": kind})
    subject = UserInfo(spec.get("user") or "", list(spec.get("groups") or []), spec.get("uid") or "")
    if ra is not None:
        attrs = authz.Attributes(subject, ra.get("verb", ""), ra.get("namespace", ""), ra.get("group", ""),
                                 ra.get("resource", ""), ra.get("subresource", ""), ra.get("name", ""))
    else:
        attrs = authz.Attributes(subject, nra.get("verb", ""), path=nra.get("path", ""), resource_request=False)
    meta = {"creationTimestamp": None}
    if target.rt.namespaced:
        meta["namespace"] = target.namespace
    return json_response({"kind": kind, "apiVersion": "authorization.k8s.io/v1", "metadata": meta, "spec": spec,
                          "status": {"allowed": authz.allowed(handler.api.store, attrs)}}, 201)


async def _token_review(handler, request: web.Request, target, user) -> web.Response:
    from ..tokens import token_review
    from .rest import read_body
    if request.method != "POST":
        raise _method_not_allowed()
    body = await read_body(request) or {}
    return json_response(token_review(handler.cluster, body), 201)


def _method_not_allowed() -> ApiError:
    return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {})


_BY_SUBRESOURCE = {"log": _pod_log, "eviction": _create_on_subresource, "binding": _create_on_subresource,
                   "token": _create_on_subresource, "exec": _connect, "attach": _connect,
                   "portforward": _connect, "proxy": _proxy}
_BY_RESOURCE = {"bindings": _create_on_subresource, "componentstatuses": _componentstatuses,
                "subjectaccessreviews.authorization.k8s.io": _subject_access_review,
                "localsubjectaccessreviews.authorization.k8s.io": _subject_access_review,
                "tokenreviews.authentication.k8s.io": _token_review}


def handler_for(rt, subresource: str | None):
    if subresource is not None:
        return _BY_SUBRESOURCE.get(subresource)
    return _BY_RESOURCE.get(rt.name)
