"""kubectl (the real binary) against an API-only fleetsim cluster: apply, get, describe, scale,
patch, explain, label selectors, server-side apply conflicts, dry run and delete. Behaviour that
needs controllers (rollout status, pods appearing) is tested with S2's controllers elsewhere."""
from __future__ import annotations

import json

import pytest

MANIFEST = """
apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
  labels: {{app: web, tier: front}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: example/web:1.0
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: {ns}
spec:
  selector: {{app: web}}
  ports:
  - port: 80
    targetPort: 8080
"""


def apply(cluster, ns, *extra):
    return cluster.kubectl("apply", *extra, "-f", "-", stdin=MANIFEST.format(ns=ns))


def get_json(cluster, *args):
    return json.loads(cluster.kubectl("get", *args, "-o", "json", "--show-managed-fields").stdout)


def test_apply_creates_then_reports_unchanged_and_stores_defaults(api_cluster):
    out = apply(api_cluster, "k1").stdout
    assert "namespace/k1 created" in out and "deployment.apps/web created" in out and "service/web created" in out
    again = apply(api_cluster, "k1").stdout
    assert "deployment.apps/web unchanged" in again and "service/web unchanged" in again
    deploy = get_json(api_cluster, "deploy", "web", "-n", "k1")
    assert deploy["spec"]["strategy"] == {"type": "RollingUpdate",
                                          "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert deploy["metadata"]["generation"] == 1
    assert "kubectl.kubernetes.io/last-applied-configuration" in deploy["metadata"]["annotations"]
    managers = {m["manager"] for m in deploy["metadata"]["managedFields"]}
    assert managers == {"kubectl-client-side-apply"}


def test_get_prints_the_real_table_columns(api_cluster):
    apply(api_cluster, "k2")
    out = api_cluster.kubectl("get", "deploy,svc", "-n", "k2", "-o", "wide").stdout.splitlines()
    assert out[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES",
                              "SELECTOR"]
    assert out[1].split()[:4] == ["deployment.apps/web", "0/2", "0", "0"]
    svc_header = next(i for i, line in enumerate(out) if line.startswith("NAME") and "TYPE" in line)
    assert out[svc_header].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]
    row = out[svc_header + 1].split()
    assert row[0] == "service/web" and row[1] == "ClusterIP" and row[4] == "80/TCP" and row[6] == "app=web"


def test_label_selectors_equality_and_set_based(api_cluster):
    apply(api_cluster, "k3")
    names = api_cluster.kubectl("get", "deploy", "-n", "k3", "-l", "tier in (front,back),app=web",
                                "-o", "name").stdout.split()
    assert names == ["deployment.apps/web"]
    none = api_cluster.kubectl("get", "deploy", "-n", "k3", "-l", "tier notin (front)", "-o", "name")
    assert none.stdout.strip() == ""


def test_scale_bumps_replicas_and_generation(api_cluster):
    apply(api_cluster, "k4")
    assert "scaled" in api_cluster.kubectl("scale", "deploy/web", "-n", "k4", "--replicas=5").stdout
    deploy = get_json(api_cluster, "deploy", "web", "-n", "k4")
    assert deploy["spec"]["replicas"] == 5 and deploy["metadata"]["generation"] == 2


def test_strategic_patch_merges_containers_by_name(api_cluster):
    apply(api_cluster, "k5")
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "example/side:1"}]}}}}
    api_cluster.kubectl("patch", "deploy", "web", "-n", "k5", "-p", json.dumps(patch))
    containers = get_json(api_cluster, "deploy", "web", "-n", "k5")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web", "sidecar"]
    assert containers[1]["imagePullPolicy"] == "IfNotPresent"
    delete = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}}
    api_cluster.kubectl("patch", "deploy", "web", "-n", "k5", "-p", json.dumps(delete))
    containers = get_json(api_cluster, "deploy", "web", "-n", "k5")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web"]


def test_invalid_patch_is_rejected_with_the_field_named(api_cluster):
    apply(api_cluster, "k6")
    proc = api_cluster.kubectl("patch", "deploy", "web", "-n", "k6", "--type", "merge", "-p",
                               '{"spec":{"replicas":-3}}', check=False)
    assert proc.returncode != 0
    # kubectl rewrites the server's 'Deployment.apps "web" is invalid: ...' as 'The Deployment "web" ...'.
    assert 'The Deployment "web" is invalid: spec.replicas: Invalid value: -3: must be greater than or equal to 0' \
        in proc.stderr


