"""The board's HTML from a record: self-contained, escaped, the grid in fleet order, the reason shown."""

import json

from ansible_collections.progressive.delivery.plugins.plugin_utils.report import board
from ansible_collections.progressive.delivery.plugins.plugin_utils import board_cli
from ansible_collections.progressive.delivery.plugins.plugin_utils.report.record import RolloutRecorder
from ansible_collections.progressive.delivery.tests.unit.plugins.callback.rollout_samples import BAD_RELEASE

FLEET = [{"cluster": "svc-%s-%s" % (env, region), "set": "svc", "environment": env, "region": region}
         for env in ("dev", "staging", "prod") for region in ("us-east1", "asia-east1")]


def bad_record(cluster="svc-dev-us-east1"):
    recorder = RolloutRecorder(playbook="release.yml", started=0.0)
    recorder.set_fleet(FLEET)
    for i, (module, args, result, failed) in enumerate(BAD_RELEASE):
        recorder.task_result(cluster, module, "t", args, result, failed, float(i), i + 0.5)
    return recorder.finish(10.0)


def test_grid_keeps_fleet_order_and_colours_states():
    html = board.render(bad_record())
    # Environments in promotion order as rows, regions in wave order as columns (not sorted).
    assert html.index(">dev<") < html.index(">staging<") < html.index(">prod<")
    assert html.index(">us-east1<") < html.index(">asia-east1<")
    # The other dev cluster was not read: shown, not guessed; staging and prod, where nothing is known, one line each.
    assert html.count('data-state="untouched"') == 1 and "not read" in html
    assert html.count("2 clusters (") == 2 and html.count("): not part of this run (not read)") == 2
    assert "2 clusters (svc-prod-us-east1, svc-prod-asia-east1)" in html
    assert 'style="background:%s"><div class="state">rolled back' % board.STATE_COLOURS["rolled_back"] in html
    assert 'data-cluster="svc-dev-us-east1" data-state="rolled_back" data-versions="2"' in html
    assert "Rolled back in svc-dev-us-east1:</b> Version 3 of web was rolled back" in html


def test_measurements_are_plotted_against_their_threshold():
    html = board.render(bad_record())
    assert "error rate in svc-dev-us-east1" in html and "latency in svc-dev-us-east1" in html
    assert html.count('stroke-dasharray="6 4" points=') == 2  # one threshold line per chart
    assert "<td class=num>48.00%</td>" in html.replace('"num"', "num") and "&lt;= 1.00%" in html


def test_names_are_escaped_and_nothing_is_loaded_from_anywhere():
    html = board.render(bad_record(cluster="<img src=x onerror=alert(1)>"))
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    for external in ("<script", "<link", "src=", "href=", "url(", "@import"):
        assert external not in html.replace("&lt;img src=x", ""), external


def test_an_empty_record_renders_a_page_that_says_so():
    html = board.render(RolloutRecorder(playbook="status.yml", started=0.0).record)
    assert "no step recorded" in html and "no gate measured anything yet" in html and "in progress" in html


def test_script_rejects_what_is_not_a_record(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"plays": []}))
    error = board_cli.main(["board", str(other), str(tmp_path / "b.html")])
    assert "is not a rollout record" in error and "rollout_record callback" in error
    assert "cannot read the rollout record" in board_cli.main(["board", str(tmp_path / "missing.json"), "x.html"])
    assert board_cli.main(["board"]).startswith("usage:")
    record = tmp_path / "run.json"
    record.write_text(json.dumps(bad_record()))
    assert board_cli.main(["board", str(record), str(tmp_path / "b.html")]) is None
    assert (tmp_path / "b.html").read_text().startswith("<!DOCTYPE html>")
