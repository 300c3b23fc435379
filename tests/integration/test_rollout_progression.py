"""playbooks/rollout.yml on a simulated fleet: environments in inventory order, soak between them, a failing
version stopped where it fails and refused afterwards, resume after an interruption between environments,
and the same playbook through ansible-runner (AWX's engine) with no terminal.

One fleet for the module: environment set `shop` with environments qa -> edge -> live (not alphabetical,
so the order can only come from the inventory), one region each; every test releases its own app.
"""

import calendar
import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
ROLLOUT = os.path.join(REPO, "playbooks", "rollout.yml")
NAMESPACE = "default"
ENVIRONMENTS = ["qa", "edge", "live"]
FLEET = {"environment_sets": {"shop": {"environments": ENVIRONMENTS, "regions": ["r1"]}}}
SOAK = 8


def member(env):
    return "shop-%s-r1" % env


@pytest.fixture(scope="module")
def fleet(fleetsim_session_fleet):
    return fleetsim_session_fleet(FLEET, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="200ms")


def client(fleet, cluster):
    return get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[cluster].context})


def deploy_v1(fleet, app, replicas=2):
    labels = {"app": app, "version": "1"}
    for env in ENVIRONMENTS:
        api = client(fleet, member(env))
        api.create({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app, "namespace": NAMESPACE, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": app, "image": "registry.example.com/%s:1" % app,
                                         "ports": [{"name": "http", "containerPort": 8080}]}]}}}})
        api.create({
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": NAMESPACE},
            "spec": {"selector": {"app": app}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    deadline = time.time() + 90
    for env in ENVIRONMENTS:
        while (client(fleet, member(env)).get("apps/v1", "Deployment", NAMESPACE, app).get("status") or {}).get(
                "readyReplicas") != replicas:
            assert time.time() < deadline, "version 1 of %s never became ready in %s" % (app, member(env))
            time.sleep(0.5)


def app_deployments(fleet, env, app):
    found = client(fleet, member(env)).list("apps/v1", "Deployment", NAMESPACE, label_selector="app=%s" % app)
    return found["items"] if isinstance(found, dict) else found


def running(fleet, env, app):
    """{version: ready pods} of the app's Deployments in an environment's cluster."""
    return {d["spec"]["template"]["metadata"]["labels"]["version"]: (d.get("status") or {}).get("readyReplicas", 0)
            for d in app_deployments(fleet, env, app)}


def annotation(fleet, env, app, key):
    (deployment,) = app_deployments(fleet, env, app)
    return deployment["metadata"]["annotations"]["progressive.delivery/" + key]


def epoch(timestamp):
    return calendar.timegm(time.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ"))


def write_inventory(tmp_path, fleet, cluster_vars=None):
    (tmp_path / "shop.yml").write_text(yaml.safe_dump(FLEET))
    config = {"plugin": "progressive.delivery.fleet", "fleet_file": str(tmp_path / "shop.yml"), "fleetsim_state_dir": str(fleet.state_dir)}
    if cluster_vars:
        config["clusters"] = {name: {"vars": v} for name, v in cluster_vars.items()}
    path = tmp_path / "inventory" / "shop.fleet.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    return str(path)


def release_vars(app, version, **more):
    # Fast gates for the simulated fleet; a bad version is caught by the smoke test of the canary Service.
    values = {
        "environment_promotion_set": "shop", "multicluster_release_app": app, "multicluster_release_version": version,
        "multicluster_release_namespace": NAMESPACE, "multicluster_release_waves": ["100%"],
        "environment_promotion_soak_seconds": SOAK, "canary_release_strategy": "weights", "canary_release_weights": [100],
        "canary_release_metric_gate_enabled": False, "canary_release_pod_health_gate_enabled": False,
        "canary_release_smoke_requests": 4, "canary_release_wait_timeout": 120, "canary_release_lock_owner": "pytest",
        "canary_release_image": "registry.example.com/%s:%s" % (app, version),
        "multicluster_release_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
        "multicluster_release_mcs_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
    }
    values.update(more)
    return values


def ansible_env():
    env = dict(os.environ)
    env.update({"ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".venv", "collections"),
                "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
                "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true", "ANSIBLE_NOCOLOR": "1",
                "PATH": BIN + os.pathsep + env.get("PATH", "")})
    return env


def rollout(inventory, extravars):
    result = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, ROLLOUT, "-e", json.dumps(extravars)],
                            capture_output=True, text=True, env=ansible_env(), timeout=600, check=False)
    return result.returncode, result.stdout + result.stderr


def test_rollout_through_ansible_runner_follows_inventory_order_and_soaks(fleet, tmp_path):
    ansible_runner = pytest.importorskip("ansible_runner")
    deploy_v1(fleet, "cart")
    inventory = write_inventory(tmp_path, fleet)
    (tmp_path / "runner").mkdir()
    result = ansible_runner.run(
        private_data_dir=str(tmp_path / "runner"), playbook=ROLLOUT, inventory=inventory,
        extravars=release_vars("cart", "2"), envvars=ansible_env(), quiet=True, timeout=600)

    assert (result.status, result.rc) == ("successful", 0), result.stdout.read()[-3000:]
    artifacts = os.path.join(str(tmp_path / "runner"), "artifacts", result.config.ident)
    assert open(os.path.join(artifacts, "rc")).read().strip() == "0"
    assert open(os.path.join(artifacts, "status")).read().strip() == "successful"
    messages = [e["event_data"]["res"].get("msg") for e in result.events
                if e["event"] == "runner_on_ok" and e["event_data"].get("task") == "Promotion gate passed"]
    assert [m.split(":")[0] for m in messages] == ["promote cart 2 from shop_qa to shop_edge",
                                                   "promote cart 2 from shop_edge to shop_live"]
    # every cluster runs version 2; each environment started only after the previous one soaked
    for env in ENVIRONMENTS:
        assert running(fleet, env, "cart") == {"2": 2}
    for before, after in zip(ENVIRONMENTS, ENVIRONMENTS[1:]):
        soaked = epoch(annotation(fleet, after, "cart", "started-at")) - epoch(annotation(fleet, before, "cart", "completed-at"))
        assert soaked >= SOAK, "%s started %ss after %s completed (soak %ss)" % (after, soaked, before, SOAK)


def test_version_failing_in_edge_never_reaches_live_and_is_refused(fleet, tmp_path):
    deploy_v1(fleet, "api")
    # version 2 answers errors in edge only (e.g. a dependency that only edge has)
    inventory = write_inventory(tmp_path, fleet, {member("edge"): {"canary_release_template_overrides": {
        "metadata": {"annotations": {"fleetsim.io/error-rate": "1"}}}}})
    rc, output = rollout(inventory, release_vars("api", "2", environment_promotion_soak_seconds=0))

    assert rc != 0, output[-3000:]
    assert "rolled back" in output
    assert running(fleet, "qa", "api") == {"2": 2}
    assert running(fleet, "edge", "api") == {"1": 2}
    assert running(fleet, "live", "api") == {"1": 2}  # never touched
    live = app_deployments(fleet, "live", "api")[0]
    qa_version = app_deployments(fleet, "qa", "api")[0]["metadata"]["resourceVersion"]

    rc, output = rollout(inventory, release_vars("api", "2", environment_promotion_soak_seconds=0))
    assert rc != 0
    assert "api 2 is refused: it was rejected in shop-edge-r1" in output
    assert app_deployments(fleet, "live", "api")[0]["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]
    assert app_deployments(fleet, "qa", "api")[0]["metadata"]["resourceVersion"] == qa_version


def test_resume_after_an_interruption_between_environments(fleet, tmp_path):
    deploy_v1(fleet, "shop")
    inventory = write_inventory(tmp_path, fleet)
    gated = release_vars("shop", "2", environment_promotion_soak_seconds=0, environment_promotion_approval=True,
                         environment_promotion_approval_timeout=3, environment_promotion_approval_poll_interval=1)
    rc, output = rollout(inventory, gated)
    # stopped at the gate into edge: nobody approved in time
    assert rc != 0 and "no decision on shop 2" in output, output[-3000:]
    assert running(fleet, "qa", "shop") == {"2": 2}
    assert running(fleet, "edge", "shop") == {"1": 2}
    qa_version = app_deployments(fleet, "qa", "shop")[0]["metadata"]["resourceVersion"]

    approval = {"data": {"approved-version": "2"}}
    client(fleet, "shop-edge-config").patch("v1", "ConfigMap", NAMESPACE, "shop-promotion-edge", approval)
    client(fleet, "shop-live-config").create({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shop-promotion-live", "namespace": NAMESPACE},
        "data": {"approved-version": "2"}})
    rc, output = rollout(inventory, gated)

    assert rc == 0, output[-3000:]
    assert "shop_qa verified (already runs it healthy everywhere); shop_edge stage 2; shop_live stage 3" in output
    assert app_deployments(fleet, "qa", "shop")[0]["metadata"]["resourceVersion"] == qa_version  # verified, not redone
    for env in ENVIRONMENTS:
        assert running(fleet, env, "shop") == {"2": 2}