def test_unknown_field_is_refused_by_strict_field_validation(api_cluster):
    bad = MANIFEST.format(ns="k7").replace("replicas: 2", "replicas: 2\n  replica: 3")
    proc = api_cluster.kubectl("apply", "-f", "-", stdin=bad, check=False)
    assert proc.returncode != 0
    assert 'strict decoding error: unknown field "spec.replica"' in proc.stderr


def test_server_side_apply_conflicts_then_force(api_cluster):
    apply(api_cluster, "k8", "--server-side")
    api_cluster.kubectl("scale", "deploy/web", "-n", "k8", "--replicas=4")
    proc = api_cluster.kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST.format(ns="k8"), check=False)
    assert proc.returncode != 0 and "conflict" in proc.stderr and ".spec.replicas" in proc.stderr
    api_cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=MANIFEST.format(ns="k8"))
    deploy = get_json(api_cluster, "deploy", "web", "-n", "k8")
    assert deploy["spec"]["replicas"] == 2
    applier = next(m for m in deploy["metadata"]["managedFields"] if m["manager"] == "kubectl")
    assert applier["operation"] == "Apply" and "f:replicas" in applier["fieldsV1"]["f:spec"]


def test_dry_run_server_changes_nothing(api_cluster):
    apply(api_cluster, "k9")
    before = get_json(api_cluster, "deploy", "web", "-n", "k9")
    out = api_cluster.kubectl("scale", "deploy/web", "-n", "k9", "--replicas=7", "--dry-run=server").stdout
    assert "scaled (server dry run)" in out
    assert get_json(api_cluster, "deploy", "web", "-n", "k9") == before


def test_describe_shows_strategy_and_template(api_cluster):
    apply(api_cluster, "k10")
    out = api_cluster.kubectl("describe", "deploy", "web", "-n", "k10").stdout
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge" in out
    assert "Image:         example/web:1.0" in out


def test_explain_reads_the_openapi_v3_documents(api_cluster):
    out = api_cluster.kubectl("explain", "deployment.spec.strategy.rollingUpdate").stdout
    assert "KIND:       Deployment" in out and "maxSurge" in out and "maxUnavailable" in out


def test_delete_removes_objects_and_reports_them(api_cluster):
    apply(api_cluster, "k11")
    out = api_cluster.kubectl("delete", "deploy,svc", "web", "-n", "k11").stdout
    assert 'deployment.apps "web" deleted' in out and 'service "web" deleted' in out
    proc = api_cluster.kubectl("get", "deploy", "web", "-n", "k11", check=False)
    assert proc.returncode != 0 and 'deployments.apps "web" not found' in proc.stderr


def test_custom_resources_are_served_as_soon_as_the_crd_exists(api_cluster):
    crd = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, minimum: 1}
"""
    api_cluster.kubectl("apply", "-f", "-", stdin=crd)
    api_cluster.kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s")
    api_cluster.kubectl("apply", "-f", "-", stdin="apiVersion: v1\nkind: Namespace\nmetadata: {name: k12}\n")
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: k12}\nspec: {size: 3}\n"
    api_cluster.kubectl("apply", "-f", "-", stdin=widget)
    out = api_cluster.kubectl("get", "wd", "-n", "k12").stdout.splitlines()
    assert out[0].split() == ["NAME", "SIZE"] and out[1].split() == ["w1", "3"]
    bad = widget.replace("size: 3", "size: 0")
    proc = api_cluster.kubectl("apply", "-f", "-", stdin=bad, check=False)
    assert proc.returncode != 0 and "spec.size" in proc.stderr and "greater than or equal to 1" in proc.stderr
    assert "size" in api_cluster.kubectl("explain", "widget.spec").stdout


@pytest.mark.parametrize("resource", ["deployments", "services", "namespaces", "configmaps"])
def test_api_resources_lists_served_kinds(api_cluster, resource):
    out = api_cluster.kubectl("api-resources", "--no-headers").stdout
    assert any(line.split()[0] == resource for line in out.splitlines())


def test_switching_from_client_side_to_server_side_apply_takes_over_without_conflicts(api_cluster):
    apply(api_cluster, "k13")
    changed = MANIFEST.format(ns="k13").replace("replicas: 2", "replicas: 5")
    api_cluster.kubectl("apply", "--server-side", "-f", "-", stdin=changed)
    deploy = get_json(api_cluster, "deploy", "web", "-n", "k13")
    assert deploy["spec"]["replicas"] == 5
    last = json.loads(deploy["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 5
    assert ("kubectl", "Apply") in {(m["manager"], m["operation"]) for m in deploy["metadata"]["managedFields"]}
    # ...and client-side apply keeps working from the updated annotation.
    back = MANIFEST.format(ns="k13").replace("replicas: 2", "replicas: 3")
    api_cluster.kubectl("apply", "-f", "-", stdin=back)
    assert get_json(api_cluster, "deploy", "web", "-n", "k13")["spec"]["replicas"] == 3


def test_kinds_without_a_recorded_openapi_document_still_apply(api_cluster):
    manifest = """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: default}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: default}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: example/job:1}]
