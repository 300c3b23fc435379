"""`scripts/demo.sh` (what `make demo` runs) tells the story in its own output, not only through its exit code:
one line per event from the progress callback, play headers naming the set and environment, version 3's failure
reason in plain words exactly once, a table per environment (cluster, version, state), the board and the record
it leaves behind, and the failed canary's logs. Its state goes to the test's tmp dir (PD_DEMO_STATE)."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

pytestmark = pytest.mark.timeout(1500)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVICES = ["services-%s-%s" % (env, region) for env in ("dev", "staging", "prod")
            for region in ("us-east1", "europe-west1", "asia-east1")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    state = tmp_path_factory.mktemp("demo")
    # MAKELEVEL: setup-system/setup-venv already ran (make test runs them first), as under `make demo`.
    env = dict(os.environ, PD_DEMO_STATE=str(state), MAKELEVEL="1")
    proc = subprocess.run(["bash", os.path.join(REPO, "scripts", "demo.sh")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=1400, check=False)
    (state / "demo-output.txt").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    return proc, state


def test_the_demo_passes_and_reads_no_log_before_it_exists(demo):
    proc, state = demo
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert "cannot open" not in proc.stdout + proc.stderr
    script = open(os.path.join(REPO, "scripts", "demo.sh"), encoding="utf-8").read()
    assert "tail -" not in script and "--pid" not in script  # the log is written through tee, in the foreground


def test_one_line_per_event_and_play_headers_that_name_the_environment(demo):
    out = demo[0].stdout
    for env in ("dev", "staging", "prod"):
        assert re.search(r"^  -- set services, environment %s: " % env, out, re.M), out[-4000:]
    assert "PLAY [" not in out and "TASK [" not in out and "Pausing" not in out
    events = [line for line in out.splitlines() if re.match(r"^     \d\d:\d\d:\d\d services-", line)]
    assert any(" web 2 finish | " in line and "promoted" in line for line in events), events
    assert any(" web 3 ROLLBACK | " in line for line in events), events


def test_version_3_failure_is_said_once_in_plain_words(demo):
    out = demo[0].stdout
    reasons = [line for line in out.splitlines()
               if re.search(r"smoke requests to version 3 got HTTP 500|version 3 had error rate", line)]
    assert len(reasons) == 1, reasons
    assert reasons[0].startswith("  why: Version 3 of web was rolled back in services-dev-"), reasons
    assert "result >=" not in out and "success condition" not in out and "FAILED" not in out


def test_a_table_per_environment_and_the_board_and_record_left_behind(demo):
    proc, state = demo
    out = proc.stdout
    table = out[out.index("where each version runs"):]
    for env in ("dev", "staging", "prod"):
        assert "  services / %s" % env in table
    rows = dict((cluster, version) for cluster, version, _state in re.findall(r"^    (services-\S+) +(\S+) +(.+)$", table, re.M))
    assert sorted(rows) == sorted(SERVICES), table[:3000]
    assert all(version == "2" for version in rows.values()), rows
    assert re.search(r"^    services-dev-\S+ +2 +steady; version 3 rejected$", table, re.M), table[:3000]
    for run in ("rollout-v2", "rollout-v3"):
        board = state / "records" / (run + ".html")
        record = state / "records" / (run + ".json")
        assert "%s: board  %s" % (run, board) in out and "%s: record %s" % (run, record) in out
        assert board.exists() and json.loads(record.read_text())["kind"] == "progressive.delivery/rollout-record"
        assert "{{" not in board.read_text() and "{{" not in record.read_text()
    assert "rollout board (live, reloads every 5s while the run goes on): %s" % (state / "records" / "rollout-v2.html") in out
    assert "xdg-open %s" % (state / "records" / "rollout-v3.html") in out
    assert "python3 -m http.server" in out
    # The other engineer's closing part stays: the command that read the failed canary's logs, and what it printed.
    assert "logs -f -l app=web,version=3 --prefix --tail=-1" in out and '" 500 ' in out
