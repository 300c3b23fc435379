"""The API cost of a release step stays within its budget (issue 10: <= 10 requests per step per cluster).

A step is what the canary_release role runs per step: scale_step, then the pod-health gate
(gate_check, kubernetes provider, 2 measurements). Each module runs the way Ansible runs it (its own
process); fleetsim's API server counts every request it answers, as bench/api_cost.py does.
"""

import collections
import time

import pytest

from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

CLUSTER = "app-dev-us-east1"
N = 4
APP = {"namespace": "default", "app": "web", "version": "2", "wait_timeout": 120}
BUDGET = 10
POD_GATE = {"name": "pods-web-2", "provider": "kubernetes", "namespace": "default", "deployment": "web-2",
            "max_restarts": 0, "max_not_ready": 0, "warning_events": False, "interval": "1s", "count": 2,
            "initial_delay": "1s", "inconclusive_limit": 1}


@pytest.fixture
def rf(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(clock_speed=5, pod_ready_delay="2s")
    release_fleet = ReleaseFleet(fleet, CLUSTER, tmp_path)
    release_fleet.deploy(replicas=N)
    return release_fleet


def counted(rf, requests, module, **args):
    """(result, Counter of 'verb resource') of one module run."""
    server = rf.fleet.runtime.clusters[CLUSTER].server
    before = len(requests.snapshot())
    result = rf.run(module, **args)
    assert not result.get("failed"), result
    # A watch is counted when the server ends it, which may be a moment after the module exited.
    rf.wait_for(lambda: not server._watches, timeout=30, what="the module's watches to end")
    time.sleep(0.2)
    made = requests.snapshot()[before:]
    return result, collections.Counter("%s %s" % (r.verb, r.resource) for r in made)


def test_every_step_of_a_release_costs_at_most_ten_requests(rf):
    requests = rf.fleet.runtime.clusters[CLUSTER].server.requests
    auth = {"kubeconfig": str(rf.fleet.kubeconfig), "context": rf.fleet.clusters[CLUSTER].context}
    counted(rf, requests, "canary", image="registry.example.com/web:2", **APP)
    costs = []
    for target in range(1, N + 1):
        moved, step_cost = counted(rf, requests, "scale_step", canary_replicas=target, **APP)
        assert moved["step"] == target and moved["after"]["canary"]["ready_replicas"] == target
        gated, gate_cost = counted(rf, requests, "gate_check", checks=[POD_GATE], fail_on_inconclusive=True, **auth)
        assert gated["verdict"] == "pass", gated
        # The lock is rewritten once a tenth of its TTL (90 s) has passed since its last write, whatever the
        # steps do: on a busy machine a step can fall on that moment. That write is the lock's, not the step's.
        renewals = step_cost.get("update configmaps", 0)
        assert renewals <= 1, step_cost
        costs.append((target, sum(step_cost.values()) + sum(gate_cost.values()) - renewals, dict(step_cost),
                      dict(gate_cost)))
    over = [c for c in costs if c[1] > BUDGET]
    assert over == [], "steps over the budget of %d requests: %s" % (BUDGET, over)
    for _target, _total, step_cost, gate_cost in costs:
        # The app read once, the record read once, one watch for every wait; the gate reads the
        # Deployment once and the pods at its start and per measurement.
        assert step_cost["list deployments"] == 1 and step_cost["get configmaps"] == 1, step_cost
        assert step_cost.get("watch deployments", 0) <= 1 and "get deployments" not in step_cost, step_cost
        assert gate_cost == {"get deployments": 1, "list pods": 3}, gate_cost
