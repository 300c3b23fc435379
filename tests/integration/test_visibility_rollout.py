"""Rollout visibility on a real rollout against fleetsim and Prometheus.

Two runs of tests/integration/visibility/release.yml with the three callbacks enabled: a healthy
version 2 released in both dev clusters of a 2 x 2 fleet, then a bad version 3 (half its answers are
500) caught by the error-ratio gate at its first step in one cluster and rolled back. The record of
each run is validated against docs/schemas/rollout-record.schema.json; the board is rendered from it,
opened in headless Chromium, screenshotted, and its text checked for the states, the measurements
and the rollback reason. The progress lines and the webhook messages are checked on the way.
"""

from __future__ import annotations

import html as html_module
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading

import jsonschema
import pytest
import yaml

from ansible_collections.progressive.delivery.tests.support.release_fleet import app_deployment, app_service
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.release.app_watch import wait_rolled_out

pytestmark = pytest.mark.timeout(420)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, "tests", "integration", "visibility", "release.yml")
SCHEMA = os.path.join(REPO, "docs", "schemas", "rollout-record.schema.json")
BIN = os.path.dirname(sys.executable)
SPEC = {"environment_sets": {"shop": {"environments": ["dev", "prod"], "regions": ["us-east1", "europe-west1"]}}}
DEV = ["shop-dev-us-east1", "shop-dev-europe-west1"]
N = 2
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Webhook(http.server.BaseHTTPRequestHandler):
    messages = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Webhook.messages.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        return None  # keep pytest output clean


@pytest.fixture(scope="module")
def webhook():
    server = http.server.HTTPServer(("127.0.0.1", 0), Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/hook/SECRET-TOKEN" % server.server_port
    server.shutdown()


@pytest.fixture(scope="module")
def shop(fleetsim_session_fleet, prometheus, tmp_path_factory):
    """The fleet with web 1 (2 pods) in both dev clusters, scraped by Prometheus, and an inventory of it."""
    fleet = fleetsim_session_fleet(SPEC, clock_speed=10, requests_per_second=100, pod_ready_delay="1s",
                                   pod_ready_jitter="0s", seed=9)
    for cluster in DEV:
        client = get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[cluster].context})
        stable = app_deployment("web", "1", N, annotations={"fleetsim.io/latency-ms": "20"})
        client.create(stable)
        client.create(app_service("web"))
        wait_rolled_out(client, timeout=60, sleep=0.5, deployment=client.get("apps/v1", "Deployment", "default", "web"))
    prom = prometheus(fleet)
    workdir = tmp_path_factory.mktemp("visibility")
    hosts = {}
    for name, info in fleet.clusters.items():
        if info.role != "member":
            continue
        hosts[name] = {"fleet_cluster": name, "fleet_set": info.set, "fleet_environment": info.environment,
                       "fleet_region": info.region, "fleet_role": "member", "ansible_connection": "local",
                       "ansible_python_interpreter": sys.executable}
    inventory = workdir / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    return {"fleet": fleet, "prom": prom, "workdir": workdir, "inventory": inventory}


def ansible_env():
    return dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"))


def run_release(shop, webhook, name, clusters, version, overrides=None):
    workdir = shop["workdir"]
    record = workdir / ("%s.json" % name)
    extra = {"pd_clusters": ",".join(clusters), "pd_kubeconfig": str(shop["fleet"].kubeconfig), "pd_version": version,
             "pd_stable_version": "1" if version == "2" else "2", "pd_replicas": N,
             "pd_prometheus_url": shop["prom"].url, "pd_prometheus_selector": shop["prom"].selector,
             "pd_canary_overrides": overrides or {}}
    env = ansible_env()
    env.update({
        "ANSIBLE_CALLBACKS_ENABLED": "progressive.delivery.progress,progressive.delivery.rollout_record,"
                                     "progressive.delivery.rollout_notify",
        "PD_ROLLOUT_RECORD": str(record),
        "PD_ROLLOUT_BOARD": "true",
        "PD_ROLLOUT_WEBHOOK_URL": webhook,
    })
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", str(shop["inventory"]), PLAYBOOK,
                           "-e", json.dumps(extra)], env=env, cwd=str(workdir), capture_output=True, text=True,
                          timeout=300, check=False)
    assert record.exists(), "no record written (rc %s):\n%s\n%s" % (proc.returncode, proc.stdout[-4000:], proc.stderr[-2000:])
    return proc, json.loads(record.read_text()), record


