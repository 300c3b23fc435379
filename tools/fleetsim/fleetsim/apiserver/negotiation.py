"""Content negotiation: JSON always (never protobuf), Table and aggregated-discovery variants
chosen from the Accept header the way kube-apiserver does."""
from __future__ import annotations

import contextvars
import json

from aiohttp import web

from ..errors import ApiError

JSON = "application/json"
# Whether the current request wants indented JSON: ?pretty=true, or curl/wget/a browser as the
# real server guesses from the User-Agent (the recorded samples were taken with curl).
PRETTY: contextvars.ContextVar[bool] = contextvars.ContextVar("pretty", default=False)
# The authenticated user of a request (a cluster.UserInfo), set by the authn middleware.
USER_KEY = web.RequestKey("user", object)
AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def _media_types(accept: str) -> list[tuple[str, dict]]:
    out = []
    for part in (accept or "").split(","):
        part = part.strip()
        if not part:
            continue
        bits = [b.strip() for b in part.split(";")]
        params = {}
        for b in bits[1:]:
            if "=" in b:
                k, v = b.split("=", 1)
                params[k.strip()] = v.strip()
        out.append((bits[0].lower(), params))
    return out


def wants_table(accept: str) -> bool:
    for mt, params in _media_types(accept):
        if mt == JSON and params.get("as") == "Table" and params.get("g") == "meta.k8s.io" and \
                params.get("v") in ("v1", "v1beta1"):
            return True
        if mt in (JSON, "*/*", "application/*"):
            return False
    return False


def wants_aggregated_discovery(accept: str) -> bool:
    for mt, params in _media_types(accept):
        if mt == JSON and params.get("as") == "APIGroupDiscoveryList" and params.get("g") == "apidiscovery.k8s.io" \
                and params.get("v") == "v2":
            return True
        if mt == JSON and not params:
            return False
    return False


def check_acceptable(accept: str) -> None:
    """406 when the client accepts nothing JSON can satisfy (protobuf-only requests)."""
    types = _media_types(accept)
    if not types:
        return
    for mt, _ in types:
        if mt in (JSON, "*/*", "application/*", "application/yaml", "application/json;stream=watch"):
            return
    raise ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json, "
                                         "application/yaml", {})


def wants_pretty(request: web.Request) -> bool:
    flag = request.query.get("pretty")
    if flag is not None:
        return flag.lower() in ("1", "true")
    agent = request.headers.get("User-Agent", "").lower()
    return agent.startswith(("curl/", "wget/", "mozilla/"))


def json_response(body, status: int = 200, content_type: str = JSON, headers: dict | None = None) -> web.Response:
    text = json.dumps(body, indent=2) if PRETTY.get() else json.dumps(body, separators=(",", ":"))
    resp = web.Response(body=(text + "\n").encode(), status=status, headers=headers)
    resp.content_type = content_type.split(";")[0]
    if ";" in content_type:
        # aiohttp keeps parameters separate; write the full value the real server sends.
        resp.headers["Content-Type"] = content_type
    return resp


def status_response(err: ApiError, headers: dict | None = None) -> web.Response:
    return json_response(err.status(), status=err.code, headers=headers)
