"""The live rollout board in headless Chromium, while playbooks/rollout.yml runs on fleetsim and at its end.

Run 1 rolls healthy web 2 out (dev -> prod, two regions each, pod by pod): mid-run the board (rewritten after
every event, reloading itself) shows a cluster in progress with its step. Run 2 rolls out web 3, whose pods answer
every request with HTTP 500: at the end every cell shows the versions the clusters really run, the failed
cluster's reason names the HTTP status observed, and no cell, row or record holds an untemplated `{{`.
Screenshots are kept in the test's tmp dir (and in PD_BOARD_SCREENSHOTS=DIR when set).
"""

from __future__ import annotations

import html as html_module
import json
import os
import re
import shutil
import subprocess
import time

import pytest

from ansible_collections.progressive.delivery.tests.reliability.release_harness import ReleaseHarness

pytestmark = pytest.mark.timeout(1200)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REGIONS = ["us-east1", "europe-west1"]
CELL = re.compile(r'<td class="cell" data-cluster="([^"]+)" data-state="([^"]+)" data-versions="([^"]*)"[^>]*>(.*?)</td>', re.S)


def chromium(page, tmp_path, name):
    """The page as Chromium rendered it (its DOM) and a screenshot of it, with no network."""
    if not CHROMIUM:
        # Only an explicit opt-out (PD_WITH_BROWSER=0, which also tells setup-system.sh not to install it) skips:
        # under `make test` chromium is installed, so its absence is a broken set-up, not a test to pass over.
        message = "chromium is not installed (scripts/setup-system.sh installs Debian's chromium)"
        if os.environ.get("PD_WITH_BROWSER") == "0":
            pytest.skip(message + "; PD_WITH_BROWSER=0 opted out of the browser tests")
        pytest.fail(message + "; set PD_WITH_BROWSER=0 to run without the browser tests")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=%s" % (tmp_path / "chromium-profile"), "--window-size=1280,2400"]
    screenshot = tmp_path / ("board-%s.png" % name)
    subprocess.run(flags + ["--screenshot=%s" % screenshot, page.as_uri()], capture_output=True, timeout=120, check=True)
    dom = subprocess.run(flags + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    assert screenshot.exists() and screenshot.stat().st_size > 10000, "no screenshot"
    if os.environ.get("PD_BOARD_SCREENSHOTS"):
        os.makedirs(os.environ["PD_BOARD_SCREENSHOTS"], exist_ok=True)
        shutil.copy(screenshot, os.path.join(os.environ["PD_BOARD_SCREENSHOTS"], screenshot.name))
    return dom.stdout


def cells(dom):
    """{cluster: (state, versions, text)} of the board's grid as Chromium has it."""
    found = {}
    for cluster, state, versions, inner in CELL.findall(dom):
        text = html_module.unescape(re.sub(r"<[^>]+>", " ", inner))
        found[html_module.unescape(cluster)] = (state, versions, " ".join(text.split()))
    return found


@pytest.fixture
def harness(fleetsim_fleet, prometheus, tmp_path):
    h = ReleaseHarness(fleetsim_fleet, prometheus, tmp_path, regions=REGIONS, environments=["dev", "prod"])
    h.env.update({"ANSIBLE_CALLBACKS_ENABLED": "progressive.delivery.progress,progressive.delivery.rollout_record",
                  "PD_ROLLOUT_BOARD_REFRESH": "1", "ANSIBLE_NOCOLOR": "1"})
    yield h
    h.close()


def test_live_board_mid_run_and_at_the_end(harness, tmp_path):
    records = tmp_path / "records"
    # -- run 1: healthy web 2; the board is read while the run goes on ------------------------------------
    harness.env["PD_ROLLOUT_RECORD"] = str(records / "web-2.json")
    board = records / "web-2.html"
    log = tmp_path / "web-2.log"
    proc = harness.start("2", log=str(log))
    mid = None
    deadline = time.monotonic() + 600
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            text = board.read_text() if board.exists() else ""
            if re.search(r'data-state="in_progress"', text) and "in progress: step" in text:
                mid = tmp_path / "board-mid.html"
                mid.write_text(text)  # the page as it was at that moment (the file keeps changing)
                running = proc.poll() is None
                break
            time.sleep(0.2)
    finally:
        rc = proc.wait(900)
    assert mid is not None, "the board never showed a cluster in progress with its step:\n" + log.read_text()[-4000:]
    assert running, "the run had ended when the board was read"
    assert rc == 0, log.read_text()[-4000:]
    dom = chromium(mid, tmp_path, "mid-run")
    assert '<meta http-equiv="refresh" content="1">' in mid.read_text() and "Live: the run is still going on" in dom
    in_progress = {c: v for c, v in cells(dom).items() if v[0] == "in_progress"}
    assert in_progress, cells(dom)
    assert all(re.search(r"in progress: step \d+ of \d+", text) for _state, _versions, text in in_progress.values()), \
        in_progress
    assert all(versions == "1,2" or versions == "2" for _state, versions, _text in in_progress.values()), in_progress
    output = log.read_text()
    assert output.count("rollout board (live, reloads every 1s while the run goes on): %s" % board) == 1, output[-3000:]
    assert "rollout board: %s (open it: xdg-open %s)" % (board, board) in output

    # -- run 2: web 3 answers HTTP 500: stopped in dev's first cluster and rolled back ----------------------
    harness.env["PD_ROLLOUT_RECORD"] = str(records / "web-3.json")
    overrides = {"canary_release_template_overrides": {"metadata": {"annotations": {"fleetsim.io/error-rate": "1"}}}}
    proc = harness.run("3", "-e", json.dumps(overrides))
    assert proc.returncode != 0, proc.stdout[-4000:]
    final = records / "web-3.html"
    page = final.read_text()
    assert 'http-equiv="refresh"' not in page  # the run is over: the page stops reloading
    dom = chromium(final, tmp_path, "end")
    grid = cells(dom)
    assert sorted(grid) == sorted(c.name for c in harness.members), grid
    for cluster, (state, versions, text) in grid.items():
        served = harness.served_versions(cluster)
        assert versions.split(",") == served, (cluster, versions, served, text)
        assert "runs %s" % served[0] in text, text
    failed = [c for c, (state, _v, _t) in grid.items() if state == "rolled_back"]
    assert failed == ["shop-dev-us-east1"], grid
    reason = re.search(r"Rolled back in shop-dev-us-east1:\s*(?:</b>)?\s*([^<]+)", dom).group(1)
    assert re.search(r"\d of \d smoke requests to version 3 got HTTP 500", reason), reason
    record = (records / "web-3.json").read_text()
    assert "{{" not in record and "{{" not in page and "{{" not in dom
    assert "untouched" not in [grid[c][0] for c in failed]
