"""A fleetsim cluster where the release runs as a non-admin user holding only docs/rbac's rules."""

import copy
import os
import shutil
import subprocess

import yaml

from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RBAC_DOCS = os.path.join(REPO, "docs", "rbac")
RBAC = "rbac.authorization.k8s.io"
USER = "release-bot"
# The release identity docs/rbac describes: a ServiceAccount in the app's namespace whose token comes
# from serviceaccounts/token (`kubectl create token`), as an AWX credential would carry it.
SERVICE_ACCOUNT = "release-bot"
KUBECTL = os.environ.get("KUBECTL", shutil.which("kubectl") or "/usr/bin/kubectl")


def service_account_user(namespace, name=SERVICE_ACCOUNT):
    return "system:serviceaccount:%s:%s" % (namespace, name)


def shipped(filename):
    """The objects of a shipped manifest (a List's items taken out, as kubectl apply takes them)."""
    with open(os.path.join(RBAC_DOCS, filename)) as handle:
        docs = [doc for doc in yaml.safe_load_all(handle) if doc]
    return [item for doc in docs for item in (doc.get("items") or [] if doc.get("kind") == "List" else [doc])]


def without(cluster_role, api_group, resource, verb):
    """The ClusterRole with one verb taken away from the rule that grants it on resource."""
    role = copy.deepcopy(cluster_role)
    for rule in role["rules"]:
        if api_group in rule.get("apiGroups", []) and resource in rule.get("resources", []) and verb in rule["verbs"]:
            others = [r for r in rule["resources"] if r != resource]
            if others:  # split the rule so the other resources keep the verb
                role["rules"].append(dict(rule, resources=[resource], verbs=[v for v in rule["verbs"] if v != verb]))
                rule["resources"] = others
            else:
                rule["verbs"] = [v for v in rule["verbs"] if v != verb]
            return role
    raise AssertionError("no shipped rule grants %s %s (%s)" % (verb, resource, api_group or "core"))


def permissions(cluster_role):
    """Every (api_group, resource, verb) the ClusterRole grants."""
    return [(group, resource, verb) for rule in cluster_role["rules"] for group in rule.get("apiGroups", [])
            for resource in rule.get("resources", []) for verb in rule["verbs"]]


class RbacReleaseFleet(ReleaseFleet):
    """ReleaseFleet whose module runs authenticate as the ServiceAccount release-bot with a token
    from `kubectl create token` (K8S_AUTH_API_KEY, the AWX way), bound to the rules under test as
    docs/rbac/rolebinding-example.yaml binds them; the app itself is deployed with the admin
    kubeconfig, like a platform team would."""

    def __init__(self, fleet, cluster, workdir, cluster_role, namespace="default"):
        super().__init__(fleet, cluster, workdir)
        self.runtime_cluster = fleet.runtime.clusters[cluster]
        self.user = service_account_user(namespace)
        api = self.runtime_cluster.api
        example = shipped("rolebinding-example.yaml")
        account = next(d for d in example if d["kind"] == "ServiceAccount")
        binding = next(d for d in example if d["kind"] == "RoleBinding")
        account["metadata"]["namespace"] = binding["metadata"]["namespace"] = namespace
        for subject in binding["subjects"]:
            subject["namespace"] = namespace
        binding["roleRef"]["name"] = cluster_role["metadata"]["name"]
        fleet.call(lambda: api.create("clusterroles." + RBAC, copy.deepcopy(cluster_role)))
        fleet.call(lambda: api.create("serviceaccounts", account, namespace=namespace))
        fleet.call(lambda: api.create("rolebindings." + RBAC, binding, namespace=namespace))
        self.token = self.create_token(namespace)
        self.env["K8S_AUTH_API_KEY"] = self.token

    def create_token(self, namespace):
        """What docs/rbac tells users: kubectl create token (a TokenRequest on serviceaccounts/token)."""
        proc = subprocess.run([KUBECTL, "--kubeconfig", str(self.fleet.kubeconfig), "--context", self.cluster,
                               "-n", namespace, "create", "token", SERVICE_ACCOUNT, "--duration=2h"],
                              capture_output=True, text=True, timeout=60, check=True)
        return proc.stdout.strip()

    @property
    def requests(self):
        return self.runtime_cluster.server.requests

    def user_writes(self, succeeded=True):
        return self.requests.writes(succeeded=succeeded, user=self.user)
