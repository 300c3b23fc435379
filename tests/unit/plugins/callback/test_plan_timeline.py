"""The rollout plan drawn as a timeline before the run (plugin_utils/report/plan_timeline.py): lanes in the
rollout's order, bars where the estimate puts them, the critical path highlighted, the page self-contained."""

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.progressive.delivery.plugins.filter.plan_timeline import FilterModule
from ansible_collections.progressive.delivery.plugins.plugin_utils.report import board, plan_timeline

plan_timeline_filter = FilterModule().filters()["plan_timeline"]


def cluster(name, seconds, action="release", reason=None):
    return {"cluster": name, "action": action, "reason": reason, "seconds": seconds, "steps": [],
            "pod_ready": {"seconds": 5, "source": "default"}, "now": {"readable": True}}


def wave(number, *clusters):
    slowest = max(clusters, key=lambda c: c["seconds"])
    return {"wave": number, "clusters": list(clusters), "slowest": slowest["cluster"], "seconds": slowest["seconds"]}


def sample_plan(refused=False):
    dev = {"group": "svc_dev", "action": "release", "promotion_gate": None, "config_cluster": None, "seconds": 44.0,
           "waves": [wave(1, cluster("svc-dev-us-east1", 20.0)),
                     wave(2, cluster("svc-dev-eu-west1", 12.0), cluster("svc-dev-asia-east1", 18.0))]}
    prod_cluster = cluster("svc-prod-us-east1", 30.0, "refused", "frozen <by> ops") if refused else cluster("svc-prod-us-east1", 30.0)
    prod = {"group": "svc_prod", "action": "release", "config_cluster": None, "seconds": 145.0,
            "promotion_gate": {"from": "svc_dev", "soak_seconds": 600, "wait_seconds": 100.0, "approval": False,
                               "metric_check": False, "seconds": 110.0},
            "waves": [wave(1, prod_cluster)]}
    path = [{"what": "svc_dev wave 1: svc-dev-us-east1", "set": "svc", "seconds": 20.0},
            {"what": "svc_dev wave 2: svc-dev-asia-east1", "set": "svc", "seconds": 18.0},
            {"what": "promotion gate svc_dev -> svc_prod", "set": "svc", "seconds": 110.0},
            {"what": "svc_prod wave 1: svc-prod-us-east1", "set": "svc", "seconds": 30.0}]
    batch = {"set": "batch", "environments": [{"group": "batch_dev", "action": "verified", "promotion_gate": None,
                                               "config_cluster": None, "waves": [], "seconds": 0.0}],
             "refusals": [], "refused": False, "first_pending": 1, "seconds": 3.0, "critical_path": []}
    refusals = [{"set": "svc", "environment": "svc_prod", "cluster": "svc-prod-us-east1", "reason": "frozen <by> ops"}]
    return {"schema_version": 1, "kind": "progressive.delivery/rollout-plan", "generated_at": "2026-12-07T15:00:00Z",
            "app": "web", "namespace": "shop", "version": "2", "refused": refused,
            "refusals": refusals if refused else [], "estimate_seconds": 197.0, "sets_in_parallel": False,
            "critical_path": path, "assumptions": {},
            "sets": [{"set": "svc", "environments": [dev, prod], "refusals": [], "refused": refused, "first_pending": 0,
                      "seconds": 194.0, "critical_path": path}, batch]}


def test_bars_follow_the_rollout_order_and_start_where_the_estimate_puts_them():
    bars = plan_timeline.plan_bars(sample_plan())
    assert [b["label"] for b in bars] == [
        "svc / svc_dev / w1: svc-dev-us-east1", "svc / svc_dev / w2: svc-dev-eu-west1", "svc / svc_dev / w2: svc-dev-asia-east1",
        "svc / svc_prod: promotion gate", "svc / svc_prod / w1: svc-prod-us-east1", "batch / batch_dev: verified, skipped"]
    starts = dict((b["label"].split(": ")[-1], b["start"]) for b in bars)
    # The set's 5 s outside its environments come first; a wave starts when the one before ends; the clusters of a
    # wave start together; the next environment after the whole of the previous one (verify included).
    assert starts["svc-dev-us-east1"] == 5.0
    assert starts["svc-dev-eu-west1"] == starts["svc-dev-asia-east1"] == 25.0
    assert starts["promotion gate"] == 49.0 and starts["svc-prod-us-east1"] == 159.0
    assert starts["verified, skipped"] == 194.0 + 3.0  # the second set after the first, its own start first
    critical = [b["label"].split(": ")[-1] for b in bars if b["critical"]]
    assert critical == ["svc-dev-us-east1", "svc-dev-asia-east1", "promotion gate", "svc-prod-us-east1"]


def test_sets_in_parallel_start_together():
    plan = dict(sample_plan(), sets_in_parallel=True)
    bars = plan_timeline.plan_bars(plan)
    assert bars[-1]["start"] == 3.0


def test_the_page_is_self_contained_escaped_and_in_the_board_styles():
    html = plan_timeline_filter(sample_plan(refused=True))
    assert html.startswith("<!DOCTYPE html>") and board.CSS in html
    assert "<script" not in html and not re.search(r"(src|href)=\"?https?:", html)
    assert "default-src 'none'" in html
    assert "Rollout plan: web 2" in html and "estimated 3m17s" in html
    assert "frozen &lt;by&gt; ops" in html and "frozen <by>" not in html
    assert html.count('fill="%s"' % plan_timeline.CRITICAL_COLOUR) == 2  # the two slowest clusters that release
    assert html.count('fill="%s"' % board.charts.FAILED_COLOUR) == 1  # the refused one
    assert html.count('stroke="#000"') == 4  # the whole critical path outlined, the refused cluster included
    assert "promotion gate svc_dev -&gt; svc_prod (1m50s)" in html
    # A time axis every 30 s over the 197 s estimate.
    assert html.count('class="grid"') == 6 and ">30s</text>" in html and ">3m00s</text>" in html


def test_not_a_plan_is_refused():
    with pytest.raises(AnsibleFilterError, match="needs the plan document"):
        plan_timeline_filter({"apps": []})
    assert "nothing planned" in plan_timeline.render(dict(sample_plan(), sets=[]))
