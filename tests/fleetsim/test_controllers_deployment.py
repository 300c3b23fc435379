"""Deployment + ReplicaSet controllers on an in-process cluster, checked against the real controller's
behaviour (tests/fleetsim/fixtures/real and the recorded kube-controller-manager status sequence)."""
from __future__ import annotations

import pytest
import pytest_asyncio

from controller_harness import SimCluster, deployment, deployment_available


@pytest_asyncio.fixture
async def sim():
    s = await SimCluster().start()
    s.namespace("shop")
    yield s
    s.stop()


@pytest.mark.asyncio
async def test_new_deployment_becomes_available_with_real_status_shape(sim):
    sim.api.create("deployments.apps", deployment("web", replicas=3))
    d = await sim.wait_for(deployment_available(sim, "shop", "web"), what="deployment web available")
    rs_list = sim.items("replicasets.apps", "shop")
    assert len(rs_list) == 1
    rs = rs_list[0]
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert set(pod_hash) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4",
                                             "deployment.kubernetes.io/revision": "1"}
    assert rs["metadata"]["ownerReferences"][0] | {} == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": d["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}
    assert rs["status"] == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                            "terminatingReplicas": 0, "observedGeneration": 1}
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    # As in deploy_after_ready.json: kube-controller-manager owns the status and the revision annotation.
    controller_fields = [m for m in d["metadata"]["managedFields"] if m["manager"] == "kube-controller-manager"]
    assert [(m["operation"], m.get("subresource")) for m in controller_fields] == [("Update", "status")]
    assert "f:deployment.kubernetes.io/revision" in controller_fields[0]["fieldsV1"]["f:metadata"]["f:annotations"]
    status = dict(d["status"])
    conditions = status.pop("conditions")
    assert status == {"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
                      "availableReplicas": 3, "terminatingReplicas": 0}
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in conditions] == [
        ("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        ("Progressing", "True", "NewReplicaSetAvailable",
         f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.'),
    ]
    pods = sim.items("pods", "shop", app="web")
    assert len(pods) == 3
    for pod in pods:
        assert pod["metadata"]["generateName"] == f"{rs['metadata']['name']}-"
        suffix = pod["metadata"]["name"][len(rs["metadata"]["name"]) + 1:]
        assert len(suffix) == 5 and set(suffix) <= set("bcdfghjklmnpqrstvwxz2456789")
        assert pod["metadata"]["labels"]["pod-template-hash"] == pod_hash
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
    scaling = sim.events("shop", "web", "ScalingReplicaSet")
    assert [e["message"] for e in scaling] == [f"Scaled up replica set {rs['metadata']['name']} from 0 to 3"]
    assert scaling[0]["source"] == {"component": "deployment-controller"}
    created = sim.events("shop", rs["metadata"]["name"], "SuccessfulCreate")
    assert sorted(e["message"] for e in created) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)


@pytest.mark.asyncio
async def test_scale_sets_unavailable_replicas_then_settles(sim):
    sim.api.create("deployments.apps", deployment("web", replicas=3))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    sim.api.patch("deployments.apps", "shop", "web", {"spec": {"replicas": 4}}, "merge")
    # Right after the scale, as in deploy_just_after_scale.json: the RS is at 4, 3 pods are available.
    just_after = await sim.wait_for(lambda: (sim.get("deployments.apps", "shop", "web")["status"]
                                             .get("unavailableReplicas") == 1) and sim.get("deployments.apps", "shop", "web"))
    assert just_after["status"]["availableReplicas"] == 3
    d = await sim.wait_for(deployment_available(sim, "shop", "web", 4))
    assert "unavailableReplicas" not in d["status"]
    rs = sim.items("replicasets.apps", "shop")[0]
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "4"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "5"
    messages = [e["message"] for e in sim.events("shop", "web", "ScalingReplicaSet")]
    assert messages[-1] == f"Scaled up replica set {rs['metadata']['name']} from 3 to 4"


def _rs_of(sim, revision: str):
    for rs in sim.items("replicasets.apps", "shop"):
        if rs["metadata"]["annotations"].get("deployment.kubernetes.io/revision") == revision:
            return rs
    return None


