"""GET pods/{name}/log: the container log as the kubelet serves it through the API server.

Options (PodLogOptions): container, previous, follow, tailLines, sinceSeconds / sinceTime,
timestamps, limitBytes; validated with the real messages. Which container instance is read
follows the kubelet's validateContainerLogStatus (pkg/kubelet/kubelet_pods.go): the running
container, else the last terminated one; `previous` the one before; a container that never
started answers 400 "... is waiting to start: <reason>".
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

from .. import errors
from ..clock import parse_time
from ..errors import ApiError
from ..logs import format_timestamp

# A follow stream checks this often (real seconds) whether the pod is still there.
FOLLOW_POLL_S = 1.0


def _invalid(pod: str, field: str, value, detail: str) -> ApiError:
    message = f"Invalid value: {value}: {detail}" if value is not None else detail
    return ApiError(422, "Invalid", f'PodLogOptions "{pod}" is invalid: {field}: {message}',
                    {"name": pod, "kind": "PodLogOptions",
                     "causes": [{"reason": "FieldValueInvalid", "message": message, "field": field}]})


def _int(request: web.Request, key: str) -> int | None:
    raw = request.query.get(key)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise errors.bad_request(f'{key}: Invalid value: "{raw}": must be an integer')


def _bool(request: web.Request, key: str) -> bool:
    return str(request.query.get(key, "")).lower() in ("1", "true", "yes")


def _container_id(pod: dict, container: str, previous: bool) -> str:
    """The container ID whose log to read, or ApiError(400) with the kubelet's message."""
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    statuses = (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
    cs = next((s for s in statuses if s.get("name") == container), None)
    if cs is None:
        raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: '
                                 f'ContainerCreating')
    state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated")
    if previous:
        if not last or not last.get("containerID"):
            raise errors.bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
        return last["containerID"]
    if "running" in state:
        return cs.get("containerID") or ""
    if "terminated" in state:
        cid = state["terminated"].get("containerID") or (last or {}).get("containerID")
        if not cid:
            raise errors.bad_request(f'container "{container}" in pod "{name}" is terminated')
        return cid
    if last:
        if not last.get("containerID"):
            raise errors.bad_request(f'container "{container}" in pod "{name}" is terminated')
        return last["containerID"]
    waiting = state.get("waiting")
    if waiting is not None:
        reason = waiting.get("reason") or ""
        if reason == "ErrImagePull":
            raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: '
                                     f"image can't be pulled")
        if reason == "ImagePullBackOff":
            raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: '
                                     f'trying and failing to pull image')
        raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
    raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start - no logs yet')


async def serve_pod_log(handler, request: web.Request, target) -> web.StreamResponse:
    api = handler.api
    pod = api.get("pods", target.namespace, target.name)
    name = target.name
    spec = pod.get("spec") or {}
    containers = [c["name"] for c in spec.get("containers") or []]
    init = [c["name"] for c in spec.get("initContainers") or []]
    ephemeral = [c["name"] for c in spec.get("ephemeralContainers") or []]
    container = request.query.get("container") or ""
    if not container:
        if len(containers) == 1:
            container = containers[0]
        else:
            message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
            if init:
                message += f" or one of the init containers: [{' '.join(init)}]"
            raise errors.bad_request(message)
    elif container not in containers + init + ephemeral:
        raise errors.bad_request(f"container {container} is not valid for pod {name}")
    tail = _int(request, "tailLines")
    since_s = _int(request, "sinceSeconds")
    limit = _int(request, "limitBytes")
    since_time_raw = request.query.get("sinceTime")
    if tail is not None and tail < 0:
        raise _invalid(name, "tailLines", tail, "must be greater than or equal to 0")
    if limit is not None and limit < 1:
        raise _invalid(name, "limitBytes", limit, "must be greater than 0")
    if since_s is not None and since_time_raw:
        raise _invalid(name, "sinceSeconds", None, "at most one of `sinceTime` or `sinceSeconds` may be specified")
    if since_s is not None and since_s < 1:
        raise _invalid(name, "sinceSeconds", since_s, "must be greater than 0")
    since = None
    if since_s is not None:
        since = api.clock.now() - timedelta(seconds=since_s)
    elif since_time_raw:
        since = parse_time(since_time_raw)
        if since is None:
            raise errors.bad_request(f'sinceTime: Invalid value: "{since_time_raw}": parsing time')
    follow, previous, timestamps = _bool(request, "follow"), _bool(request, "previous"), _bool(request, "timestamps")
    if not spec.get("nodeName"):
        # No host yet: the real server answers an empty log.
        return web.Response(body=b"", content_type="text/plain")
    log = handler.cluster.logs.get(_container_id(pod, container, previous))

    def render(lines) -> list[bytes]:
        out = []
        for ts, text in lines:
            if since is not None and ts < since:
                continue
            out.append(((format_timestamp(ts) + " ") if timestamps else "").encode() + text.encode() + b"\n")
        return out

    lines, index = log.lines_from(0) if log is not None else ([], 0)
    chunks = render(lines)
    if tail is not None:
        chunks = chunks[-tail:] if tail else []
    if not follow or log is None or log.ended or previous:
        body = b"".join(chunks)
        if limit is not None:
            body = body[:limit]
        return web.Response(body=body, content_type="text/plain")
    # follow: what is there, then every new line until the container stops or the client leaves.
    resp = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    sent = 0

    async def send(parts: list[bytes]) -> bool:
        nonlocal sent
        for part in parts:
            if limit is not None:
                part = part[:max(0, limit - sent)]
            if part:
                await resp.write(part)
                sent += len(part)
            if limit is not None and sent >= limit:
                return False
        return True

    try:
        if await send(chunks):
            while True:
                await log.wait(FOLLOW_POLL_S)
                lines, index = log.lines_from(index)
                if not await send(render(lines)):
                    break
                if log.ended or not api.exists("pods", target.namespace, target.name):
                    break
        await resp.write_eof()
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return resp
