"""A metric gate never passes on missing evidence: Prometheus down, an empty result, NaN, a query
timing out. A healthy answer passes (so the fake Prometheus is understood by the gate at all)."""

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.progressive.delivery.tests.reliability import results

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")


class FakePrometheus(object):
    """Answers /api/v1/query according to ``mode``: healthy | empty | nan | slow."""

    def __init__(self):
        self.mode = "healthy"
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                if fake.mode == "slow":
                    time.sleep(4)
                result = {"healthy": [{"metric": {}, "value": [time.time(), "0.001"]}],
                          "empty": [],
                          "nan": [{"metric": {}, "value": [time.time(), "NaN"]}],
                          "slow": [{"metric": {}, "value": [time.time(), "0.001"]}]}[fake.mode]
                body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout mode)
                    return

            do_GET = do_POST = _answer

            def log_message(self, *args):
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def closed_port_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more: connection refused
    return "http://127.0.0.1:%d" % port


def gate(url, tmp_path):
    args = {"prometheus": {"url": url, "timeout": 1},
            "checks": [{"name": "error-ratio", "provider": "prometheus", "query": "error_ratio",
                        "success_condition": "result < 0.01", "interval": "1s", "count": 2}]}
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"))
    proc = subprocess.run([ANSIBLE, "localhost", "-m", "progressive.delivery.gate_check", "-a", json.dumps(args)],
                          env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
    try:
        return json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, KeyError, IndexError):
        raise AssertionError("no result (rc %s): %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))


@pytest.mark.reliability_fast
def test_missing_evidence_is_never_a_pass(tmp_path):
    prom = FakePrometheus()
    seen = {}
    try:
        with results.scenario("metrics: Prometheus down / empty / NaN / timeout never a pass") as row:
            healthy = gate(prom.url, tmp_path)
            assert healthy.get("verdict") == "pass", "the fake Prometheus is not understood: %s" % healthy
            for mode in ("empty", "nan", "slow"):
                prom.mode = mode
                seen[mode] = gate(prom.url, tmp_path)
            seen["down"] = gate(closed_port_url(), tmp_path)
            verdicts = dict((mode, result.get("verdict")) for mode, result in seen.items())
            row.notes = "verdicts: %s" % ", ".join("%s=%s" % kv for kv in sorted(verdicts.items()))
            passed = [mode for mode, verdict in verdicts.items() if verdict == "pass"]
            assert passed == [], "counted as a pass: %s (%s)" % (passed, seen)
            assert all(verdicts.values()), "a gate without a verdict: %s" % seen
    finally:
        prom.close()
