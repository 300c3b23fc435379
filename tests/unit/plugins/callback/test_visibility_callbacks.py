"""The three visibility callbacks through Ansible's plugin loader, fed the hooks Ansible calls."""

import json
import threading
import http.server

from ansible_collections.progressive.delivery.tests.unit.plugins.callback.rollout_samples import (
    BAD_RELEASE,
    GOOD_RELEASE,
)


def load(callback_loader, name, display, **options):
    callback = callback_loader.get("progressive.delivery." + name)
    assert callback is not None, name
    callback._display = display
    callback.set_options(direct=options)
    return callback


def test_progress_prints_one_line_per_step_with_split_verdict_and_duration(callback_loader, display, drive):
    drive(load(callback_loader, "progress", display), BAD_RELEASE)
    lines = [line.split(" ", 2)[2] for line in display.lines]  # drop "PROGRESS HH:MM:SS"
    assert lines == [
        "shop-dev-us-east1 web 3 canary | split 2/1 (33%) | changed | 0.0s",
        "shop-dev-us-east1 web 3 step 1 | split 1/1 (50%) | changed | 2.5s",
        "shop-dev-us-east1 web 3 gate 1 | split 1/1 (50%) | fail - error rate 48.00% (allowed: at most 1.00%; "
        "stable 2 0.00%) | 6.0s",
        "shop-dev-us-east1 web 3 ROLLBACK | split 2/0 (0%) | rolled back to 2 | 2.0s",
        "rollout finished | web 3: rolled back (1 rolled back)",
    ], display.lines


def test_progress_gate_line_shows_the_last_value_of_each_check(callback_loader, display, drive):
    drive(load(callback_loader, "progress", display), GOOD_RELEASE[:3])
    assert display.lines[2].endswith("gate 1 | split 1/1 (50%) | pass - error rate 0.10% <= 1.24% | 3.0s"), display.lines


def test_progress_and_record_see_the_roles_freeze(callback_loader, display, drive, tmp_path):
    freeze = ("release_freeze", {"namespace": "default", "app": "web", "version": "3", "reason": "gate failed"},
              {"changed": True, "frozen": {"reason": "gate failed", "at": "2026-11-26T11:31:00Z", "by": "ops@ctl",
                                           "canary": 1, "stable": 1}}, False)
    drive(load(callback_loader, "progress", display), BAD_RELEASE[:3] + [freeze])
    assert display.lines[3].endswith("gate 1 | split 1/1 (50%) | FROZEN at the current split | 6.0s"), display.lines
    assert display.lines[4].endswith("rollout finished | web 3: frozen (1 frozen)"), display.lines


def test_check_mode_calls_are_not_steps(callback_loader, display, drive, tmp_path):
    from ansible_collections.progressive.delivery.tests.unit.plugins.callback.conftest import FakeHost, FakeResult, FakeTask

    module, args, result, failed = BAD_RELEASE[0]
    planned = ("canary", args, dict(result, plan=["create Deployment web-3"], canary=None), False)
    callback = load(callback_loader, "progress", display)
    drive(callback, [planned] + BAD_RELEASE[:1])
    assert [s["kind"] for s in callback.recorder.record["steps"]] == ["canary"]
    task = FakeTask("progressive.delivery.canary", args)
    task.check_mode = True
    callback.v2_runner_on_ok(FakeResult(FakeHost("x"), task, result))
    assert len(callback.recorder.record["steps"]) == 1


def test_rollout_record_writes_the_record_and_the_board(callback_loader, display, drive, tmp_path):
    path = tmp_path / "records" / "run.json"
    drive(load(callback_loader, "rollout_record", display, path=str(path), board=True), BAD_RELEASE)
    record = json.loads(path.read_text())
    assert record["run"]["playbook"] == "release.yml" and record["run"]["outcome"] == "rolled_back"
    assert record["fleet"] == [{"cluster": "shop-dev-us-east1", "set": "shop", "environment": "dev", "region": "us-east1"}]
    html = path.with_suffix(".html").read_text()
    assert "Rolled back in shop-dev-us-east1:" in html
    board = path.with_suffix(".html")
    # Live: written (and announced) at the first step, reloading itself until the end, then final.
    assert display.lines == ["rollout board (live, reloads every 5s while the run goes on): %s" % board,
                             "rollout record: %s" % path,
                             "rollout board: %s (open it: xdg-open %s)" % (board, board)], display.lines
    assert 'http-equiv="refresh"' not in html and "{{" not in html


def test_the_board_is_live_while_the_run_goes_on(callback_loader, display, drive, tmp_path):
    path = tmp_path / "run.json"
    callback = load(callback_loader, "rollout_record", display, path=str(path), board_refresh=3)
    drive(callback, BAD_RELEASE[:2], finish=False)
    html = path.with_suffix(".html").read_text()
    assert '<meta http-equiv="refresh" content="3">' in html and "in progress: step 1" in html
    assert 'data-versions="2,3"' in html  # the stable and the canary both run


