"""Fixtures for the gate tests: a clock that never sleeps and a scripted local HTTP server."""

from __future__ import annotations

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


class FakeClock:
    """Scheduling time that advances only when the engine sleeps (or a measurement takes time)."""

    def __init__(self):
        self.now_s = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now_s

    def sleep(self, seconds):
        if seconds > 0:
            self.sleeps.append(seconds)
            self.now_s += seconds

    def now(self):
        return datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=self.now_s)


@pytest.fixture
def clock():
    return FakeClock()


class ScriptedServer:
    """127.0.0.1 on an ephemeral port; ``route(path, fn)`` where fn(request) -> (status, headers, body)."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = {
                    "method": self.command,
                    "path": parts.path,
                    "target": self.path,  # the absolute URL when the server is asked as a proxy
                    "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length) if length else b"",
                }
                server.requests.append(request)
                handler = server.routes.get(parts.path)
                if handler is None:
                    status, headers, body = 404, {}, b"not found"
                else:
                    status, headers, body = handler(request)
                if not isinstance(body, bytes):
                    body = json.dumps(body).encode()
                    headers = dict(headers, **{"Content-Type": "application/json"})
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args):  # keep pytest output clean
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, path, fn):
        self.routes[path] = fn

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    scripted = ScriptedServer()
    yield scripted
    scripted.close()


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (bound then closed)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "http://127.0.0.1:%d" % port