"""
    out = api_cluster.kubectl("apply", "-f", "-", stdin=manifest).stdout
    assert "role.rbac.authorization.k8s.io/reader created" in out and "job.batch/once created" in out
    again = api_cluster.kubectl("apply", "-f", "-", stdin=manifest).stdout
    assert "role.rbac.authorization.k8s.io/reader unchanged" in again
    job = get_json(api_cluster, "job", "once", "-n", "default")
    assert job["spec"]["backoffLimit"] == 6 and job["metadata"]["generation"] == 1


def test_every_served_crd_version_is_one_object_seen_through_each(api_cluster):
    from conftest import FIXTURES
    # The multicluster.x-k8s.io CRDs serve v1alpha1 and v1beta1 (storage).
    api_cluster.kubectl("apply", "-f", str(FIXTURES / "mcs-api-crds"))
    api_cluster.kubectl("wait", "--for=condition=Established", "crd/serviceexports.multicluster.x-k8s.io")
    export = "apiVersion: multicluster.x-k8s.io/v1alpha1\nkind: ServiceExport\nmetadata: {name: web, namespace: default}\n"
    assert "serviceexport.multicluster.x-k8s.io/web created" in api_cluster.kubectl(
        "apply", "-f", "-", stdin=export).stdout
    alpha = get_json(api_cluster, "serviceexports.v1alpha1.multicluster.x-k8s.io", "web", "-n", "default")
    beta = get_json(api_cluster, "serviceexports.v1beta1.multicluster.x-k8s.io", "web", "-n", "default")
    assert alpha["apiVersion"] == "multicluster.x-k8s.io/v1alpha1"
    assert beta["apiVersion"] == "multicluster.x-k8s.io/v1beta1"
    assert alpha["metadata"]["uid"] == beta["metadata"]["uid"]
    # Server-side apply through the non-storage version works on the same object.
    labelled = export.replace("metadata: {name: web, namespace: default}",
                              "metadata: {name: web, namespace: default, labels: {team: a}}")
    api_cluster.kubectl("apply", "--server-side", "-f", "-", stdin=labelled)
    beta = get_json(api_cluster, "serviceexports.v1beta1.multicluster.x-k8s.io", "web", "-n", "default")
    assert beta["metadata"]["labels"] == {"team": "a"}
    groups = json.loads(api_cluster.kubectl("get", "--raw", "/apis/multicluster.x-k8s.io").stdout)
    assert [v["version"] for v in groups["versions"]] == ["v1beta1", "v1alpha1"]
    assert groups["preferredVersion"]["version"] == "v1beta1"


def test_tables_of_smaller_kinds_match_the_real_printers(api_cluster):
    api_cluster.kubectl("apply", "-f", "-", stdin=(
        "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: l1, namespace: default}\n"
        "spec: {holderIdentity: me}\n"))
    leases = api_cluster.kubectl("get", "lease", "l1").stdout.splitlines()
    assert leases[0].split() == ["NAME", "HOLDER", "AGE"] and leases[1].split()[:2] == ["l1", "me"]
    bindings = api_cluster.kubectl("get", "clusterrolebinding", "cluster-admin", "-o", "wide").stdout.splitlines()
    assert bindings[0].split() == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    assert bindings[1].split()[:2] == ["cluster-admin", "ClusterRole/cluster-admin"]
    roles = api_cluster.kubectl("get", "clusterrole", "cluster-admin").stdout.splitlines()
    assert roles[0].split() == ["NAME", "CREATED", "AT"]  # the real default table: Name, Created At
