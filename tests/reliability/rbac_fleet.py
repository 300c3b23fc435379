"""A fleetsim cluster where the release runs as a non-admin user holding only docs/rbac's rules."""

import copy
import os

import yaml

from ansible_collections.progressive.delivery.tests.support.release_fleet import ReleaseFleet

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RBAC_DOCS = os.path.join(REPO, "docs", "rbac")
RBAC = "rbac.authorization.k8s.io"
USER = "release-bot"


def shipped(filename):
    with open(os.path.join(RBAC_DOCS, filename)) as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


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
    """ReleaseFleet whose module runs authenticate as USER (K8S_AUTH_API_KEY, the AWX way); the
    app itself is deployed with the admin kubeconfig, like a platform team would."""

    def __init__(self, fleet, cluster, workdir, cluster_role, namespace="default"):
        super().__init__(fleet, cluster, workdir)
        self.runtime_cluster = fleet.runtime.clusters[cluster]
        self.token = fleet.call(lambda: self.runtime_cluster.add_user(USER))
        self.env["K8S_AUTH_API_KEY"] = self.token
        api = self.runtime_cluster.api
        binding = {"apiVersion": RBAC + "/v1", "kind": "RoleBinding",
                   "metadata": {"name": "progressive-delivery", "namespace": namespace},
                   "subjects": [{"apiGroup": RBAC, "kind": "User", "name": USER}],
                   "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": cluster_role["metadata"]["name"]}}
        fleet.call(lambda: api.create("clusterroles." + RBAC, copy.deepcopy(cluster_role)))
        fleet.call(lambda: api.create("rolebindings." + RBAC, binding, namespace=namespace))

    @property
    def requests(self):
        return self.runtime_cluster.server.requests

    def user_writes(self, succeeded=True):
        return self.requests.writes(succeeded=succeeded, user=USER)
