"""A scripted Kubernetes API server on 127.0.0.1:<ephemeral> for unit tests of the client core.

Each route answers from a list of canned responses (the last one repeats), records every request
and can stream watch events with chunked encoding like kube-apiserver does.
"""

import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Request:
    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body

    def __repr__(self):
        return "Request(%s %s %s)" % (self.method, self.path, self.query)


class Watch:
    """A watch response: events sent as separate chunks, then (after ``hold`` seconds) the stream ends."""

    def __init__(self, events, hold=0.0):
        self.events = list(events)
        self.hold = hold


def status_body(code, reason, message, **details):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "details": details, "code": code}


class FakeApiServer:
    def __init__(self, tls_context=None):
        self.routes = {}
        self.requests = []
        self._lock = threading.Lock()
        handler = self._make_handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        scheme = "http"
        if tls_context is not None:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = "%s://127.0.0.1:%d" % (scheme, self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def add(self, method, path, *responses):
        """Queue responses for METHOD path: (status, body) tuples, Watch objects or callables(Request)."""
        self.routes.setdefault((method, path), []).extend(responses)
        return self

    def calls(self, method=None, path=None):
        return [r for r in self.requests if (method is None or r.method == method) and (path is None or r.path == path)]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _next(self, request):
        with self._lock:
            self.requests.append(request)
            queue = self.routes.get((request.method, request.path))
            if not queue:
                return 404, status_body(404, "NotFound", "the server could not find the requested resource")
            response = queue.pop(0) if len(queue) > 1 else queue[0]
        return response(request) if callable(response) else response

    def _make_handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                return

            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                request = Request(self.command, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                                  dict(self.headers), body)
                response = server._next(request)
                if isinstance(response, Watch):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for event in response.events:
                        data = (json.dumps(event) + "\n").encode()
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                        self.wfile.flush()
                    if response.hold:
                        time.sleep(response.hold)  # a watch that stays open, like a real one
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                    return
                status, payload = response
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        return Handler


def self_signed_tls_context(tmp_path):
    """A server TLS context with a throwaway self-signed certificate for 127.0.0.1 (made with openssl)."""
    import subprocess

    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx, cert
