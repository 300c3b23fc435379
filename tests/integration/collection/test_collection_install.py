"""galaxy.yml declares every collection the collection needs at run time.

`make build` makes the tarball; it is installed offline into an empty collections path together with only
the collections galaxy.yml declares (taken from the `ansible` package, the only source there is offline), and
playbooks/release.yml - run the way a user of the installed collection runs it, `ansible-playbook
progressive.delivery.release` - releases version 2 of an app on a fleetsim cluster found by the installed
`progressive.delivery.fleet` inventory plugin. Nothing else is visible to Ansible: no ansible.cfg of the
checkout, no .venv/collections, no collections of the `ansible` package (COLLECTIONS_SCAN_SYS_PATH off).
The same run without the declared dependencies must fail, or the isolation proves nothing.
"""

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.tests.support.release_fleet import app_deployment, app_service

pytestmark = pytest.mark.timeout(600)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)
FLEET = {"environment_sets": {"shop": {"environments": ["dev"], "regions": ["r1"]}}}
MEMBER = "shop-dev-r1"


def sys_path_collections():
    """Where the `ansible` package keeps its collections (site-packages/ansible_collections)."""
    for entry in sys.path:
        if entry and os.path.isfile(os.path.join(entry, "ansible_collections", "kubernetes", "core", "MANIFEST.json")):
            return entry
    raise AssertionError("no ansible_collections with kubernetes.core on sys.path: is the ansible package installed?")


def run(args, env, cwd, timeout=300):
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, check=False)


def isolated_env(collections, config):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "K8S_AUTH_"))}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_CONFIG=str(config), ANSIBLE_NOCOLOR="1", ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
               PATH=BIN + os.pathsep + env.get("PATH", ""))
    return env


@pytest.fixture(scope="module")
def declared():
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("dependencies") or {}


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    proc = run(["make", "-s", "build", "BUILD_DIR=%s" % out], dict(os.environ), REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = out.glob("progressive-delivery-*.tar.gz")
    return built


@pytest.fixture(scope="module")
def installs(tmp_path_factory, tarball, declared):
    """Two empty collections paths: the tarball with its declared dependencies, and the tarball alone."""
    work = tmp_path_factory.mktemp("install")
    config = work / "ansible.cfg"
    config.write_text("[defaults]\n")
    source = sys_path_collections()
    full, bare = work / "full", work / "bare"
    for path in (full, bare):
        path.mkdir()
    dependencies = []
    for fqcn in declared:
        namespace, name = fqcn.split(".")
        where = os.path.join(source, "ansible_collections", namespace, name)
        assert os.path.isdir(where), "%s is declared in galaxy.yml but the ansible package has no copy" % fqcn
        dependencies.append(where)
    # One resolver run: ansible-galaxy checks each declared range against the copy it is given, offline.
    proc = run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", str(full),
                str(tarball)] + dependencies, isolated_env(full, config), str(work))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-p",
                str(bare), str(tarball)], isolated_env(bare, config), str(work))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"full": full, "bare": bare, "config": config, "work": work}


def installed_collections(path):
    root = path / "ansible_collections"
    return sorted("%s.%s" % (ns.name, c.name) for ns in root.iterdir() if ns.is_dir()
                  for c in ns.iterdir() if (c / "MANIFEST.json").is_file())


def test_galaxy_yml_declares_kubernetes_core_in_a_range_the_tests_use(declared):
    # The roles call kubernetes.core.k8s / k8s_info / k8s_scale; a range must be given, not "*".
    assert "kubernetes.core" in declared and declared["kubernetes.core"].startswith(">=")


def test_offline_install_holds_only_the_collection_and_its_declared_dependencies(installs, declared):
    assert installed_collections(installs["full"]) == sorted(["progressive.delivery"] + list(declared))
    manifest = json.loads((installs["full"] / "ansible_collections" / "progressive" / "delivery" / "MANIFEST.json")
                          .read_text())
    assert manifest["collection_info"]["dependencies"] == declared