class RolloutWatch:
    """Checks the rolling-update bounds after every committed change, like a watch would see them."""

    def __init__(self, sim, name: str, replicas: int, max_surge: int, max_unavailable: int):
        self.sim, self.name = sim, name
        self.max_total = replicas + max_surge
        self.min_available = replicas - max_unavailable
        self.violations: list[str] = []
        self.progressing: list[str] = []
        self.available: list[str] = []
        self.unsubscribe = sim.api.subscribe(self.check)

    def check(self, event_type, rt, obj, old):
        sim = self.sim
        if rt.name == "deployments.apps" and obj["metadata"]["name"] == self.name:
            conds = {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}
            for kind, seen in (("Progressing", self.progressing), ("Available", self.available)):
                if kind in conds:
                    value = conds[kind]["reason"] if kind == "Progressing" else conds[kind]["status"]
                    if not seen or seen[-1] != value:
                        seen.append(value)
        total = sum(rs["spec"]["replicas"] for rs in sim.items("replicasets.apps", "shop"))
        if total > self.max_total:
            self.violations.append(f"{total} replicas desired > {self.max_total}")
        pods = sim.items("pods", "shop", app=self.name)
        available = [p for p in pods if not p["metadata"].get("deletionTimestamp") and any(
            c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions") or [])]
        if len(available) < self.min_available:
            self.violations.append(f"only {len(available)} pods available < {self.min_available}")


@pytest.mark.asyncio
@pytest.mark.parametrize("strategy,surge,unavailable", [
    ({"maxSurge": "25%", "maxUnavailable": "25%"}, 1, 1),   # 25% of 4: surge rounds up, unavailable down
    ({"maxSurge": 1, "maxUnavailable": 0}, 1, 0),
    ({"maxSurge": 0, "maxUnavailable": 1}, 0, 1),
    ({"maxSurge": "30%", "maxUnavailable": "30%"}, 2, 1),   # 1.2 -> 2 surge, 1.2 -> 1 unavailable
])
async def test_rolling_update_respects_surge_and_unavailable_at_every_instant(sim, strategy, surge, unavailable):
    body = deployment("web", replicas=4, strategy={"type": "RollingUpdate", "rollingUpdate": strategy})
    sim.api.create("deployments.apps", body)
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    watch = RolloutWatch(sim, "web", 4, surge, unavailable)
    sim.api.patch("deployments.apps", "shop", "web",
                  {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "example/web:1.1"}]}}}},
                  "strategic")
    d = await sim.wait_for(deployment_available(sim, "shop", "web"), what="rollout to finish")
    watch.unsubscribe()
    assert watch.violations == []
    # The same Progressing reasons, in the same order, as the real controller's status sequence.
    assert watch.progressing == ["NewReplicaSetAvailable", "NewReplicaSetCreated", "ReplicaSetUpdated",
                                 "NewReplicaSetAvailable"]
    assert watch.available == ["True"]
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    old, new = _rs_of(sim, "1"), _rs_of(sim, "2")
    assert old["spec"]["replicas"] == 0 and old["status"]["replicas"] == 0
    assert new["spec"]["replicas"] == 4
    # Old pods may still be finishing their graceful shutdown; every live one runs the new image.
    assert {p["spec"]["containers"][0]["image"] for p in sim.items("pods", "shop")
            if not p["metadata"].get("deletionTimestamp")} == {"example/web:1.1"}
    messages = [e["message"] for e in sim.events("shop", "web", "ScalingReplicaSet")]
    new_name, old_name = new["metadata"]["name"], old["metadata"]["name"]
    if surge:
        assert messages[1] == f"Scaled up replica set {new_name} from 0 to {surge}"
    else:
        assert messages[1] == f"Scaled down replica set {old_name} from 4 to 3"
    assert messages[-1].endswith(" to 0") or messages[-1].endswith(" to 4")


@pytest.mark.asyncio
async def test_recorded_real_sequence_first_steps(sim):
    """deploy_rolling_update_status_sequence / watch_deployments_stream: 25%/25% on 4 replicas scales
    the new ReplicaSet to 1 and the old one to 3 straight away."""
    sim.api.create("deployments.apps", deployment("web", replicas=4))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    sim.api.patch("deployments.apps", "shop", "web",
                  {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "example/web:1.1"}]}}}},
                  "strategic")
    pairs = []

    def record(event_type, rt, obj, old):
        if rt.name == "replicasets.apps" and _rs_of(sim, "2") is not None:
            pair = (_rs_of(sim, "2")["spec"]["replicas"], _rs_of(sim, "1")["spec"]["replicas"])
            if not pairs or pairs[-1] != pair:
                pairs.append(pair)
    unsubscribe = sim.api.subscribe(record)
    await sim.wait_for(lambda: _rs_of(sim, "2") and _rs_of(sim, "1")["spec"]["replicas"] < 4)
    unsubscribe()
    new, old = _rs_of(sim, "2"), _rs_of(sim, "1")
    assert pairs[:2] == [(1, 4), (1, 3)]
    d = sim.get("deployments.apps", "shop", "web")
    progressing = [c for c in d["status"]["conditions"] if c["type"] == "Progressing"][0]
    assert progressing["reason"] in ("NewReplicaSetCreated", "ReplicaSetUpdated")
    assert progressing["message"] in (f'Created new replica set "{new["metadata"]["name"]}"',
                                      f'ReplicaSet "{new["metadata"]["name"]}" is progressing.')
    # lastTransitionTime stays at the first True transition while the reason moves on.
    assert progressing["lastTransitionTime"] == d["metadata"]["creationTimestamp"] or \
        progressing["lastTransitionTime"] <= progressing["lastUpdateTime"]
    messages = [e["message"] for e in sim.events("shop", "web", "ScalingReplicaSet")]
    assert messages[1:3] == [f"Scaled up replica set {new['metadata']['name']} from 0 to 1",
                             f"Scaled down replica set {old['metadata']['name']} from 4 to 3"]


