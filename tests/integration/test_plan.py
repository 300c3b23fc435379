"""playbooks/plan.yml (issue 19): the plan of a rollout, read-only, and its estimate against the rollout that follows.

One fleet: environment set `shop` with dev -> prod, one region each, clock at real speed (the estimate is compared
with wall time) and pods Ready 2 s after they start. The plan must send the clusters nothing but reads (access
reviews are questions, not writes), see the pod-ready time in the app's history, decide a release from scratch in
both environments, and estimate the rollout that follows within 25% (of the estimate made before it or of one made
right after it, at the controller's load); planned again afterwards, both environments
are verified and there is nothing left to do.
"""

import json
import os
import subprocess
import sys
import time

import jsonschema
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
NAMESPACE = "default"
APP = "cart"
ENVIRONMENTS = ["dev", "prod"]
FLEET = {"environment_sets": {"shop": {"environments": ENVIRONMENTS, "regions": ["r1"]}}}
READS = {"get", "list", "watch"}
REVIEW_GROUPS = {"authorization.k8s.io", "authentication.k8s.io"}


def member(env):
    return "shop-%s-r1" % env


def deploy_v1(fleet, replicas=2):
    labels = {"app": APP, "version": "1"}
    for env in ENVIRONMENTS:
        api = get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[member(env)].context})
        api.create({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": APP, "namespace": NAMESPACE, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": APP, "image": "registry.example.com/%s:1" % APP,
                                         "ports": [{"name": "http", "containerPort": 8080}]}]}}}})
        api.create({
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": APP, "namespace": NAMESPACE},
            "spec": {"selector": {"app": APP}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    deadline = time.time() + 60
    for env in ENVIRONMENTS:
        api = get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[member(env)].context})
        while (api.get("apps/v1", "Deployment", NAMESPACE, APP).get("status") or {}).get("readyReplicas") != replicas:
            assert time.time() < deadline, "version 1 never became ready in %s" % member(env)
            time.sleep(0.3)


def write_inventory(tmp_path, fleet):
    (tmp_path / "shop.yml").write_text(yaml.safe_dump(FLEET))
    config = {"plugin": "progressive.delivery.fleet", "fleet_file": str(tmp_path / "shop.yml"),
              "fleetsim_state_dir": str(fleet.state_dir)}
    path = tmp_path / "inventory" / "shop.fleet.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    return str(path)


def release_vars(version):
    # Fast waits: pods Ready in 2 s, a 5 s soak, no Prometheus (smoke tests only); one step per pod.
    return {
        "environment_promotion_set": "shop", "release_app": APP, "release_version": version,
        "release_namespace": NAMESPACE, "multicluster_release_waves": ["100%"], "environment_promotion_soak_seconds": 5,
        "canary_release_strategy": "pods", "canary_release_metric_gate_enabled": False,
        "canary_release_pod_health_gate_enabled": False, "canary_release_smoke_requests": 2,
        "canary_release_wait_timeout": 120, "canary_release_lock_owner": "pytest",
        "canary_release_image": "registry.example.com/%s:%s" % (APP, version),
        "multicluster_release_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
        "multicluster_release_mcs_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
    }


def playbook(name, inventory, extravars):
    env = dict(os.environ)
    env.update({"ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".venv", "collections"),
                "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"), "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true",
                "ANSIBLE_NOCOLOR": "1", "PATH": BIN + os.pathsep + env.get("PATH", "")})
    started = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, os.path.join(REPO, "playbooks", name),
                           "-e", json.dumps(extravars)], capture_output=True, text=True, env=env, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started


def plan(tmp_path, inventory, version, name):
    path = tmp_path / name
    extravars = dict(release_vars(version), environment_promotion_plan_json_path=str(path),
                     environment_promotion_plan_measure_tasks=True)
    code, text, wall = playbook("plan.yml", inventory, extravars)
    assert code == 0, text[-3000:]
    document = json.loads(path.read_text())
    with open(os.path.join(REPO, "docs", "schemas", "rollout-plan.schema.json")) as schema:
        jsonschema.validate(document, json.load(schema))
    # Beside the JSON, the plan drawn as a timeline: a bar for every cluster.
    timeline = path.with_suffix(".html").read_text()
    assert all(c["cluster"] in timeline for c in clusters_of(document)), timeline[-2000:]
    return document, text


def clusters_of(plan_doc):
    return [c for s in plan_doc["sets"] for e in s["environments"] for w in e["waves"] for c in w["clusters"]]


