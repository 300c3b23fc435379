"""Watch responses: chunked JSON lines of {"type": ..., "object": ...}, ended by timeoutSeconds
or the client; a too-old resourceVersion is reported in-stream as an ERROR event with a 410
Expired Status, exactly as kube-apiserver does."""
from __future__ import annotations

import asyncio
import json
import random

from aiohttp import web

from ..errors import ApiError
from .negotiation import wants_table
from .table import to_table

# Without timeoutSeconds the real server ends a watch after a random 30-60 minutes.
DEFAULT_TIMEOUT = (1800, 3600)
# How often an idle watch checks that its client is still connected.
DISCONNECT_CHECK_S = 2.0


def _line(event: dict) -> bytes:
    return (json.dumps(event, separators=(",", ":")) + "\n").encode()


async def stream_watch(handler, request: web.Request, target) -> web.StreamResponse:
    api = handler.api
    q = request.query
    timeout = q.get("timeoutSeconds")
    try:
        timeout_s = float(timeout) if timeout else float(random.randint(*DEFAULT_TIMEOUT))
    except ValueError:
        raise ApiError(400, "BadRequest", f'timeoutSeconds: Invalid value: "{timeout}": must be an integer', {})
    allow_bookmarks = q.get("allowWatchBookmarks", "").lower() in ("1", "true")
    send_initial = q.get("sendInitialEvents")
    table = wants_table(request.headers.get("Accept", ""))
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json",
                                                   "Cache-Control": "no-cache, private"})
    resp.enable_chunked_encoding()
    try:
        watcher = api.watch(target.rt, target.namespace, resource_version=q.get("resourceVersion"),
                            label_selector=q.get("labelSelector"), field_selector=q.get("fieldSelector"),
                            allow_bookmarks=allow_bookmarks,
                            send_initial_events=send_initial.lower() == "true" if send_initial else None)
    except ApiError as err:
        if err.code != 410:
            raise
        await resp.prepare(request)
        await resp.write(_line({"type": "ERROR", "object": err.status()}))
        await resp.write_eof()
        return resp
    if target.name is not None:
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                       {})
    await resp.prepare(request)
    handler.cluster.server.track_watch(resp, watcher)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    first = True
    pending = None
    try:
        pending = None
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            if pending is None:
                pending = asyncio.ensure_future(watcher.__anext__())
            # Wake up now and then to notice clients that went away while nothing happened.
            done, _ = await asyncio.wait({pending}, timeout=min(remaining, DISCONNECT_CHECK_S))
            if not done:
                transport = request.transport
                if transport is None or transport.is_closing():
                    break
                continue
            try:
                event = pending.result()
            except StopAsyncIteration:
                break
            finally:
                pending = None
            if table and event["type"] != "BOOKMARK" and event["type"] != "ERROR":
                obj = event["object"]
                event = {"type": event["type"], "object": to_table(
                    target.rt, [obj], api.clock.now(),
                    {"resourceVersion": obj.get("metadata", {}).get("resourceVersion", "")},
                    q.get("includeObject", "Metadata"), with_columns=first)}
                first = False
            await resp.write(_line(event))
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        if pending is not None:
            pending.cancel()
        watcher.close()
        handler.cluster.server.untrack_watch(resp)
    try:
        await resp.write_eof()
    except (ConnectionResetError, RuntimeError):
        pass
    return resp
