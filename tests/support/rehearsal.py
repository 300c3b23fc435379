"""The real fleet of the rehearsal tests (playbooks/rehearse.yml): its members, web 1 deployed in them, what
they hold (resourceVersions) and a rehearsal run as a user runs it."""

import json
import os
import subprocess
import sys
import time

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
APP, NAMESPACE = "web", "shop"
ENVIRONMENTS = ["dev", "staging", "prod"]
REGIONS = ["us-east1", "europe-west1"]
FLEET = {"simulation": {"namespaces": ["default", NAMESPACE]},
         "environment_sets": {"services": {"environments": ENVIRONMENTS, "regions": REGIONS},
                              "batch": {"environments": ENVIRONMENTS, "regions": REGIONS}}}
MEMBERS = ["services-%s-%s" % (env, region) for env in ENVIRONMENTS for region in REGIONS]
READS = {"get", "list", "watch"}
REVIEW_GROUPS = {"authorization.k8s.io", "authentication.k8s.io"}


def api(fleet, cluster):
    return get_client({"kubeconfig": str(fleet.kubeconfig), "context": fleet.clusters[cluster].context})


def deploy_v1(fleet, replicas=2):
    labels = {"app": APP, "version": "1"}
    for cluster in MEMBERS:
        api(fleet, cluster).create({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": APP, "namespace": NAMESPACE, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": APP, "image": "registry.example.com/web:1",
                                         "ports": [{"name": "http", "containerPort": 8080}]}]}}}})
        api(fleet, cluster).create({
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": APP, "namespace": NAMESPACE},
            "spec": {"selector": {"app": APP}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    deadline = time.time() + 60
    for cluster in MEMBERS:
        while (api(fleet, cluster).get("apps/v1", "Deployment", NAMESPACE, APP).get("status") or {}).get("readyReplicas") != replicas:
            assert time.time() < deadline, "version 1 never became ready in %s" % cluster
            time.sleep(0.3)


def resource_versions(fleet):
    found = {}
    for cluster in MEMBERS:
        for kind, api_version in (("Deployment", "apps/v1"), ("Service", "v1"), ("ReplicaSet", "apps/v1"), ("Pod", "v1")):
            for item in api(fleet, cluster).list(api_version, kind, NAMESPACE).get("items") or []:
                found[(cluster, kind, item["metadata"]["name"])] = item["metadata"]["resourceVersion"]
    return found


def rehearse(tmp_path, inventory, extravars):
    env = dict(os.environ)
    env.update({"ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".venv", "collections"),
                "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"), "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true",
                "ANSIBLE_NOCOLOR": "1", "PATH": BIN + os.pathsep + env.get("PATH", "")})
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, os.path.join(REPO, "playbooks", "rehearse.yml"),
                           "-e", json.dumps(extravars)], capture_output=True, text=True, env=env, timeout=540,
                          cwd=str(tmp_path), check=False)
    return proc.returncode, proc.stdout + proc.stderr
