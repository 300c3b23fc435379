"""ServiceAccount admission: a pod naming a ServiceAccount that does not exist is refused with the
real message, so a Deployment's ReplicaSet records FailedCreate and the Deployment shows
ReplicaFailure, as on a real cluster; once the ServiceAccount exists the pods come."""
from __future__ import annotations

import json

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: release-bot
      containers: [{name: web, image: example/web:1.0}]
"""


def test_pod_naming_a_missing_service_account_is_refused(fleet_kubectl):
    proc = fleet_kubectl("-n", "shop", "run", "probe", "--image=example/probe:1", "--overrides",
                         '{"spec": {"serviceAccountName": "nobody"}}', check=False)
    assert proc.returncode != 0
    assert ('Error from server (Forbidden): pods "probe" is forbidden: error looking up service account '
            'shop/nobody: serviceaccount "nobody" not found') in proc.stderr


def test_deployment_shows_failed_create_and_replica_failure_until_the_account_exists(fleet_kubectl):
    k = fleet_kubectl
    k.apply(WEB)

    def failure():
        d = k.cluster.store.get("deployments.apps", "shop", "web")
        return next((c for c in (d.get("status") or {}).get("conditions") or []
                     if c["type"] == "ReplicaFailure"), None)
    cond = k.wait_for(failure, what="ReplicaFailure")
    assert cond["status"] == "True" and cond["reason"] == "FailedCreate"
    rs = k("-n", "shop", "get", "rs", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}").stdout
    assert cond["message"] == (f'pods "{rs}-" is forbidden: error looking up service account shop/release-bot: '
                               f'serviceaccount "release-bot" not found')
    events = json.loads(k("-n", "shop", "get", "events", "--field-selector", "reason=FailedCreate",
                          "-o", "json").stdout)["items"]
    assert any(e["message"] == f"Error creating: {cond['message']}" and e["involvedObject"]["name"] == rs
               for e in events)
    assert "ReplicaFailure" in k("-n", "shop", "describe", "deployment", "web").stdout
    k("-n", "shop", "create", "serviceaccount", "release-bot")
    k("-n", "shop", "rollout", "status", "deploy/web", "--timeout=90s", timeout=120)
    k.wait_for(lambda: failure() is None, what="ReplicaFailure to clear")


def test_a_service_account_without_automount_gets_no_token_volume(fleet_kubectl):
    k = fleet_kubectl
    k.apply("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet, namespace: shop}\n"
            "automountServiceAccountToken: false\n")
    k("-n", "shop", "run", "quiet", "--image=example/app:1", "--overrides", '{"spec": {"serviceAccountName": "quiet"}}')
    k("-n", "shop", "run", "loud", "--image=example/app:1")
    volumes = {name: [v["name"] for v in k.cluster.store.get("pods", "shop", name)["spec"].get("volumes") or []]
               for name in ("quiet", "loud")}
    assert volumes["quiet"] == [] and volumes["loud"][0].startswith("kube-api-access-")
