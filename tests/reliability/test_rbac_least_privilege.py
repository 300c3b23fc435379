"""Least privilege: a release runs as an identity holding only the rules shipped in docs/rbac: the
ServiceAccount release-bot, bound as docs/rbac/rolebinding-example.yaml binds it, with a token from
serviceaccounts/token (`kubectl create token`), as docs/rbac tells users to get one.

fleetsim evaluates RBAC like kube-apiserver (Roles, ClusterRoles, bindings, per-token users), so:
- with exactly docs/rbac/member-cluster.yaml the whole single-cluster release succeeds and the
  server never answers 403;
- with any one permission the release uses taken away, it fails in its first module (the canary asks
  the API server before its first write) with a one-line message naming the verb and the resource,
  and nothing at all was written.
"""

import pytest

from ansible_collections.progressive.delivery.tests.reliability import results
from ansible_collections.progressive.delivery.tests.reliability.rbac_fleet import (
    RbacReleaseFleet, shipped, without)
from ansible_collections.progressive.delivery.tests.support.capacity_watcher import CapacityWatcher

CLUSTER = "app-dev-us-east1"
N = 2
APP = {"namespace": "default", "app": "web", "wait_timeout": 120}
STEPS = [("canary", {"version": "2", "image": "registry.example.com/web:2"}),
         ("scale_step", {"weight": 50}),
         ("scale_step", {"weight": 100}),
         ("release_finish", {})]
MEMBER_ROLE = shipped("member-cluster.yaml")[0]
# Permissions the single-cluster release cannot do without (pods/events are read only when a
# wait fails; serviceexports only by the multi-cluster release).
EXERCISED = [("apps", "deployments", v) for v in ("get", "list", "create", "patch", "delete")] + \
            [("", "services", v) for v in ("get", "list", "create", "delete")] + \
            [("", "configmaps", v) for v in ("get", "create", "update")]


def release_fleet(fleetsim_fleet, tmp_path, role):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="1s")
    rf = RbacReleaseFleet(fleet, CLUSTER, tmp_path, role)
    rf.deploy(replicas=N)
    rf.requests.clear()
    return rf


def run_steps(rf):
    """Run the release until a step fails; returns (failed step index or None, its result)."""
    for index, (module, args) in enumerate(STEPS):
        result = rf.run(module, **dict(APP, **args))
        if result.get("failed"):
            return index, result
    return None, None


@pytest.mark.reliability_fast
def test_release_succeeds_with_only_the_shipped_member_rules(fleetsim_fleet, tmp_path):
    with results.scenario("rbac: release with only docs/rbac member rules") as row:
        rf = release_fleet(fleetsim_fleet, tmp_path, MEMBER_ROLE)
        with CapacityWatcher.in_process(rf.fleet, CLUSTER, "default", "web", floor=N) as watcher:
            failed_at, result = run_steps(rf)
            assert failed_at is None, "step %s failed with only the shipped rules: %s" % (failed_at, result.get("msg"))
        row.violations = len(watcher.report.violations)
        info = rf.run("release_info", namespace="default", app="web")
        assert info.get("failed") is not True, info.get("msg")
        assert info["stable"]["name"] == "web-2" and info["ready_replicas"] == N
        denied = [r.rule for r in rf.requests.snapshot() if r.user == rf.user and r.status == 403]
        assert denied == [], "the shipped rules miss: %s" % denied
        assert rf.user_writes(), "the release wrote nothing as %s: the test did not run as that user" % rf.user
        assert watcher.report.violations == [], watcher.report.describe()
        row.notes = "0 requests denied, %d writes as %s" % (len(rf.user_writes()), rf.user)


def check_missing_permission(fleetsim_fleet, tmp_path, group, resource, verb):
    rf = release_fleet(fleetsim_fleet, tmp_path, without(MEMBER_ROLE, group, resource, verb))
    failed_at, result = run_steps(rf)
    assert failed_at is not None, "the release succeeded without %s %s" % (verb, resource)
    message = result.get("msg") or ""
    assert 'cannot %s resource "%s"' % (verb, resource) in message, message
    assert "\n" not in message.strip(), "the error is not one line: %r" % message
    return rf, failed_at, message


def app_writes(rf):
    """Successful writes to the app's workloads (the release record ConfigMap is bookkeeping)."""
    return [w.rule for w in rf.user_writes() if w.resource != "configmaps"]


@pytest.mark.reliability_fast
def test_missing_create_deployments_fails_before_the_app_is_touched(fleetsim_fleet, tmp_path):
    with results.scenario("rbac: without create deployments") as row:
        rf, failed_at, message = check_missing_permission(fleetsim_fleet, tmp_path, "apps", "deployments", "create")
        assert failed_at == 0 and 'User "%s"' % rf.user in message
        assert app_writes(rf) == [], "the app was changed before the missing permission showed"
        assert rf.user_writes() == [], "written before the refusal: %s" % [w.rule for w in rf.user_writes()]
        assert rf.deployment("web-2") is None and rf.replicas("web") == (N,)
        row.notes = "fails in canary, 0 writes: %s" % message[:160]


@pytest.mark.parametrize("group,resource,verb", EXERCISED, ids=["%s-%s" % (v, r) for g, r, v in EXERCISED])
def test_each_missing_permission_is_named(fleetsim_fleet, tmp_path, group, resource, verb):
    with results.scenario("rbac: without %s %s" % (verb, resource)) as row:
        rf, failed_at, message = check_missing_permission(fleetsim_fleet, tmp_path, group, resource, verb)
        writes = [w.rule for w in rf.user_writes()]
        row.notes = "fails in %s; %d writes before it" % (STEPS[failed_at][0], len(writes))
        assert failed_at == 0, "the release got as far as %s before the missing permission showed" % STEPS[failed_at][0]
        assert writes == [], "written before the refusal: %s" % writes
        assert rf.replicas("web") == (N,), "the app was changed"


def test_without_watch_the_release_still_succeeds_by_polling(fleetsim_fleet, tmp_path):
    """watch on deployments is shipped (fewer requests while waiting) but optional: waits poll without it."""
    with results.scenario("rbac: without watch deployments") as row:
        rf = release_fleet(fleetsim_fleet, tmp_path, without(MEMBER_ROLE, "apps", "deployments", "watch"))
        failed_at, result = run_steps(rf)
        assert failed_at is None, result.get("msg")
        assert any(r.verb == "watch" and r.status == 403 for r in rf.requests.snapshot()), "no watch was even tried"
        assert rf.replicas("web-2") == (N,) and rf.deployment("web") is None
        row.notes = "release succeeds, waits fall back to polling"