@pytest.fixture(scope="module")
def fleet_inventory(fleetsim_session_fleet, tmp_path_factory):
    """A one-cluster fleet with web version 1 running, and the fleet inventory that finds it."""
    fleet = fleetsim_session_fleet(FLEET, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s", seed=5)
    client = get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[MEMBER].context})
    client.create(app_deployment("web", "1", 2))
    client.create(app_service("web"))
    deadline = time.monotonic() + 90
    while (client.get("apps/v1", "Deployment", "default", "web").get("status") or {}).get("readyReplicas") != 2:
        assert time.monotonic() < deadline, "version 1 never became ready"
        time.sleep(0.3)
    work = tmp_path_factory.mktemp("fleet-inventory")
    (work / "shop.yml").write_text(yaml.safe_dump(FLEET))
    inventory = work / "shop.fleet.yml"
    inventory.write_text(yaml.safe_dump({"plugin": "progressive.delivery.fleet", "fleet_file": str(work / "shop.yml"),
                                         "fleetsim_state_dir": str(fleet.state_dir)}))
    return fleet, client, str(inventory)


RELEASE_VARS = {
    "release_hosts": "shop_dev", "multicluster_release_app": "web", "multicluster_release_version": "2",
    "multicluster_release_namespace": "default", "multicluster_release_waves": ["100%"],
    "canary_release_image": "registry.example.com/web:2", "canary_release_strategy": "weights",
    "canary_release_weights": [50, 100], "canary_release_metric_gate_enabled": False,
    "canary_release_smoke_requests": 4, "canary_release_wait_timeout": 120, "canary_release_lock_owner": "pytest",
    "multicluster_release_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
    "multicluster_release_mcs_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
}


def release(installs, which, inventory):
    env = isolated_env(installs[which], installs["config"])
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    return run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, "progressive.delivery.release",
                "-e", json.dumps(RELEASE_VARS)], env, str(installs["work"]), timeout=420)


def every_role_task_file(root):
    """(role, tasks file) for every tasks file of every role of the installed collection."""
    found = []
    for role in sorted((root / "roles").iterdir()):
        for tasks in sorted((role / "tasks").glob("*.yml")):
            found.append((role.name, tasks.stem))
    return found


def syntax_check_everything(installs, which):
    """--syntax-check of a playbook that statically imports every tasks file of every role (so every action and
    module name in them is resolved) and of every playbook of the collection, against one install."""
    root = installs[which] / "ansible_collections" / "progressive" / "delivery"
    plays = [{"name": "%s %s" % (role, tasks), "hosts": "localhost", "gather_facts": False,
              "tasks": [{"ansible.builtin.import_role": {"name": "progressive.delivery." + role, "tasks_from": tasks}}]}
             for role, tasks in every_role_task_file(root)]
    playbook = installs["work"] / ("every-role-%s.yml" % which)
    playbook.write_text(yaml.safe_dump(plays))
    env = isolated_env(installs[which], installs["config"])
    results = [run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", str(playbook)], env, str(installs["work"]))]
    for path in sorted((root / "playbooks").glob("*.yml")):
        results.append(run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", "progressive.delivery." + path.stem],
                           env, str(installs["work"])))
    return plays, results


def test_every_role_and_playbook_resolves_with_the_declared_dependencies_alone(installs):
    plays, results = syntax_check_everything(installs, "full")
    assert len(plays) > 20  # every tasks file of every role was imported
    for proc in results:
        assert proc.returncode == 0, " ".join(proc.args) + "\n" + proc.stdout[-3000:] + proc.stderr[-3000:]


def test_without_the_declared_dependencies_the_roles_do_not_resolve(installs, declared):
    # The control: the same check against the tarball alone fails on a module of a declared collection, so the
    # install really is isolated and the declaration is needed.
    plays, results = syntax_check_everything(installs, "bare")
    output = results[0].stdout + results[0].stderr
    assert results[0].returncode != 0
    assert any(fqcn in output for fqcn in declared), output[-3000:]


def test_installed_collection_with_declared_dependencies_releases_on_fleetsim(installs, fleet_inventory):
    fleet, client, inventory = fleet_inventory
    proc = release(installs, "full", inventory)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    deployments = client.list("apps/v1", "Deployment", "default", label_selector="app=web")
    items = deployments["items"] if isinstance(deployments, dict) else deployments
    running = {d["spec"]["template"]["metadata"]["labels"]["version"]: (d.get("status") or {}).get("readyReplicas")
               for d in items}
    assert running == {"2": 2}, running
