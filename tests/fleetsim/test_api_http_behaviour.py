"""HTTP-level behaviour beyond the recorded samples: client-side apply edits (the strategic patches
kubectl computes, with $setElementOrder and deletions), deletecollection, field validation
warnings, Table output for custom resources, and the fault middleware."""
from __future__ import annotations

import json

import pytest
import requests

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
{containers}
"""
CONTAINER = """      - name: {name}
        image: example/{name}:1
        env:
{env}
"""


def manifest(ns: str, containers: list[tuple[str, list[str]]]) -> str:
    blocks = []
    for name, env in containers:
        env_text = "".join(f"        - {{name: {e}, value: \"1\"}}\n" for e in env) or "        []\n"
        blocks.append(CONTAINER.format(name=name, env=env_text).rstrip("\n"))
    return MANIFEST.format(ns=ns, containers="\n".join(blocks))


def ensure_ns(cluster, ns):
    cluster.kubectl("apply", "-f", "-", stdin=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n")


def containers_of(cluster, ns):
    d = json.loads(cluster.kubectl("get", "deploy", "web", "-n", ns, "-o", "json").stdout)
    return [(c["name"], [e["name"] for e in c.get("env") or []]) for c in d["spec"]["template"]["spec"]["containers"]]


def test_client_side_apply_reorders_adds_and_removes_list_items(api_cluster):
    ensure_ns(api_cluster, "h1")
    api_cluster.kubectl("apply", "-f", "-", stdin=manifest("h1", [("a", ["ENV_X", "ENV_Y"]), ("b", ["ENV_Z"])]))
    # Reorder containers, drop env Y, drop container b, add c: kubectl sends $setElementOrder and
    # $patch: delete directives computed from last-applied-configuration.
    api_cluster.kubectl("apply", "-f", "-", stdin=manifest("h1", [("c", ["ENV_Q"]), ("a", ["ENV_X"])]))
    assert containers_of(api_cluster, "h1") == [("c", ["ENV_Q"]), ("a", ["ENV_X"])]


def test_delete_collection_by_label(api_cluster):
    ensure_ns(api_cluster, "h2")
    for i, team in enumerate(["red", "red", "blue"]):
        api_cluster.kubectl("apply", "-f", "-", stdin=(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm{i}, namespace: h2, labels: {{team: {team}}}}}\n"))
    r = requests.delete(f"{api_cluster.url}/api/v1/namespaces/h2/configmaps", params={"labelSelector": "team=red"},
                        headers={"Authorization": f"Bearer {api_cluster.token}"},
                        verify=api_cluster.cluster.ca_file, timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["kind"] == "ConfigMapList" and sorted(i["metadata"]["name"] for i in body["items"]) == ["cm0", "cm1"]
    left = api_cluster.kubectl("get", "cm", "-n", "h2", "-l", "team", "-o", "name").stdout.split()
    assert left == ["configmap/cm2"]


def test_warn_field_validation_answers_with_a_warning_header(api_cluster):
    ensure_ns(api_cluster, "h3")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "warned"}, "data": {"a": "1"},
            "dat": {"typo": "x"}}
    r = requests.post(f"{api_cluster.url}/api/v1/namespaces/h3/configmaps", json=body,
                      params={"fieldValidation": "Warn"},
                      headers={"Authorization": f"Bearer {api_cluster.token}"},
                      verify=api_cluster.cluster.ca_file, timeout=10)
    assert r.status_code == 201
    assert r.headers["Warning"] == '299 - "unknown field \\"dat\\""'
    r = requests.post(f"{api_cluster.url}/api/v1/namespaces/h3/configmaps",
                      json={**body, "metadata": {"name": "strict"}}, params={"fieldValidation": "Strict"},
                      headers={"Authorization": f"Bearer {api_cluster.token}"},
                      verify=api_cluster.cluster.ca_file, timeout=10)
    assert r.status_code == 400
    assert r.json()["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding '
                                   'error: unknown field "dat"')


def test_protobuf_only_accept_is_refused_but_protobuf_with_json_fallback_gets_json(api_cluster):
    headers = {"Authorization": f"Bearer {api_cluster.token}"}
    r = requests.get(f"{api_cluster.url}/api/v1/namespaces", verify=api_cluster.cluster.ca_file, timeout=10,
                     headers={**headers, "Accept": "application/vnd.kubernetes.protobuf,application/json"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    r = requests.get(f"{api_cluster.url}/api/v1/namespaces", verify=api_cluster.cluster.ca_file, timeout=10,
                     headers={**headers, "Accept": "application/vnd.kubernetes.protobuf"})
    assert r.status_code == 406 and r.json()["reason"] == "NotAcceptable"


@pytest.fixture
def faulty(api_cluster):
    yield api_cluster.cluster.faults
    api_cluster.call(lambda: api_cluster.cluster.faults.clear())


def test_fault_middleware_answers_injected_errors(api_cluster, faulty):
    api_cluster.call(lambda: faulty.update(error_500=1.0))
    proc = api_cluster.kubectl("get", "ns", "default", check=False)
    assert proc.returncode != 0 and "Error from server (InternalError): Internal error occurred" in proc.stderr
    api_cluster.call(lambda: faulty.update(error_500=0.0, error_409=1.0))
    auth = {"Authorization": f"Bearer {api_cluster.token}"}
    r = requests.patch(f"{api_cluster.url}/api/v1/namespaces/default", verify=api_cluster.cluster.ca_file,
                       headers=dict(auth, **{"Content-Type": "application/merge-patch+json"}), data="{}", timeout=10)
    assert r.status_code == 409 and r.json()["reason"] == "Conflict"
    # A real API server never answers a read with 409: reads drawn for one are served.
    r = requests.get(f"{api_cluster.url}/api/v1/namespaces/default", verify=api_cluster.cluster.ca_file,
                     headers=auth, timeout=10)
    assert r.status_code == 200
    api_cluster.call(lambda: faulty.clear())
    assert api_cluster.kubectl("get", "ns", "default").returncode == 0


def test_namespaced_create_on_the_cluster_wide_path_is_not_allowed(api_cluster):
    r = requests.post(f"{api_cluster.url}/api/v1/configmaps", verify=api_cluster.cluster.ca_file, timeout=10,
                      headers={"Authorization": f"Bearer {api_cluster.token}"},
                      json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}})
    assert r.status_code == 405 and r.json()["reason"] == "MethodNotAllowed"


def test_paths_outside_served_group_versions_get_the_plain_404(api_cluster):
    headers = {"Authorization": f"Bearer {api_cluster.token}"}
    r = requests.get(f"{api_cluster.url}/apis/nothing.example.com/v1", headers=headers,
                     verify=api_cluster.cluster.ca_file, timeout=10)
    assert r.status_code == 404 and r.text == "404 page not found\n"
    r = requests.get(f"{api_cluster.url}/api/v1/nothings", headers=headers, verify=api_cluster.cluster.ca_file,
                     timeout=10)
    assert r.status_code == 404 and r.json()["message"] == "the server could not find the requested resource"


def test_finished_watches_leave_no_watcher_behind(api_cluster):
    store = api_cluster.cluster.store
    before = api_cluster.call(store.watcher_count)
    r = requests.get(f"{api_cluster.url}/api/v1/namespaces/default/configmaps",
                     params={"watch": "1", "timeoutSeconds": "1"}, verify=api_cluster.cluster.ca_file,
                     headers={"Authorization": f"Bearer {api_cluster.token}"}, timeout=10)
    assert r.status_code == 200
    assert api_cluster.call(store.watcher_count) == before


def test_a_client_that_goes_away_from_an_idle_watch_is_noticed(api_cluster):
    import socket
    import ssl
    import time
    store = api_cluster.cluster.store
    before = api_cluster.call(store.watcher_count)
    context = ssl.create_default_context(cafile=api_cluster.cluster.ca_file)
    raw = socket.create_connection(("127.0.0.1", api_cluster.cluster.port))
    conn = context.wrap_socket(raw, server_hostname="127.0.0.1")
    conn.sendall((f"GET /api/v1/namespaces/default/secrets?watch=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Authorization: Bearer {api_cluster.token}\r\n\r\n").encode())
    assert b"200 OK" in conn.recv(4096)
    assert api_cluster.call(store.watcher_count) == before + 1
    conn.close()
    deadline = time.monotonic() + 10
    while api_cluster.call(store.watcher_count) != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert api_cluster.call(store.watcher_count) == before