def test_plan_reads_only_and_estimates_the_rollout_that_follows(fleetsim_fleet, tmp_path):
    fleet = fleetsim_fleet(FLEET, clock_speed=1, pod_ready_delay="2s", pod_ready_jitter="0s")
    deploy_v1(fleet)
    inventory = write_inventory(tmp_path, fleet)
    servers = dict((name, fleet.runtime.clusters[name].server.requests) for name in fleet.clusters)
    for requests in servers.values():
        requests.clear()

    planned, text = plan(tmp_path, inventory, "2", "plan-2.json")

    # Zero writes: every request the plan made is a read, or an access review asking what the release may do.
    records = [(name, r) for name, requests in servers.items() for r in requests.snapshot()]
    assert [(name, r.rule) for name, r in records if r.is_write] == [], "the plan wrote to the fleet"
    assert [(name, r.rule) for name, r in records if r.verb not in READS and r.group not in REVIEW_GROUPS] == []
    counts = {}
    for name, r in records:
        counts[r.verb] = counts.get(r.verb, 0) + 1
    print("requests during the plan:", counts)
    assert counts.get("get", 0) + counts.get("list", 0) > 0

    assert "rollout plan: cart 2 in namespace default - estimated" in text and "critical path:" in text, text[-3000:]
    assert planned["kind"] == "progressive.delivery/rollout-plan" and planned["refused"] is False
    decided = clusters_of(planned)
    assert [(c["cluster"], c["action"]) for c in decided] == [(member(e), "release") for e in ENVIRONMENTS]
    for c in decided:
        assert c["now"]["stable"] == "1" and c["total_replicas"] == 2
        assert c["pod_ready"]["source"].startswith("ReplicaSet ") and 1 <= c["pod_ready"]["seconds"] <= 3, c["pod_ready"]
        assert [s["canary_pods"] for s in c["steps"]] == [1, 2]
    (prod,) = [e for e in planned["sets"][0]["environments"] if e["group"] == "shop_prod"]
    assert prod["promotion_gate"]["soak_seconds"] == 5 and prod["promotion_gate"]["from"] == "shop_dev"

    code, text, measured = playbook("rollout.yml", inventory, release_vars("2"))
    assert code == 0, text[-3000:]
    # The plan times a few module tasks to learn the controller's speed. Under make test the other lanes load the
    # controller more or less while the rollout runs, so the rollout is bracketed by a plan before and one after
    # (version 3, the same release from scratch): it must be within 25% of an estimate made at its load.
    after, text = plan(tmp_path, inventory, "3", "plan-3.json")
    estimates = sorted([planned["estimate_seconds"], after["estimate_seconds"]])
    print("estimates %.1f s before and %.1f s after, measured %.1f s"
          % (planned["estimate_seconds"], after["estimate_seconds"], measured))
    assert estimates[0] / 1.25 <= measured <= estimates[1] / 0.75, (estimates, measured)

    # Planned again: both environments run the version, nothing is left to do.
    again, text = plan(tmp_path, inventory, "2", "plan-2-again.json")
    assert [e["action"] for e in again["sets"][0]["environments"]] == ["verified", "verified"], text[-3000:]
    assert clusters_of(again) == [] and again["refused"] is False


def test_a_metric_provider_that_does_not_answer_is_found_by_the_plan(fleetsim_fleet, tmp_path):
    # The rollout's preflight would stop on it before its first write; the plan finds it now, after printing itself,
    # in the same words (the cause first), and still writes nothing.
    fleet = fleetsim_fleet(FLEET, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s")
    deploy_v1(fleet)
    inventory = write_inventory(tmp_path, fleet)
    servers = [fleet.runtime.clusters[name].server.requests for name in fleet.clusters]
    for requests in servers:
        requests.clear()
    extravars = dict(release_vars("2"), canary_release_metric_gate_enabled=True,
                     canary_release_prometheus_url="http://127.0.0.1:1")
    code, text, _wall = playbook("plan.yml", inventory, extravars)
    assert code != 0, text[-3000:]
    assert "rollout plan: cart 2 in namespace default - estimated" in text, text[-3000:]
    assert "Prometheus at http://127.0.0.1:1 refused the connection" in text, text[-3000:]
    assert "nothing was changed" in text and "query=" not in text
    assert [r.rule for requests in servers for r in requests.snapshot() if r.is_write] == []
