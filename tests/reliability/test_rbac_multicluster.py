"""Least privilege on the config cluster and for ServiceExport: the multi-cluster modules run as a
user holding only docs/rbac/config-cluster.yaml (config cluster) and member-cluster.yaml (member),
and the API servers never answer 403."""

import copy
import json
import os
import subprocess
import sys

from ansible_collections.progressive.delivery.tests.reliability import results
from ansible_collections.progressive.delivery.tests.reliability.rbac_fleet import RBAC, USER, shipped
from ansible_collections.progressive.delivery.tests.support.release_fleet import REPO, app_deployment, app_service

ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")
REGIONS = ["us-east1", "europe-west1"]
CONFIG, MEMBER = "mc-dev-config", "mc-dev-us-east1"
LINKS = ["%s/mc-dev-%s" % (r, r) for r in REGIONS]


def grant(fleet, cluster, documents, token):
    """Create the shipped objects on the cluster and bind them to USER (RoleBinding in their namespace,
    `default` for the ClusterRoles)."""
    runtime = fleet.runtime.clusters[cluster]
    api = runtime.api
    fleet.call(lambda: runtime.add_user(USER, token=token))
    for doc in documents:
        kind, namespace = doc["kind"], doc["metadata"].get("namespace", "default")
        resource = "clusterroles." + RBAC if kind == "ClusterRole" else "roles." + RBAC
        fleet.call(lambda d=doc, r=resource, k=kind: api.create(r, copy.deepcopy(d), namespace=None if k == "ClusterRole"
                                                                else d["metadata"]["namespace"]))
        binding = {"apiVersion": RBAC + "/v1", "kind": "RoleBinding",
                   "metadata": {"name": "progressive-delivery-" + doc["metadata"]["name"], "namespace": namespace},
                   "subjects": [{"apiGroup": RBAC, "kind": "User", "name": USER}],
                   "roleRef": {"apiGroup": RBAC, "kind": kind, "name": doc["metadata"]["name"]}}
        fleet.call(lambda b=binding, ns=namespace: api.create("rolebindings." + RBAC, b, namespace=ns))


def test_multicluster_modules_with_only_the_shipped_rules(fleetsim_fleet, tmp_path):
    with results.scenario("rbac: multi-cluster modules with only docs/rbac config + member rules") as row:
        fleet = fleetsim_fleet({"environment_sets": {"mc": {"environments": ["dev"], "regions": REGIONS}}},
                               clock_speed=10, pod_ready_delay="1s")
        token = "release-bot-token-" + os.urandom(8).hex()
        grant(fleet, CONFIG, shipped("config-cluster.yaml") + shipped("config-cluster-memberships.yaml"), token)
        for region in REGIONS:
            grant(fleet, "mc-dev-" + region, shipped("member-cluster.yaml"), token)
            api = fleet.runtime.clusters["mc-dev-" + region].api
            fleet.call(lambda a=api: a.create("deployments.apps", app_deployment("web", "1", 1), namespace="default"))
            fleet.call(lambda a=api: a.create("services", app_service("web"), namespace="default"))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".venv", "collections"),
                   ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="json",
                   ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_LOCALHOST_WARNING="0",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="0", K8S_AUTH_KUBECONFIG=str(fleet.kubeconfig),
                   K8S_AUTH_API_KEY=token)

        def run(module, context, **args):
            proc = subprocess.run([ANSIBLE, "localhost", "-m", "progressive.delivery." + module, "-a",
                                   json.dumps(dict(args, context=context, namespace="default", wait_timeout=60))],
                                  env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
            result = json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
            assert result.get("failed") is not True, "%s on %s: %s" % (module, context, result.get("msg"))
            return result

        run("service_export", MEMBER, name="web")
        run("multicluster_service", CONFIG, name="web", selector={"app": "web"}, ports=[{"name": "http", "port": 8080}],
            clusters=LINKS)
        run("multicluster_ingress", CONFIG, name="web", default_backend={"service_name": "web", "service_port": 8080})
        run("multicluster_ingress", CONFIG, name="web", state="absent")
        run("multicluster_service", CONFIG, name="web", state="absent")
        run("service_export", MEMBER, name="web", state="absent")
        denied = ["%s: %s" % (name, r.rule) for name, c in fleet.runtime.clusters.items()
                  for r in c.server.requests.snapshot() if r.user == USER and r.status == 403]
        writes = sum(len(c.server.requests.writes(succeeded=True, user=USER)) for c in fleet.runtime.clusters.values())
        assert writes >= 6, "the modules did not write as %s (%d writes)" % (USER, writes)
        row.notes = "%d writes as %s, %d denied" % (writes, USER, len(denied))
        assert denied == [], denied
