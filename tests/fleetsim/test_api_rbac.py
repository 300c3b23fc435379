"""Authorization: the admin token belongs to system:masters; other users get what RBAC grants
them, with the real 403 messages, and `kubectl auth can-i/whoami` answer accordingly."""
from __future__ import annotations

import pytest
import requests
import yaml


@pytest.fixture(scope="module")
def jane(api_cluster, tmp_path_factory):
    token = api_cluster.call(lambda: api_cluster.cluster.add_user("jane", ["devs"]))
    config = yaml.safe_load(api_cluster.kubeconfig.read_text())
    config["users"][0]["user"]["token"] = token
    path = tmp_path_factory.mktemp("jane") / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return {"token": token, "kubeconfig": path}


def as_jane(api_cluster, jane, *args, stdin=None):
    import subprocess
    from conftest import KUBECTL
    return subprocess.run([KUBECTL, "--kubeconfig", str(jane["kubeconfig"]), *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_unbound_user_is_forbidden_with_the_real_message(api_cluster, jane):
    r = requests.get(f"{api_cluster.url}/apis/apps/v1/namespaces/default/deployments",
                     headers={"Authorization": f"Bearer {jane['token']}"}, verify=api_cluster.cluster.ca_file,
                     timeout=10)
    assert r.status_code == 403
    assert r.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": 'deployments.apps is forbidden: User "jane" cannot list resource "deployments" '
                                   'in API group "apps" in the namespace "default"',
                        "reason": "Forbidden", "details": {"group": "apps", "kind": "deployments"}, "code": 403}
    # Discovery stays open to every authenticated user (system:discovery).
    assert requests.get(f"{api_cluster.url}/apis", headers={"Authorization": f"Bearer {jane['token']}"},
                        verify=api_cluster.cluster.ca_file, timeout=10).status_code == 200


@pytest.fixture(scope="module")
def devs_read_configmaps(api_cluster):
    api_cluster.kubectl("apply", "-f", "-", stdin="""
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cm-reader, namespace: default}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs-read-cm, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cm-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: devs}
""")


def test_role_binding_grants_exactly_its_rules(api_cluster, jane, devs_read_configmaps):
    assert as_jane(api_cluster, jane, "get", "configmaps", "-n", "default").returncode == 0
    denied = as_jane(api_cluster, jane, "get", "configmaps", "-n", "kube-system")
    assert denied.returncode != 0 and 'cannot list resource "configmaps" in API group "" in the namespace ' \
                                      '"kube-system"' in denied.stderr
    create = as_jane(api_cluster, jane, "create", "configmap", "x", "-n", "default")
    assert create.returncode != 0 and 'cannot create resource "configmaps"' in create.stderr


def test_kubectl_auth_can_i_and_whoami(api_cluster, jane, devs_read_configmaps):
    assert api_cluster.kubectl("auth", "can-i", "delete", "nodes").stdout.strip() == "yes"
    no = as_jane(api_cluster, jane, "auth", "can-i", "delete", "nodes")
    assert no.stdout.strip() == "no" and no.returncode == 1
    # The review carries verb, resource and namespace correctly.
    assert as_jane(api_cluster, jane, "auth", "can-i", "list", "configmaps", "-n", "default").stdout.strip() == "yes"
    assert as_jane(api_cluster, jane, "auth", "can-i", "list", "configmaps", "-n", "kube-system").stdout.strip() == "no"
    assert as_jane(api_cluster, jane, "auth", "can-i", "create", "configmaps", "-n", "default").stdout.strip() == "no"
    who = as_jane(api_cluster, jane, "auth", "whoami", "-o", "yaml")
    info = yaml.safe_load(who.stdout)["status"]["userInfo"]
    assert info["username"] == "jane" and "devs" in info["groups"]


def test_kubectl_auth_can_i_list_shows_the_granted_rules(api_cluster, jane, devs_read_configmaps):
    out = as_jane(api_cluster, jane, "auth", "can-i", "--list", "-n", "default").stdout
    rows = [line.split() for line in out.splitlines()]
    assert ["configmaps", "[]", "[]", "[get", "list]"] in rows
    assert any(r[0] == "selfsubjectaccessreviews.authorization.k8s.io" for r in rows if r)
    elsewhere = as_jane(api_cluster, jane, "auth", "can-i", "--list", "-n", "kube-system").stdout
    assert "configmaps" not in elsewhere
