#!/usr/bin/env python
"""What one Prometheus check costs gate_check itself, waits excluded (target: under 50 ms).

Runs the real module entry point (argument validation, condition parsing, the analysis engine,
the HTTP query, JSON parsing, judging, the JSON result) in-process with many Prometheus checks
and measurements, with the interval sleeps skipped, and divides by the number of measurements.
The Prometheus it queries is, by default, a local stub answering a realistic 5-series vector at
once, so the number is the module's cost and not Prometheus' query evaluation; pass
``--prometheus-url`` to query a real one instead (then its evaluation time is included).
It also reports the one-off cost of a task (a fresh Python process importing and running the
module with one check), which Ansible pays once per task, not per check.

    .venv/bin/python bench/gate_check_cost.py [--checks 10] [--count 10] [--rounds 5] [--json] [--check]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, ".venv", "collections")
sys.path.insert(0, COLLECTIONS)

from ansible.module_utils.testing import patch_module_args  # noqa: E402

from ansible_collections.progressive.delivery.plugins.module_utils.gates import clock as gate_clock  # noqa: E402
from ansible_collections.progressive.delivery.plugins.modules import gate_check  # noqa: E402

TARGET_MS = 50.0
STUB_BODY = json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
    {"metric": {"cluster": "prod-eu-%d" % i, "version": "v2"}, "value": [1764156000.0, "0.0%d" % i]}
    for i in range(5)]}}).encode()


class StubPrometheus(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        # One write, as Prometheus does: headers and body in separate segments would add a
        # delayed-ACK stall to every request and measure TCP, not the module.
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(STUB_BODY)
        self.wfile.write(head.encode() + STUB_BODY)

    def log_message(self, *args):
        return None


class NoWaitClock(gate_clock.SystemClock):
    """Real time for everything, except that interval sleeps return at once (and are counted)."""

    skipped = 0.0

    def sleep(self, seconds):
        NoWaitClock.skipped += max(seconds, 0.0)


def module_args(url, checks, count):
    return {
        "prometheus": {"url": url},
        "checks": [{
            "name": "error-ratio-%d" % n, "provider": "prometheus", "per_series": True,
            "query": 'sum by (cluster) (rate(http_requests_total{version="v2", code=~"5.."}[1m])) '
                     '/ sum by (cluster) (rate(http_requests_total{version="v2"}[1m]))',
            "success_condition": "result <= error_budget", "vars": {"error_budget": 0.05},
            "count": count, "interval": "30s", "failure_limit": 1,
        } for n in range(checks)],
    }


def run_in_process(args):
    out = io.StringIO()
    code = None
    with patch_module_args(args), redirect_stdout(out):
        try:
            gate_check.main()
        except SystemExit as exc:
            code = exc.code
    result = json.loads(out.getvalue())
    if code != 0 or result.get("verdict") != "pass":
        raise RuntimeError("benchmark gate did not pass: %s" % (result.get("msg") or result.get("reason")))
    return result


def per_check_cost(url, checks, count, rounds):
    gate_clock.SystemClock = NoWaitClock  # the engine builds its clock from this name
    from ansible_collections.progressive.delivery.plugins.module_utils.gates import analysis

    analysis.SystemClock = NoWaitClock
    args = module_args(url, checks, count)
    run_in_process(args)  # warm-up: imports, connection set-up
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = run_in_process(args)
        elapsed = time.perf_counter() - started
        measured = len(result["measurements"])
        samples.append(elapsed * 1000.0 / measured)
    return samples, result


def task_startup_cost(url):
    """A fresh interpreter running the module file with one check, as Ansible's module runner does."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": module_args(url, 1, 1)}, handle)
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    samples = []
    try:
        for _ in range(3):
            started = time.perf_counter()
            completed = subprocess.run([sys.executable, os.path.join(REPO, "plugins", "modules", "gate_check.py"),
                                        handle.name], env=env, capture_output=True, text=True, timeout=60)
            samples.append((time.perf_counter() - started) * 1000.0)
            if json.loads(completed.stdout).get("verdict") != "pass":
                raise RuntimeError("module process failed: %s %s" % (completed.stdout, completed.stderr))
    finally:
        os.unlink(handle.name)
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=10, help="Prometheus checks per gate")
    parser.add_argument("--count", type=int, default=10, help="measurements per check")
    parser.add_argument("--rounds", type=int, default=5, help="timed gate runs")
    parser.add_argument("--prometheus-url", help="query this Prometheus instead of the local stub")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--check", action="store_true", help="exit 1 when over the target")
    options = parser.parse_args()

    server = None
    url = options.prometheus_url
    if not url:
        server = ThreadingHTTPServer(("127.0.0.1", 0), StubPrometheus)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        url = "http://127.0.0.1:%d" % server.server_address[1]
    try:
        samples, result = per_check_cost(url, options.checks, options.count, options.rounds)
        startup = task_startup_cost(url)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()

    median = statistics.median(samples)
    measurement_ms = [m["elapsed_ms"] for m in result["measurements"]]
    within = median < TARGET_MS
    if options.json:
        print(json.dumps({
            "per_measurement_ms": {"median": round(median, 3), "min": round(min(samples), 3),
                                   "max": round(max(samples), 3)},
            "query_and_judge_ms_median": round(statistics.median(measurement_ms), 3),
            "task_startup_ms_median": round(statistics.median(startup), 1),
            "checks": options.checks, "count": options.count, "rounds": options.rounds,
            "prometheus": "stub" if server else url, "target_ms": TARGET_MS, "within_target": within,
        }))
    else:
        print("gate_check cost per Prometheus check measurement (waits excluded)")
        print("  prometheus:            %s" % ("local stub (module cost only)" if server else url))
        print("  gate:                  %d checks x %d measurements, %d rounds; %.0f s of interval waits skipped"
              % (options.checks, options.count, options.rounds, NoWaitClock.skipped))
        print("  per measurement:       median %.2f ms, min %.2f ms, max %.2f ms (whole module run / measurements)"
              % (median, min(samples), max(samples)))
        print("  of which query+judge:  median %.2f ms (the measurement's own elapsed_ms)"
              % statistics.median(measurement_ms))
        print("  per task, once:        median %.0f ms (new Python process: imports, arguments, one check)"
              % statistics.median(startup))
        print("  target:                < %.0f ms per check -> %s" % (TARGET_MS, "OK" if within else "OVER TARGET"))
    return 1 if options.check and not within else 0


if __name__ == "__main__":
    sys.exit(main())
