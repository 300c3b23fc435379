"""fleetsim's Multi-Cluster Services API simulation: ServiceExport conditions and the ServiceImports
that appear in the other member clusters of the environment."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.timeout(120)

REGIONS = ["us-east1", "europe-west1", "asia-east1"]
MEMBERS = ["mcsim-dev-%s" % region for region in REGIONS]
SPEC = {"environment_sets": {"mcsim": {"environments": ["dev"], "regions": REGIONS}}}
EXPORTS = "serviceexports.multicluster.x-k8s.io"
IMPORTS = "serviceimports.multicluster.x-k8s.io"


@pytest.fixture(scope="module")
def fleet(fleetsim_session_fleet):
    return fleetsim_session_fleet(SPEC, clock_speed=10, pod_ready_delay="1s", pod_ready_jitter="0s", seed=11)


def api(fleet, cluster):
    return fleet.runtime.clusters[cluster].api


def eventually(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def namespace(fleet, ns, clusters=MEMBERS):
    for cluster in clusters:
        fleet.call(api(fleet, cluster).create, "namespaces",
                   {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})


def service(fleet, cluster, ns, name, headless=False, port=80, kind=None):
    spec = {"selector": {"app": name}, "ports": [{"name": "http", "port": port, "targetPort": 8080}]}
    if headless:
        spec["clusterIP"] = "None"
    if kind == "ExternalName":
        spec = {"type": "ExternalName", "externalName": "example.com"}
    fleet.call(api(fleet, cluster).create, "services",
               {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec})


def export(fleet, cluster, ns, name):
    fleet.call(api(fleet, cluster).create, EXPORTS, {"apiVersion": "multicluster.x-k8s.io/v1alpha1",
                                                     "kind": "ServiceExport",
                                                     "metadata": {"name": name, "namespace": ns}})


def conditions(fleet, cluster, ns, name):
    obj = fleet.call(api(fleet, cluster).get, EXPORTS, ns, name)
    return {c["type"]: (c["status"], c["reason"]) for c in (obj.get("status") or {}).get("conditions") or []}


def imported(fleet, cluster, ns, name):
    target = api(fleet, cluster)
    return fleet.call(lambda: target.get(IMPORTS, ns, name) if target.exists(IMPORTS, ns, name) else None)


def test_export_is_valid_ready_and_imported_by_the_other_clusters(fleet):
    namespace(fleet, "exp")
    service(fleet, MEMBERS[0], "exp", "web")
    export(fleet, MEMBERS[0], "exp", "web")

    def exported():
        assert conditions(fleet, MEMBERS[0], "exp", "web") == {
            "Valid": ("True", "Valid"), "Ready": ("True", "Exported"), "Conflict": ("False", "NoConflicts")}
        for cluster in MEMBERS[1:]:
            found = imported(fleet, cluster, "exp", "web")
            assert found["spec"]["type"] == "ClusterSetIP" and found["spec"]["ips"][0].startswith("10.")
            assert found["spec"]["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]
            assert found["status"]["clusters"] == [{"cluster": MEMBERS[0]}]
        assert imported(fleet, MEMBERS[0], "exp", "web") is None
    eventually(exported)

    fleet.call(api(fleet, MEMBERS[0]).delete, EXPORTS, "exp", "web")

    def withdrawn():
        assert [imported(fleet, c, "exp", "web") for c in MEMBERS] == [None] * 3
    eventually(withdrawn)


def test_export_without_its_service_is_not_valid_until_the_service_exists(fleet):
    namespace(fleet, "nosvc")
    export(fleet, MEMBERS[1], "nosvc", "late")

    def invalid():
        assert conditions(fleet, MEMBERS[1], "nosvc", "late")["Valid"] == ("False", "NoService")
        assert conditions(fleet, MEMBERS[1], "nosvc", "late")["Ready"] == ("False", "Pending")
        assert imported(fleet, MEMBERS[0], "nosvc", "late") is None
    eventually(invalid)

    service(fleet, MEMBERS[1], "nosvc", "late", headless=True)

    def valid():
        assert conditions(fleet, MEMBERS[1], "nosvc", "late")["Ready"] == ("True", "Exported")
        found = imported(fleet, MEMBERS[0], "nosvc", "late")
        assert found["spec"]["type"] == "Headless" and "ips" not in found["spec"]
    eventually(valid)


def test_external_name_is_not_supported_and_disagreeing_exports_conflict(fleet):
    namespace(fleet, "odd")
    service(fleet, MEMBERS[0], "odd", "ext", kind="ExternalName")
    export(fleet, MEMBERS[0], "odd", "ext")

    def unsupported():
        assert conditions(fleet, MEMBERS[0], "odd", "ext")["Valid"] == ("False", "ServiceTypeNotSupported")
    eventually(unsupported)

    service(fleet, MEMBERS[0], "odd", "web", port=80)
    service(fleet, MEMBERS[1], "odd", "web", port=8080)
    export(fleet, MEMBERS[0], "odd", "web")
    export(fleet, MEMBERS[1], "odd", "web")

    def conflict():
        for cluster in MEMBERS[:2]:
            assert conditions(fleet, cluster, "odd", "web")["Conflict"] == ("True", "PortConflict")
        assert sorted(c["cluster"] for c in imported(fleet, MEMBERS[2], "odd", "web")["status"]["clusters"]) == \
            sorted(MEMBERS[:2])
        # Each exporting cluster imports what the other one exports.
        assert imported(fleet, MEMBERS[0], "odd", "web")["status"]["clusters"] == [{"cluster": MEMBERS[1]}]
    eventually(conflict)