def chromium_view(html, tmp_path):
    """Screenshot (PNG path) and the rendered page's text, from headless Chromium with no network."""
    assert CHROMIUM, "chromium is missing: run scripts/setup-system.sh (apt-get install chromium)"
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=%s" % (tmp_path / "chromium-profile"), "--window-size=1280,2200"]
    screenshot = html.with_suffix(".png")
    subprocess.run(flags + ["--screenshot=%s" % screenshot, html.as_uri()], capture_output=True, timeout=120, check=True)
    dom = subprocess.run(flags + ["--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    assert screenshot.exists() and screenshot.stat().st_size > 10000, "no screenshot"
    return screenshot, html_module.unescape(dom.stdout)


def keep_screenshot(screenshot, name):
    """PD_BOARD_SCREENSHOTS=DIR keeps the screenshots for a person to look at."""
    directory = os.environ.get("PD_BOARD_SCREENSHOTS")
    if directory:
        os.makedirs(directory, exist_ok=True)
        shutil.copy(screenshot, os.path.join(directory, "board-%s.png" % name))


def validate(record):
    with open(SCHEMA, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(record)


def test_healthy_then_bad_release_record_board_progress_and_notifications(shop, webhook, tmp_path):
    Webhook.messages.clear()
    proc, record, path = run_release(shop, webhook, "healthy", DEV, "2")
    assert proc.returncode == 0, proc.stdout[-4000:]
    validate(record)
    run = record["run"]
    assert run["outcome"] == "succeeded" and run["playbook"] == "release.yml" and run["duration"] > 0
    assert {c: record["clusters"][c]["state"] for c in DEV} == {c: "promoted" for c in DEV}
    assert sorted(f["cluster"] for f in record["fleet"]) == sorted(
        "shop-%s-%s" % (e, r) for e in ("dev", "prod") for r in ("us-east1", "europe-west1"))
    for cluster in DEV:
        steps = [s for s in record["steps"] if s["cluster"] == cluster]
        assert [s["kind"] for s in steps] == ["canary", "step", "gate", "step", "gate", "finish"]
        splits = [s["split_after"] for s in steps if s["kind"] == "step"]
        assert splits == [{"stable": 1, "canary": 1}, {"stable": 0, "canary": 2}]
        gates = [s for s in steps if s["kind"] == "gate"]
        assert all(g["verdict"] == "pass" for g in gates)
        errors = [m for g in gates for m in g["measurements"] if m["metric"] == "error_rate"]
        assert errors and all(m["threshold"] is not None and m["value"] <= m["threshold"] for m in errors)
        assert any(m["metric"] == "latency" and m["value"] for g in gates for m in g["measurements"])
    decisions = [d["decision"] for d in record["decisions"]]
    assert decisions.count("promote") == 2 and decisions.count("proceed") == 4
    lines = [line for line in proc.stdout.splitlines() if line.startswith("PROGRESS ")]
    assert any("shop-dev-us-east1 web 2 step 1 | split 1/1 (50%) | changed |" in line for line in lines), lines
    assert any("shop-dev-europe-west1 web 2 gate 2 | split 0/2 (100%) | pass - error rate" in line for line in lines), lines
    assert any("finish | split 0/2 (100%) | promoted" in line for line in lines), lines
    assert "SECRET-TOKEN" not in proc.stdout + proc.stderr
    kinds = [m["text"].split(":")[0] for m in Webhook.messages]
    assert kinds == ["Rollout started", "Rollout finished (succeeded)"], kinds

    # progressive.delivery.board (the playbook, which runs the renderer as a script) renders the same page
    # as the callback's board option.
    rendered = tmp_path / "healthy-board.html"
    board = subprocess.run([os.path.join(BIN, "ansible-playbook"), "progressive.delivery.board", "-e",
                            json.dumps({"board_record": str(path), "board_output": str(rendered)})],
                           env=ansible_env(), capture_output=True, text=True, timeout=120, check=False)
    assert board.returncode == 0, board.stdout + board.stderr
    assert rendered.read_text() == path.with_suffix(".html").read_text()
    screenshot, text = chromium_view(path.with_suffix(".html"), tmp_path)
    keep_screenshot(screenshot, "healthy")
    latency = [m for s in record["steps"] for m in s["measurements"] if m["metric"] == "latency"][-1]
    for expected in ("succeeded", "promoted", "untouched", "environment set shop", "shop-prod-us-east1",
                     "error rate in shop-dev-europe-west1", "latency in shop-dev-us-east1", "threshold",
                     "version 2", "version 1", "%.0f ms" % (latency["value"] * 1000), "Successful"):
        assert expected in text, expected
    assert "Rolled back" not in text

    Webhook.messages.clear()
    bad = {"metadata": {"annotations": {"fleetsim.io/error-rate": "0.5", "fleetsim.io/latency-ms": "20"}}}
    proc, record, path = run_release(shop, webhook, "bad", DEV[:1], "3", overrides=bad)
    assert proc.returncode != 0, "the bad version was not stopped:\n" + proc.stdout[-4000:]
    validate(record)
    cluster = record["clusters"][DEV[0]]
    assert record["run"]["outcome"] == "rolled_back"
    assert cluster["state"] == "rolled_back" and cluster["split"] == {"stable": N, "canary": 0}
    assert "3" in cluster["rejected_versions"]
    gate = [s for s in record["steps"] if s["kind"] == "gate"][-1]
    assert gate["verdict"] == "fail" and gate["step"] == 1
    failed = [m for m in gate["measurements"] if m["phase"] == "Failed"]
    assert failed and failed[-1]["metric"] == "error_rate" and failed[-1]["value"] > 0.3 > failed[-1]["threshold"]
    rollback = record["rollbacks"][0]
    assert rollback["cluster"] == DEV[0] and rollback["rejected"] is True
    reason = rollback["reason"]
    assert reason.startswith("Version 3 of web was rolled back in shop-dev-us-east1 (version 2 serves again) "
                             "because the gate in shop-dev-us-east1 at step 1 (1 of 2 pods on 3) failed: "
                             "version 3 had error rate "), reason
    assert [d["decision"] for d in record["decisions"]] == ["stop", "rollback"]
    assert any("ROLLBACK | split 2/0 (0%) | rolled back to 2" in line for line in proc.stdout.splitlines())
    assert [m["text"].split(":")[0] for m in Webhook.messages] == ["Rollout started", "Rollback", "Rollout finished (rolled back)"]
    assert reason in Webhook.messages[1]["attachments"][0]["text"]

    # The board the callback rendered next to the record, in a real browser.
    html = path.with_suffix(".html")
    screenshot, text = chromium_view(html, tmp_path)
    keep_screenshot(screenshot, "bad")
    for expected in ("rolled back", "untouched", "environment set shop", "shop-prod-europe-west1",
                     "Rolled back in shop-dev-us-east1:", reason, "error rate in shop-dev-us-east1",
                     "threshold", "Failed", "3 rolled back", "runs 2 (%d pods)" % N):
        assert expected in text, expected
    assert "%.2f%%" % (failed[-1]["value"] * 100) in text
    source = html.read_text()
    for external in ("<script", "<link", "src=", "href=", "url(", "@import"):
        assert external not in source, "the board must be self-contained, found %s" % external
