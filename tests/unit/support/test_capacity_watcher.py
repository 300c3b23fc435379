"""The capacity watcher's ledger: every readiness change counted, violations reported at the instant."""

from ansible_collections.progressive.delivery.tests.support.capacity_watcher import ReadinessLedger, pod_is_ready


def pod(name, version="1", ready=True, deleting=False, app="web", namespace="default"):
    meta = {"name": name, "namespace": namespace, "labels": {"app": app, "version": version}}
    if deleting:
        meta["deletionTimestamp"] = "2026-11-26T12:00:00Z"
    return {"metadata": meta, "status": {"phase": "Running",
                                         "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def ledger(floor=3):
    ticks = iter(range(1000))
    return ReadinessLedger("default", "web", floor, clock=lambda: float(next(ticks)))


def test_a_terminating_pod_no_longer_counts():
    assert pod_is_ready(pod("a")) and not pod_is_ready(pod("a", deleting=True))
    assert not pod_is_ready(pod("a", ready=False))


def test_surge_then_shrink_never_violates():
    led = ledger()
    led.seed([pod("a"), pod("b"), pod("c")])
    led.apply("ADDED", pod("d", version="2", ready=False))
    led.apply("MODIFIED", pod("d", version="2"))
    led.apply("MODIFIED", pod("a", deleting=True))
    led.apply("DELETED", pod("a", deleting=True))
    report = led.report()
    assert report.violations == [] and report.min_ready == 3
    assert [(c["pod"], c["ready"], c["total_ready"]) for c in report.changes] == [("d", True, 4), ("a", False, 3)]
    assert led.by_version() == {"1": 2, "2": 1}


def test_shrink_before_the_replacement_is_ready_is_a_violation():
    led = ledger()
    led.seed([pod("a"), pod("b"), pod("c")])
    led.apply("MODIFIED", pod("a", deleting=True))
    led.apply("ADDED", pod("d", version="2", ready=False))
    led.apply("MODIFIED", pod("d", version="2"))
    report = led.report()
    assert len(report.violations) == 1
    v = report.violations[0]
    assert v["ready"] == 2 and v["pod"] == "a" and v["by_version"] == {"1": 2}
    assert "ready=2 < 3" in report.describe()


def test_other_apps_and_namespaces_are_ignored():
    led = ledger()
    led.seed([pod("a"), pod("b"), pod("c"), pod("x", app="api")])
    led.apply("DELETED", pod("x", app="api"))
    led.apply("MODIFIED", pod("c", namespace="other", ready=False))
    assert led.report().violations == [] and led.report().changes == []


def test_starting_below_the_floor_is_reported():
    led = ledger()
    led.seed([pod("a"), pod("b")])
    assert led.report().violations[0]["event"] == "seed"
