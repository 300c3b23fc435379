"""gate_check against a real Prometheus (Debian's /usr/bin/prometheus) scraping a tiny exporter.

The exporter is this test's own: a local http.server whose counters grow with time at fixed
per-version rates (v1 and v2 healthy, v3 answering 20% with 500), so the error ratios Prometheus
computes are known exactly. It needs nothing from fleetsim, only the prometheus binary.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.progressive.delivery.plugins.modules import gate_check

pytestmark = pytest.mark.timeout(240)

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
RATE = 100.0  # requests per second per version
ERROR_SHARE = {"v1": 0.0, "v2": 0.0, "v3": 0.2}
WINDOW = "10s"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Exporter:
    """Serves http_requests_total{version, code} growing at RATE per second since start."""

    def __init__(self):
        self.started = time.monotonic()
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body = exporter.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def render(self):
        elapsed = time.monotonic() - self.started
        lines = ["# TYPE http_requests_total counter"]
        for version, share in sorted(ERROR_SHARE.items()):
            total = int(elapsed * RATE)
            errors = int(elapsed * RATE * share)
            lines.append('http_requests_total{version="%s",code="200"} %d' % (version, total - errors))
            if share:
                lines.append('http_requests_total{version="%s",code="500"} %d' % (version, errors))
        return "\n".join(lines) + "\n"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Prometheus:
    """A real Prometheus on 127.0.0.1 scraping one target every second."""

    def __init__(self, workdir, target):
        self.workdir = workdir
        config = workdir / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                          "  - job_name: exporter\n    static_configs:\n      - targets: ['%s']\n" % target)
        with socket.socket() as sock:  # a free port; Prometheus cannot be told to pick one itself
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = open(workdir / "prometheus.log", "wb")
        self.process = subprocess.Popen(
            [PROMETHEUS, "--config.file=%s" % config, "--storage.tsdb.path=%s" % (workdir / "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    def query(self, expr):
        url = "%s/api/v1/query?%s" % (self.url, urllib.parse.urlencode({"query": expr}))
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)["data"]["result"]

    def wait_for(self, expr, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.query(expr):
                    return
            except OSError:
                pass  # not listening yet
            assert self.process.poll() is None, (self.workdir / "prometheus.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "Prometheus has no data for %s" % expr
            time.sleep(0.5)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def exporter():
    served = Exporter()
    yield served
    served.close()


@pytest.fixture(scope="module")
def exporter_prometheus(exporter, tmp_path_factory):
    if not os.path.exists(PROMETHEUS):
        pytest.fail("the Debian package 'prometheus' is not installed (apt-get install prometheus)")
    server = Prometheus(tmp_path_factory.mktemp("prometheus"), exporter.address)
    try:
        # Data first: at least 5 scrapes of every version inside the rate window.
        server.wait_for('min(count_over_time(http_requests_total{version="v3",code="500"}[%s])) >= 5' % WINDOW)
        yield server
    finally:
        server.stop()


def error_ratio(version):
    return ('(sum(rate(http_requests_total{version="%s",code=~"5.."}[%s])) or vector(0)) '
            '/ sum(rate(http_requests_total{version="%s"}[%s]))') % (version, WINDOW, version, WINDOW)


def canary(version, **options):
    check = {"name": "canary-error-ratio", "provider": "prometheus", "query": error_ratio(version),
             "baseline_query": error_ratio("v1"), "success_condition": "result <= baseline * 1.2 + 0.01"}
    check.update(options)
    return check


def run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            gate_check.main()
    result = json.loads(capsys.readouterr().out)
    result["rc"] = exit_info.value.code
    return result


def test_healthy_version_passes(exporter_prometheus, capsys):
    result = run(capsys, {"prometheus": {"url": exporter_prometheus.url}, "checks": [canary("v2", count=2, interval="1s")]})
    assert (result["rc"], result["verdict"]) == (0, "pass"), result["reason"]
    assert [(m["value"], m["baseline"]) for m in result["measurements"]] == [(0, 0), (0, 0)]


def test_version_with_20_percent_errors_fails_within_failure_limit_plus_one_intervals(exporter_prometheus, capsys):
    interval, failure_limit = 2.0, 1
    started = time.monotonic()
    result = run(capsys, {"prometheus": {"url": exporter_prometheus.url},
                          "checks": [canary("v3", count=10, interval="%gs" % interval, failure_limit=failure_limit)]})
    assert time.monotonic() - started < (failure_limit + 1) * interval + 3
    assert (result["rc"], result["verdict"], len(result["measurements"])) == (1, "fail", failure_limit + 1)
    assert result["measurements"][-1]["value"] == pytest.approx(0.2, abs=0.02)
    assert result["reason"].startswith("check 'canary-error-ratio' failed: 2 of 2 measurements failed "
                                       "(failure_limit 1); last failure: value 0.")


def test_malformed_promql_is_a_clear_error(exporter_prometheus, capsys):
    check = {"name": "typo", "provider": "prometheus", "query": "sum(rate(http_requests_total[1m]",
             "success_condition": "result < 1", "initial_delay": "10m"}
    result = run(capsys, {"prometheus": {"url": exporter_prometheus.url}, "checks": [check]})
    assert result["rc"] == 1 and "verdict" not in result
    assert result["msg"].startswith("check 'typo': Prometheus at %s rejected the query (HTTP 400 bad_data: " % exporter_prometheus.url)
    assert "parse error" in result["msg"]


def test_prometheus_stopped_gives_inconclusive(exporter, tmp_path, capsys):
    own = Prometheus(tmp_path, exporter.address)
    try:
        own.wait_for('up == 1')
        check = {"name": "scrape-up", "provider": "prometheus", "query": "sum(up)", "success_condition": "result >= 1",
                 "count": 8, "interval": "1s", "consecutive_error_limit": 2}
        stopper = threading.Timer(0.5, own.stop)  # after the first measurement
        stopper.start()
        result = run(capsys, {"prometheus": {"url": own.url, "timeout": 3}, "checks": [check]})
        stopper.join()
    finally:
        own.stop()
    assert (result["rc"], result["verdict"]) == (0, "inconclusive")
    assert [m["phase"] for m in result["measurements"]] == ["Successful", "Error", "Error", "Error"]
    assert "3 consecutive measurement errors (consecutive_error_limit 2)" in result["reason"]
    assert "refused the connection" in result["reason"]


def test_playbook_rescue_sees_verdict_and_measurements(exporter_prometheus, tmp_path):
    """Through ansible-playbook and module_defaults: the failed gate hands its verdict to a rescue block."""
    playbook = tmp_path / "gate.yml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"progressive.delivery.gate_check": {"prometheus": {"url": exporter_prometheus.url}}},
        "tasks": [{"block": [{"name": "Gate the canary", "progressive.delivery.gate_check": {"checks": [canary("v3")]}}],
                   "rescue": [{"name": "Record the verdict", "ansible.builtin.copy": {
                       "dest": str(tmp_path / "rescued.json"),
                       "content": "{{ {'verdict': ansible_failed_result.verdict, "
                                  "'reason': ansible_failed_result.reason, "
                                  "'phases': ansible_failed_result.measurements | map(attribute='phase') | list} "
                                  "| to_json }}"}}]}],
    }]))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"))
    completed = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                                "-i", "localhost,", "-c", "local",
                                "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)],
                               env=env, capture_output=True, text=True, timeout=180, cwd=REPO, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    rescued = json.loads((tmp_path / "rescued.json").read_text())
    assert rescued["verdict"] == "fail"
    assert rescued["phases"] == ["Failed"]
    assert rescued["reason"].startswith("check 'canary-error-ratio' failed")


def test_long_query_is_posted_and_answered(exporter_prometheus, capsys):
    # ~6 KB of PromQL: sent as a form POST, which the real API answers like a GET.
    terms = " + ".join('0 * sum(http_requests_total{version="v1", code="%d"} or vector(0))' % (200 + n % 300)
                       for n in range(100))
    check = {"name": "long", "provider": "prometheus", "query": "sum(up) + " + terms, "success_condition": "result == 1"}
    result = run(capsys, {"prometheus": {"url": exporter_prometheus.url}, "checks": [check]})
    assert len(check["query"]) > 4000
    assert (result["rc"], result["verdict"]) == (0, "pass"), result.get("reason", result.get("msg"))