@pytest.mark.asyncio
async def test_progress_deadline_exceeded_when_new_pods_never_get_ready(sim):
    sim.api.create("deployments.apps", deployment("web", replicas=2, progressDeadlineSeconds=20))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    sim.api.patch("deployments.apps", "shop", "web", {"spec": {"template": {"metadata": {
        "annotations": {"fleetsim.io/never-ready": "true"}}}}}, "strategic")

    def timed_out():
        d = sim.get("deployments.apps", "shop", "web")
        cond = [c for c in d["status"].get("conditions") or [] if c["type"] == "Progressing"]
        return cond and cond[0]["reason"] == "ProgressDeadlineExceeded" and (d, cond[0])
    d, cond = await sim.wait_for(timed_out, timeout=15, what="ProgressDeadlineExceeded")
    new = _rs_of(sim, "2")
    assert cond["status"] == "False"
    assert cond["message"] == f'ReplicaSet "{new["metadata"]["name"]}" has timed out progressing.'
    available = [c for c in d["status"]["conditions"] if c["type"] == "Available"][0]
    assert available["status"] == "True"  # the old pods still serve (maxUnavailable 25% of 2 -> 0)
    assert d["status"]["unavailableReplicas"] == 1
    assert d["status"]["updatedReplicas"] == 1


@pytest.mark.asyncio
async def test_recreate_removes_every_old_pod_before_creating_new_ones(sim):
    sim.api.create("deployments.apps", deployment("web", replicas=3, strategy={"type": "Recreate"}))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    old_hash = sim.items("replicasets.apps", "shop")[0]["metadata"]["labels"]["pod-template-hash"]
    overlaps = []

    def check(event_type, rt, obj, old):
        if rt.name == "pods" and event_type == "ADDED":
            olds = [p for p in sim.items("pods", "shop") if p["metadata"]["labels"]["pod-template-hash"] == old_hash]
            if olds:
                overlaps.append(obj["metadata"]["name"])
    unsubscribe = sim.api.subscribe(check)
    sim.api.patch("deployments.apps", "shop", "web",
                  {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "example/web:2.0"}]}}}},
                  "strategic")
    await sim.wait_for(deployment_available(sim, "shop", "web"), what="recreate rollout")
    unsubscribe()
    assert overlaps == []
    assert {p["spec"]["containers"][0]["image"] for p in sim.items("pods", "shop")
            if not p["metadata"].get("deletionTimestamp")} == {"example/web:2.0"}


@pytest.mark.asyncio
async def test_proportional_scaling_of_a_stuck_rollout_matches_the_documented_example(sim):
    """kubernetes.io Deployment docs: 10 replicas, maxSurge 3, maxUnavailable 2, stuck on a bad image
    (old RS 8, new RS 5); scaling to 15 adds 3 to the old and 2 to the new ReplicaSet."""
    sim.api.create("deployments.apps", deployment("web", replicas=10, strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    sim.api.patch("deployments.apps", "shop", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "example/web:does-not-exist"}]}}}}, "strategic")
    await sim.wait_for(lambda: _rs_of(sim, "2") and _rs_of(sim, "2")["spec"]["replicas"] == 5
                       and _rs_of(sim, "1")["spec"]["replicas"] == 8, what="rollout stuck at 8 + 5")
    sim.api.patch("deployments.apps", "shop", "web", {"spec": {"replicas": 15}}, "merge")
    await sim.wait_for(lambda: _rs_of(sim, "1")["spec"]["replicas"] == 11 and _rs_of(sim, "2")["spec"]["replicas"] == 7,
                       what="proportional scale to 11 + 7")
    assert _rs_of(sim, "1")["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "15"
    assert _rs_of(sim, "2")["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "18"


@pytest.mark.asyncio
async def test_rollback_to_old_template_reuses_its_replicaset_with_a_new_revision(sim):
    sim.api.create("deployments.apps", deployment("web", replicas=2))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    v1 = _rs_of(sim, "1")["metadata"]["name"]
    image = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "example/web:1.1"}]}}}}
    sim.api.patch("deployments.apps", "shop", "web", image, "strategic")
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    image["spec"]["template"]["spec"]["containers"][0]["image"] = "example/web:1.0"
    sim.api.patch("deployments.apps", "shop", "web", image, "strategic")
    d = await sim.wait_for(deployment_available(sim, "shop", "web"))
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    rs = _rs_of(sim, "3")
    assert rs["metadata"]["name"] == v1
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert len(sim.items("replicasets.apps", "shop")) == 2


