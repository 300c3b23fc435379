"""REST handlers for every resource path: get, list, watch, create, update, patch, delete,
deletecollection and the status / scale / finalize subresources."""
from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import unquote

import yaml
from aiohttp import web

from .. import errors
from ..errors import ApiError
from ..resources import subresource_info
from . import authz, fieldvalidation, subresources
from .negotiation import USER_KEY, json_response, wants_table
from .table import to_table

log = logging.getLogger("fleetsim.apiserver")

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}


def _verb(method: str, target, request: web.Request) -> str | None:
    """The authorization verb of a request, as the real request-info resolver names it."""
    if method in ("GET", "HEAD"):
        if target.name is None:
            return "watch" if _bool(request.query.get("watch")) else "list"
        return "get"
    return {"POST": "create", "PUT": "update", "PATCH": "patch",
            "DELETE": "delete" if target.name is not None else "deletecollection"}.get(method)


async def _self_subject_review(handler, request: web.Request, user) -> web.Response:
    user_info: dict = {"username": user.name if user else "system:anonymous"}
    if user is not None and user.uid:
        user_info["uid"] = user.uid
    if user is not None:
        user_info["groups"] = list(user.groups)
        if user.extra:
            user_info["extra"] = user.extra
    return json_response({"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                          "metadata": {"creationTimestamp": None}, "status": {"userInfo": user_info}}, 201)


async def _self_subject_access_review(handler, request: web.Request, user) -> web.Response:
    body = await read_body(request)
    spec = (body or {}).get("spec") or {}
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if ra is None and nra is None:
        raise ApiError(422, "Invalid", 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: '
                                       'spec.resourceAttributes: Invalid value: "null": exactly one of '
                                       'nonResourceAttributes or resourceAttributes must be specified',
                       {"group": "authorization.k8s.io", "kind": "SelfSubjectAccessReview"})
    if ra is not None:
        attrs = authz.Attributes(user, ra.get("verb", ""), ra.get("namespace", ""), ra.get("group", ""),
                                 ra.get("resource", ""), ra.get("subresource", ""), ra.get("name", ""))
    else:
        attrs = authz.Attributes(user, nra.get("verb", ""), path=nra.get("path", ""), resource_request=False)
    ok = authz.allowed(handler.api.store, attrs)
    return json_response({"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                          "metadata": {"creationTimestamp": None}, "spec": spec,
                          "status": {"allowed": ok}}, 201)


async def _self_subject_rules_review(handler, request: web.Request, user) -> web.Response:
    body = await read_body(request)
    spec = (body or {}).get("spec") or {}
    resource_rules, non_resource_rules = authz.rules_for(handler.api.store, user, spec.get("namespace", ""))
    return json_response({"kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1",
                          "metadata": {"creationTimestamp": None}, "spec": spec,
                          "status": {"resourceRules": resource_rules, "nonResourceRules": non_resource_rules,
                                     "incomplete": False}}, 201)


REVIEWS = {"selfsubjectreviews.authentication.k8s.io": _self_subject_review,
           "selfsubjectaccessreviews.authorization.k8s.io": _self_subject_access_review,
           "selfsubjectrulesreviews.authorization.k8s.io": _self_subject_rules_review}


class Target:
    """What a resource URL names."""

    def __init__(self, rt, namespace: str | None, name: str | None, subresource: str | None):
        self.rt = rt
        self.namespace = namespace
        self.name = name
        self.subresource = subresource


def _not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def parse_target(registry, group: str, version: str, parts: list[str]) -> Target:
    """parts: the path after /api/v1 or /apis/{group}/{version}."""
    parts = [unquote(p) for p in parts if p != ""]
    namespace = None
    if len(parts) >= 3 and parts[0] == "namespaces" and not (len(parts) == 3 and parts[2] in ("status", "finalize")):
        namespace = parts[1]
        parts = parts[2:]
        rt = registry.by_gvr(group, version, parts[0])
        if rt is None or not rt.namespaced:
            raise _not_found()
    else:
        rt = registry.by_gvr(group, version, parts[0]) if parts else None
        if rt is None:
            raise _not_found()
        if rt.namespaced and len(parts) > 1:
            raise _not_found()
    name = parts[1] if len(parts) > 1 else None
    sub = parts[2] if len(parts) > 2 else None
    if len(parts) > 3 and sub != "proxy":
        raise _not_found()
    if sub is not None and sub not in rt.subresources:
        raise _not_found()
    target = Target(rt, namespace, name, sub)
    # pods/{name}/proxy/{path}: the rest of the URL goes to the proxied server.
    target.proxy_path = "/" + "/".join(parts[3:]) if sub == "proxy" else None
    return target


def _bool(value: str | None) -> bool:
    return str(value).lower() in ("1", "true", "yes")


def _dry_run(request: web.Request, body_options: dict | None = None) -> bool:
    values = request.query.getall("dryRun", [])
    if body_options and isinstance(body_options.get("dryRun"), list):
        values += body_options["dryRun"]
    for v in values:
        if v != "All":
            raise ApiError(400, "BadRequest", f'dryRun: Unsupported value: "{v}": supported values: "All"', {})
    return bool(values)


def field_manager(request: web.Request) -> str:
    fm = request.query.get("fieldManager")
    if fm:
        if len(fm) > 128:
            raise errors.bad_request("fieldManager: Too long: may not be more than 128 bytes")
        return fm
    ua = request.headers.get("User-Agent", "")
    # The real server's default manager: the user agent up to the first "/".
    return (ua.split("/", 1)[0] if ua else "unknown")[:128] or "unknown"


def _field_validation(request: web.Request) -> str:
    mode = request.query.get("fieldValidation", "Warn") or "Warn"
    if mode not in ("Ignore", "Warn", "Strict"):
        raise errors.bad_request(f'fieldValidation: Unsupported value: "{mode}": supported values: "Ignore", '
                                 f'"Strict", "Warn"')
    return mode


async def read_body(request: web.Request, allow_yaml: bool = True):
    # No Content-Type means JSON to the real server (the Python client sends none on create).
    ctype = (request.content_type or "").lower() if request.headers.get("Content-Type") else "application/json"
    if ctype == "application/vnd.kubernetes.protobuf":
        from .protobuf import decode
        return decode(await request.read())
    if ctype not in ("application/json", "application/yaml", "text/plain"):
        raise ApiError(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted '
                                                    f'media types include: application/json, application/yaml', {})
    raw = await request.read()
    if not raw:
        raise errors.bad_request("the body of the request was empty")
    try:
        if ctype in ("application/yaml", "application/apply-patch+yaml") and allow_yaml:
            return yaml.safe_load(raw.decode())
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as e:
        raise errors.bad_request(f"the object provided is unrecognized (must be of type JSON): {e}"
                                 if ctype != "application/yaml" else f"error converting YAML to JSON: {e}")


def _warning_headers(warnings: list[str]) -> dict:
    if not warnings:
        return {}
    return {"Warning": ", ".join('299 - "' + w.replace('"', '\\"') + '"' for w in warnings)}


class ResourceHandler:
    def __init__(self, cluster):
        self.cluster = cluster
        self.api = cluster.api

    # -- dispatch -------------------------------------------------------------------------------
    async def handle(self, request: web.Request, group: str, version: str, parts: list[str]) -> web.StreamResponse:
        target = parse_target(self.api.registry, group, version, parts)
        method = request.method
        rt = target.rt
        verb = _verb(method, target, request)
        allowed_verbs = subresource_info(rt, target.subresource)[3] if target.subresource else rt.verbs
        if verb is not None and verb not in allowed_verbs:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                    "resource", {})
        user = request.get(USER_KEY)
        if user is not None and verb is not None:
            attrs = authz.Attributes(user, verb, target.namespace or "", rt.group, rt.plural,
                                     target.subresource or "", target.name or "")
            if not authz.allowed(self.api.store, attrs):
                raise authz.forbidden(attrs)
        if rt.name in REVIEWS and method == "POST":
            return await REVIEWS[rt.name](self, request, user)
        special = subresources.handler_for(rt, target.subresource)
        if special is not None:
            return await special(self, request, target, user)
        if method == "GET":
            if target.name is None:
                if _bool(request.query.get("watch")):
                    return await self.watch(request, target)
                return self.list(request, target)
            return self.get(request, target)
        if method == "POST":
            if target.name is not None or (rt.namespaced and target.namespace is None):
                # Namespaced objects are created under /namespaces/{ns}/, never cluster-wide.
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                        "resource", {})
            return await self.create(request, target)
        if method == "PUT":
            if target.name is None:
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                        "resource", {})
            return await self.update(request, target)
        if method == "PATCH":
            if target.name is None:
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                        "resource", {})
            return await self.patch(request, target)
        if method == "DELETE":
            if target.name is None:
                if "deletecollection" not in rt.verbs:
                    raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                                                            "requested resource", {})
                return await self.delete_collection(request, target)
            return await self.delete(request, target)
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                       {})

    # -- reads ----------------------------------------------------------------------------------
    def _render(self, request: web.Request, target: Target, obj: dict, status: int = 200,
                headers: dict | None = None) -> web.Response:
        if wants_table(request.headers.get("Accept", "")) and obj.get("kind") not in ("Status", "Scale"):
            table = to_table(target.rt, [obj], self.api.clock.now(),
                             {"resourceVersion": obj.get("metadata", {}).get("resourceVersion", "")},
                             request.query.get("includeObject", "Metadata"))
            return json_response(table, status, headers=headers)
        return json_response(obj, status, headers=headers)

    def get(self, request: web.Request, target: Target) -> web.Response:
        if target.subresource == "scale":
            return json_response(self.api.get_scale(target.rt, target.namespace, target.name))
        if target.subresource == "finalize":
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                    "resource", {})
        obj = self.api.get(target.rt, target.namespace, target.name)
        return self._render(request, target, obj)

    def list(self, request: web.Request, target: Target) -> web.Response:
        q = request.query
        limit = q.get("limit")
        try:
            limit_n = int(limit) if limit else None
        except ValueError:
            raise errors.bad_request(f'limit: Invalid value: "{limit}": must be an integer')
        result = self.api.list(target.rt, target.namespace, label_selector=q.get("labelSelector"),
                               field_selector=q.get("fieldSelector"), limit=limit_n,
                               continue_token=q.get("continue"))
        if wants_table(request.headers.get("Accept", "")):
            table = to_table(target.rt, result["items"], self.api.clock.now(), result["metadata"],
                             q.get("includeObject", "Metadata"))
            return json_response(table)
        return json_response(result)

    async def watch(self, request: web.Request, target: Target) -> web.StreamResponse:
        from .watch import stream_watch
        return await stream_watch(self, request, target)

    # -- writes ---------------------------------------------------------------------------------
    def _validation_hook(self, request: web.Request, warnings: list[str]):
        mode = _field_validation(request)

        def hook(rt, obj):
            warnings.extend(fieldvalidation.check(rt, obj, mode))
        return hook

    async def create(self, request: web.Request, target: Target) -> web.Response:
        body = await read_body(request)
        if not isinstance(body, dict):
            raise errors.bad_request("the object provided is not a JSON object")
        warnings: list[str] = []
        out = self.api.create(target.rt, body, target.namespace, dry_run=_dry_run(request),
                              field_manager=field_manager(request),
                              validation_hook=self._validation_hook(request, warnings))
        return self._render(request, target, out, 201, _warning_headers(warnings))

    async def update(self, request: web.Request, target: Target) -> web.Response:
        body = await read_body(request)
        if not isinstance(body, dict):
            raise errors.bad_request("the object provided is not a JSON object")
        warnings: list[str] = []
        existed = self.api.exists(target.rt, target.namespace, target.name)
        if target.subresource == "scale":
            out = self.api.update(target.rt, body, subresource="scale", dry_run=_dry_run(request),
                                  field_manager=field_manager(request), namespace=target.namespace,
                                  name=target.name)
            return json_response(out)
        out = self.api.update(target.rt, body, subresource=target.subresource, dry_run=_dry_run(request),
                              field_manager=field_manager(request), namespace=target.namespace, name=target.name,
                              validation_hook=self._validation_hook(request, warnings)
                              if target.subresource is None else None)
        return self._render(request, target, out, 200 if existed else 201, _warning_headers(warnings))

    async def patch(self, request: web.Request, target: Target) -> web.Response:
        ctype = (request.content_type or "").lower()
        patch_type = PATCH_TYPES.get(ctype)
        if patch_type is None:
            raise ApiError(415, "UnsupportedMediaType",
                           f"the body of the request was in an unknown format - accepted media types include: "
                           f"application/json-patch+json, application/merge-patch+json, "
                           f"application/apply-patch+yaml"
                           + ("" if target.rt.is_crd else ", application/strategic-merge-patch+json"), {})
        raw = await request.read()
        if not raw:
            raise errors.bad_request("the body of the request was empty")
        force = _bool(request.query.get("force"))
        if "force" in request.query and patch_type != "apply":
            raise errors.bad_request("force: Forbidden: may not be specified for non-apply patch")
        warnings: list[str] = []
        existed = self.api.exists(target.rt, target.namespace, target.name)
        out = self.api.patch(target.rt, target.namespace, target.name, raw, patch_type,
                             subresource=target.subresource, dry_run=_dry_run(request),
                             field_manager=request.query.get("fieldManager") if patch_type == "apply"
                             else field_manager(request), force=force,
                             validation_hook=self._validation_hook(request, warnings)
                             if target.subresource is None else None)
        status = 201 if (patch_type == "apply" and not existed) else 200
        if out.get("kind") == "Scale":
            return json_response(out, status)
        return self._render(request, target, out, status, _warning_headers(warnings))

    async def _delete_options(self, request: web.Request) -> dict:
        raw = await request.read()
        opts: dict = {}
        if raw:
            try:
                opts = json.loads(raw) or {}
            except ValueError as e:
                raise errors.bad_request(f"the body of the request was not valid DeleteOptions: {e}")
        q = request.query
        if "propagationPolicy" in q:
            opts["propagationPolicy"] = q["propagationPolicy"]
        if "gracePeriodSeconds" in q:
            try:
                opts["gracePeriodSeconds"] = int(q["gracePeriodSeconds"])
            except ValueError:
                raise errors.bad_request("gracePeriodSeconds: must be an integer")
        if "orphanDependents" in q:
            opts["orphanDependents"] = _bool(q["orphanDependents"])
        return opts

    async def delete(self, request: web.Request, target: Target) -> web.Response:
        if target.subresource:
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested "
                                                    "resource", {})
        opts = await self._delete_options(request)
        out = self.api.delete(target.rt, target.namespace, target.name,
                              propagation_policy=opts.get("propagationPolicy"),
                              preconditions=opts.get("preconditions"), dry_run=_dry_run(request, opts),
                              grace_period_seconds=opts.get("gracePeriodSeconds"),
                              orphan_dependents=opts.get("orphanDependents"))
        status = 200
        if opts.get("orphanDependents") is False and out.get("kind") != "Status" and \
                self.api.exists(target.rt, target.namespace, target.name):
            status = 202
        if out.get("kind") == "Status":
            return json_response(out, status)
        return self._render(request, target, out, status)

    async def delete_collection(self, request: web.Request, target: Target) -> web.Response:
        opts = await self._delete_options(request)
        q = request.query
        out = self.api.delete_collection(target.rt, target.namespace, label_selector=q.get("labelSelector"),
                                         field_selector=q.get("fieldSelector"),
                                         propagation_policy=opts.get("propagationPolicy"),
                                         dry_run=_dry_run(request, opts),
                                         grace_period_seconds=opts.get("gracePeriodSeconds"))
        return json_response(out)


async def cancelled_ok(coro):
    try:
        return await coro
    except asyncio.CancelledError:
        return None
