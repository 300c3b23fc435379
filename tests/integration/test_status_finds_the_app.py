"""playbooks/status.yml finds the app: without a namespace it searches every namespace the credentials can list,
prints one line per cluster (version, split, state, age), and says in one line when the app is nowhere."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.release.app_watch import wait_rolled_out
from ansible_collections.progressive.delivery.tests.support.release_fleet import app_deployment, app_service

pytestmark = pytest.mark.timeout(300)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = {"environment_sets": {"shop": {"environments": ["dev", "prod"], "regions": ["us-east1"]}}}
VERSIONS = {"shop-dev-us-east1": "2", "shop-prod-us-east1": "1"}


@pytest.fixture(scope="module")
def shop(fleetsim_session_fleet, tmp_path_factory):
    """web in namespace shop (version 2 in dev, 1 in prod); nothing in default."""
    fleet = fleetsim_session_fleet(SPEC, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s", seed=17)
    workdir = tmp_path_factory.mktemp("status-finds")
    hosts = {}
    for name, info in fleet.clusters.items():
        if info.role != "member":
            continue
        client = get_client({"kubeconfig": str(fleet.kubeconfig), "context": info.context})
        if client.get("v1", "Namespace", None, "shop") is None:
            client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
        if client.get("apps/v1", "Deployment", "shop", "web") is None:
            client.create(app_deployment("web", VERSIONS[name], 2, namespace="shop"))
            client.create(app_service("web", namespace="shop"))
        wait_rolled_out(client, timeout=60, sleep=1, deployment=client.get("apps/v1", "Deployment", "shop", "web"))
        hosts[name] = {"fleet_cluster": name, "fleet_set": info.set, "fleet_environment": info.environment,
                       "fleet_environment_index": ["dev", "prod"].index(info.environment), "fleet_region": info.region,
                       "fleet_role": "member", "fleet_kubeconfig": str(fleet.kubeconfig), "fleet_context": info.context,
                       "ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    (workdir / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    return workdir


def status(workdir, **extra):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"))
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                           str(workdir / "inventory.yml"), os.path.join(REPO, "playbooks", "status.yml"),
                           "-e", json.dumps(extra)],
                          env=env, cwd=str(workdir), capture_output=True, text=True, timeout=240, check=False)


def test_without_a_namespace_status_finds_the_app_in_shop(shop):
    rows_path = shop / "rows.json"
    proc = status(shop, release_app="web", fleet_status_json_path=str(rows_path))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    rows = {r["cluster"]: r for r in json.loads(rows_path.read_text())}
    assert {c: r["version"] for c, r in rows.items()} == VERSIONS
    assert {r["namespace"] for r in rows.values()} == {"shop"}
    lines = dict((line.split()[3], line) for line in re.findall(r'"(shop +(?:dev|prod) .*?)",?\n', proc.stdout))
    for cluster, version in VERSIONS.items():
        # one line per cluster: namespace, version, split (stable/canary pods), state, age (- when the stable's
        # start is unknown: a Deployment never released through the modules has no stable_since)
        assert re.search(r"%s +shop +%s +2/0 +steady +(\d+[smhd]|-) " % (cluster, version), lines[cluster]), lines[cluster]


def test_the_fleet_status_app_name_still_works(shop):
    proc = status(shop, fleet_status_app="web", fleet_status_namespace="shop")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(r"shop-prod-us-east1 +shop +1 +2/0 +steady", proc.stdout), proc.stdout[-3000:]


def test_a_wrong_app_or_namespace_is_said_in_one_line(shop):
    proc = status(shop, release_app="webx")
    assert proc.returncode != 0
    said = [line for line in proc.stdout.splitlines() if "no app webx" in line]
    assert len(said) == 1 and "in any namespace of the 2 clusters" in said[0] and "check release_app" in said[0], \
        proc.stdout[-3000:]
    proc = status(shop, release_app="web", release_namespace="default")
    said = [line for line in proc.stdout.splitlines() if "no app web in namespace default" in line]
    assert proc.returncode != 0 and len(said) == 1 and "set release_namespace" in said[0], proc.stdout[-3000:]