@pytest.mark.asyncio
async def test_revision_history_limit_deletes_the_oldest_replicasets(sim):
    sim.api.create("deployments.apps", deployment("web", replicas=1, revisionHistoryLimit=1))
    for tag in ("1.1", "1.2", "1.3"):
        await sim.wait_for(deployment_available(sim, "shop", "web"))
        sim.api.patch("deployments.apps", "shop", "web", {"spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": f"example/web:{tag}"}]}}}}, "strategic")
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    await sim.wait_for(lambda: len(sim.items("replicasets.apps", "shop")) == 2, what="history trimmed to 1 old RS")
    revisions = sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                       for rs in sim.items("replicasets.apps", "shop"))
    assert revisions == ["3", "4"]


@pytest.mark.asyncio
async def test_paused_deployment_does_not_roll_out_until_resumed(sim):
    sim.api.create("deployments.apps", deployment("web", replicas=2))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    sim.api.patch("deployments.apps", "shop", "web", {"spec": {"paused": True}}, "merge")
    d = await sim.wait_for(lambda: any(c["reason"] == "DeploymentPaused" for c in
                                       sim.get("deployments.apps", "shop", "web")["status"]["conditions"])
                           and sim.get("deployments.apps", "shop", "web"))
    cond = [c for c in d["status"]["conditions"] if c["type"] == "Progressing"][0]
    assert (cond["status"], cond["message"]) == ("Unknown", "Deployment is paused")
    sim.api.patch("deployments.apps", "shop", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "example/web:1.1"}]}}}}, "strategic")
    await sim.clock.sleep(5)
    assert len(sim.items("replicasets.apps", "shop")) == 1
    sim.api.patch("deployments.apps", "shop", "web", {"spec": {"paused": False}}, "merge")
    d = await sim.wait_for(deployment_available(sim, "shop", "web"))
    assert len(sim.items("replicasets.apps", "shop")) == 2


@pytest.mark.asyncio
async def test_min_ready_seconds_delays_availability(sim):
    seen = []

    def record(event_type, rt, obj, old):
        if rt.name == "deployments.apps":
            st = obj.get("status") or {}
            seen.append((st.get("readyReplicas", 0), st.get("availableReplicas", 0),
                         [c["status"] for c in st.get("conditions") or [] if c["type"] == "Available"]))
    unsubscribe = sim.api.subscribe(record)
    sim.api.create("deployments.apps", deployment("web", replicas=2, minReadySeconds=8))
    d = await sim.wait_for(deployment_available(sim, "shop", "web"), what="available after minReadySeconds")
    unsubscribe()
    # Both pods were ready while none counted as available yet.
    assert (2, 0, ["False"]) in seen
    assert [c["reason"] for c in d["status"]["conditions"] if c["type"] == "Available"] == ["MinimumReplicasAvailable"]


@pytest.mark.asyncio
async def test_same_steps_as_the_recording_end_in_the_recorded_status(sim):
    """deploy_rolling_update_status_sequence.jsonl was recorded while a 3-replica Deployment was
    scaled to 4 and then given a new image; the same steps here end in the same status."""
    import json
    import pathlib
    lines = (pathlib.Path(__file__).parent / "fixtures" / "real" /
             "deploy_rolling_update_status_sequence.jsonl").read_text().splitlines()
    real = [json.loads(line) for line in lines if line.strip()]
    allowed_fields = {k for r in real for k in r["status"]} | {"conditions", "unavailableReplicas"}
    sim.api.create("deployments.apps", deployment("web", replicas=3))
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    sim.api.patch("deployments.apps", "shop", "web", {"spec": {"replicas": 4}}, "merge")
    await sim.wait_for(deployment_available(sim, "shop", "web"))
    fields_seen = set()

    def record(event_type, rt, obj, old):
        if rt.name == "deployments.apps":
            fields_seen.update(obj.get("status") or {})
    unsubscribe = sim.api.subscribe(record)
    sim.api.patch("deployments.apps", "shop", "web",
                  {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "example/web:1.1"}]}}}},
                  "strategic")
    d = await sim.wait_for(deployment_available(sim, "shop", "web"))
    await sim.clock.sleep(3)  # old pods finish terminating
    unsubscribe()
    d = sim.get("deployments.apps", "shop", "web")
    status = {k: v for k, v in d["status"].items() if k != "conditions"}
    assert d["metadata"]["generation"] == real[-1]["gen"]
    assert status == real[-1]["status"]
    assert [[c["type"], c["status"], c["reason"]] for c in d["status"]["conditions"]] == real[-1]["conds"]
    assert fields_seen <= allowed_fields
