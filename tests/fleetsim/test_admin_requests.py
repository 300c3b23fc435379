"""GET /admin/requests: what each cluster's API server was asked, by verb and resource (the API
cost benchmark reads it before and after every task)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import kubernetes
import pytest

SPEC = {"environment_sets": {"web": {"environments": ["dev"], "regions": ["us-east1", "europe-west1"]}}}


def admin_get(fleet, path, token=None):
    request = urllib.request.Request(f"{fleet.admin_url}{path}",
                                     headers={"Authorization": f"Bearer {token or fleet.admin_token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_counts_each_cluster_by_verb_and_resource(fleetsim_fleet):
    fleet = fleetsim_fleet(SPEC)
    before = admin_get(fleet, "/requests?cluster=web-dev-us-east1")["clusters"]["web-dev-us-east1"]
    client = kubernetes.config.new_client_from_config(str(fleet.kubeconfig), context="web-dev-us-east1")
    core = kubernetes.client.CoreV1Api(client)
    core.create_namespaced_config_map("default", {"metadata": {"name": "a"}, "data": {"k": "1"}})
    core.patch_namespaced_config_map("a", "default", {"data": {"k": "2"}})
    core.read_namespaced_config_map("a", "default")
    core.list_namespaced_pod("default")
    after = admin_get(fleet, "/requests")["clusters"]
    counts = after["web-dev-us-east1"]["by_verb_resource"]
    assert {key: counts.get(key, 0) - before["by_verb_resource"].get(key, 0)
            for key in ("create configmaps", "patch configmaps", "get configmaps", "list pods")} == {
        "create configmaps": 1, "patch configmaps": 1, "get configmaps": 1, "list pods": 1}
    assert after["web-dev-us-east1"]["total"] - before["total"] == 4
    # The other cluster was not asked anything by this client.
    assert "create configmaps" not in after["web-dev-europe-west1"]["by_verb_resource"]
    assert set(after) == set(fleet.clusters)


def test_unknown_cluster_and_missing_token_are_refused(fleetsim_fleet):
    fleet = fleetsim_fleet(SPEC)
    with pytest.raises(urllib.error.HTTPError) as unknown:
        admin_get(fleet, "/requests?cluster=nope")
    assert unknown.value.code == 404 and "nope" in json.loads(unknown.value.read())["error"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        admin_get(fleet, "/requests", token="wrong")
    assert refused.value.code == 401