def test_rollout_record_default_path_and_no_record_without_release_steps(
        callback_loader, display, drive, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status_only = [("release_info", {"app": "web"}, {"stable": {"version": "2", "replicas": 2}, "canary": None}, False)]
    drive(load(callback_loader, "rollout_record", display), status_only)
    assert not (tmp_path / "rollout-records").exists() and display.lines == []
    drive(load(callback_loader, "rollout_record", display, directory=str(tmp_path / "out")), GOOD_RELEASE)
    written = sorted((tmp_path / "out").iterdir())
    assert [w.suffix for w in written] == [".html", ".json"] and "-release-" in written[1].name
    drive(load(callback_loader, "rollout_record", display, directory=str(tmp_path / "quiet"), board=False), GOOD_RELEASE)
    assert [w.suffix for w in (tmp_path / "quiet").iterdir()] == [".json"]


def test_rollout_record_warns_when_it_cannot_write(callback_loader, display, drive, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    drive(load(callback_loader, "rollout_record", display, path=str(blocker / "run.json")), GOOD_RELEASE[:1])
    assert display.warnings and "cannot write" in display.warnings[0]


class Hook(http.server.BaseHTTPRequestHandler):
    received = []
    status = 200

    def do_POST(self):  # noqa: N802
        Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(Hook.status)
        self.end_headers()

    def log_message(self, *args):
        return None


def serve():
    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d/services/T000/B000/secret-part" % server.server_port


def test_notify_posts_start_rollback_finish_as_slack_messages(callback_loader, display, drive):
    server, url = serve()
    Hook.received, Hook.status = [], 200
    try:
        drive(load(callback_loader, "rollout_notify", display, webhook_url=url), BAD_RELEASE)
    finally:
        server.shutdown()
    assert [m["text"].splitlines()[0] for m in Hook.received] == [
        "Rollout started: web 3 in shop-dev-us-east1 (stable 2)",
        "Rollback: web 3 in shop-dev-us-east1",
        "Rollout finished (rolled back): web 3: rolled back (1 rolled back)"]
    rollback = Hook.received[1]["attachments"][0]
    assert rollback["color"] == "#e6550d" and rollback["text"].startswith("Version 3 of web was rolled back")
    assert {f["title"]: f["value"] for f in rollback["fields"]}["serving again"] == "2"
    assert display.warnings == []


def test_notify_failures_warn_without_the_secret_url(callback_loader, display, drive):
    server, url = serve()
    Hook.received, Hook.status = [], 500
    try:
        drive(load(callback_loader, "rollout_notify", display, webhook_url=url), GOOD_RELEASE)
    finally:
        server.shutdown()
    assert len(Hook.received) == 2 and len(display.warnings) == 2
    assert all("secret-part" not in w and "did not accept" in w for w in display.warnings), display.warnings


def test_notify_without_url_says_so_once_per_message(callback_loader, display, drive):
    drive(load(callback_loader, "rollout_notify", display), GOOD_RELEASE)
    assert display.warnings and all("PD_ROLLOUT_WEBHOOK_URL" in w for w in display.warnings)


def test_the_board_opens_at_the_fleet_read_with_what_runs_where(callback_loader, display, drive, tmp_path):
    """release_info with clusters: (the rollout playbooks' plan) - the board is written and announced before any step."""
    path = tmp_path / "run.json"
    callback = load(callback_loader, "rollout_record", display, path=str(path))
    summaries = {"shop-dev-us-east1": {"ok": True, "exists": True, "version": "2", "canary": None, "split": None,
                                       "ready": "3/3", "phase": None, "step": None, "age_seconds": 5},
                 "shop-prod-us-east1": {"ok": False, "msg": "unreachable"}}
    read = ("release_info", {"app": "web", "namespace": "shop", "clusters": {"shop-dev-us-east1": {}}},
            {"app": "web", "namespace": "shop", "clusters": summaries}, False)
    drive(callback, [read], finish=False)
    html = path.with_suffix(".html").read_text()
    assert display.lines == ["rollout board (live, reloads every 5s while the run goes on): %s" % path.with_suffix(".html")]
    assert 'data-cluster="shop-dev-us-east1" data-state="untouched" data-versions="2"' in html and "runs 2 (3 pods)" in html
    assert not path.exists()  # the record itself only once something is released


def test_progress_names_the_set_and_environment_of_each_play(callback_loader, display):
    callback = load(callback_loader, "progress", display)
    callback.on_play("Promotion gate, then the environment region by region", [("shop", "dev")])
    callback.on_play("Show where each version runs", [])
    assert display.lines == ["PROGRESS ---- set shop, environment dev: Promotion gate, then the environment region by region"]
