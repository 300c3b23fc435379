"""What the board's cells and reasons say: versions read from the clusters, no untemplated values, smoke in words."""

from ansible_collections.progressive.delivery.plugins.plugin_utils.report import board
from ansible_collections.progressive.delivery.plugins.plugin_utils.report.record import RolloutRecorder
from ansible_collections.progressive.delivery.plugins.plugin_utils.rollout_events import _module_args

FLEET = [{"cluster": "%s-%s-%s" % (s, env, r), "set": s, "environment": env, "region": r}
         for s in ("services", "batch") for env in ("dev", "prod") for r in ("us", "eu")]


def summary(version, canary=None, split=None, exists=True):
    return {"ok": True, "exists": exists, "version": version, "canary": canary, "split": split, "phase": None,
            "step": None, "ready": "3/3" if version else "0/0", "age_seconds": 60}


def test_cells_show_what_runs_where_and_absent_sets_collapse():
    recorder = RolloutRecorder(playbook="rollout.yml", started=0.0)
    recorder.set_fleet(FLEET)
    recorder.fleet_read({"services-dev-us": summary("2", "3", "2/1"), "services-dev-eu": summary("2"),
                         "services-prod-us": summary("2"), "services-prod-eu": summary("1")}, app="web", namespace="shop")
    html = board.render(recorder.record, refresh=5)
    assert 'data-cluster="services-dev-us" data-state="untouched" data-versions="2,3"' in html
    assert "runs 2 (2 pods, 67%) + 3 (1 pod, 33%)" in html
    assert 'data-cluster="services-prod-eu" data-state="untouched" data-versions="1"' in html
    assert "environment set batch (4 clusters in dev, prod): the app is not part of this run" in html
    assert '<meta http-equiv="refresh" content="5">' in html
    for state in board.STATE_LABELS.values():
        assert "<b>%s</b>" % state in html  # a legend entry for every colour


def test_untemplated_arguments_never_reach_the_record():
    class Task(object):
        args = {"context": "{{ hostvars[item].fleet_context | default(item) }}", "app": "web", "version": "2"}
    assert _module_args(Task(), {}) == {"app": "web", "version": "2"}


def test_a_failed_smoke_gate_reads_as_requests_and_statuses():
    recorder = RolloutRecorder(playbook="rollout.yml", started=0.0)
    check = {"name": "smoke-web-3", "provider": "http", "http": {"url": "http://x/"}}
    recorder.task_result("c1", "canary", "t", {"app": "web", "version": "3"},
                         {"changed": True, "version": "3", "stable_version": "2", "total_replicas": 2,
                          "canary": {"replicas": 1}, "targets": [1, 2]}, False, 0.0, 1.0)
    recorder.task_result("c1", "gate_check", "t", {"checks": [check]}, {
        "verdict": "fail", "blame": "version", "reason": "check 'smoke-web-3' failed",
        "measurements": [{"check": "smoke-web-3", "provider": "http", "index": 0, "phase": "Failed",
                          "timestamp": "2026-12-07T12:00:00.000Z", "value": 1 / 3.0, "baseline": None,
                          "series": [{"labels": {"request": "1", "status": "500"}, "value": 0.01},
                                     {"labels": {"request": "2", "status": "200"}, "value": 0.01},
                                     {"labels": {"request": "3", "status": "500"}, "value": 0.01}]}]}, True, 1.0, 2.0)
    stop = recorder.record["decisions"][-1]["reason"]
    assert stop == "2 of 3 smoke requests to version 3 got HTTP 500 (check smoke-web-3 in c1, 1 of 3 pods on 3)", stop
    html = board.render(recorder.finish(3.0))
    assert "1 of 3 requests passed, failures: HTTP 500 x2" in html and "smoke requests passed in c1" in html
