"""progressive.delivery.multicluster_service as Ansible runs it: argspec, links, check mode, diff, idempotence."""

import pytest

from ansible_collections.progressive.delivery.plugins.modules import multicluster_service
from ansible_collections.progressive.delivery.tests.unit.module_utils.multicluster.fake_client import (
    FakeClient,
    memberships,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.multicluster.module_harness import run_module

LINKS = ["us-east1/prod-us-east1", "europe-west1/prod-europe-west1"]
ARGS = {"namespace": "shop", "name": "web", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 8080}],
        "wait": False}
KEY = ("networking.gke.io/v1", "MultiClusterService", "shop", "web")


@pytest.fixture
def client():
    return FakeClient(memberships(*LINKS))


def test_creates_then_reports_no_change(client, capsys, monkeypatch):
    first = run_module(multicluster_service, ARGS, client, capsys, monkeypatch)
    assert first["changed"] is True and first["operation"] == "created"
    assert first["result"]["spec"]["template"]["spec"]["ports"] == [
        {"name": "http", "protocol": "TCP", "port": 8080, "targetPort": 8080}]
    second = run_module(multicluster_service, ARGS, client, capsys, monkeypatch, diff=True)
    assert second["changed"] is False and "diff" not in second


def test_check_mode_with_diff_writes_nothing(client, capsys, monkeypatch):
    out = run_module(multicluster_service, dict(ARGS, clusters=LINKS[:1]), client, capsys, monkeypatch,
                     check_mode=True, diff=True)
    assert out["changed"] is True and out["diff"]["before"] == {}
    assert out["diff"]["after"]["spec"]["clusters"] == [{"link": LINKS[0]}]
    assert client.get(*KEY) is None


def test_unknown_cluster_fails_before_any_write(client, capsys, monkeypatch):
    out = run_module(multicluster_service, dict(ARGS, clusters=[LINKS[0], "us-west1/prod-us-west1"]), client,
                     capsys, monkeypatch)
    assert out["failed"] and out["field"] == "clusters[1]" and "prod-us-west1" in out["msg"]
    assert client.writes == []


def test_known_clusters_option_wins_over_the_configmap(client, capsys, monkeypatch):
    out = run_module(multicluster_service, dict(ARGS, clusters=["us-west1/prod-us-west1"],
                                                known_clusters=["us-west1/prod-us-west1"]), client, capsys, monkeypatch)
    assert out["changed"] is True


def test_empty_clusters_is_refused(client, capsys, monkeypatch):
    out = run_module(multicluster_service, dict(ARGS, clusters=[]), client, capsys, monkeypatch)
    assert out["failed"] and out["field"] == "clusters" and "leave it out" in out["msg"]


def test_without_membership_links_are_only_shape_checked_with_a_warning(capsys, monkeypatch):
    out = run_module(multicluster_service, dict(ARGS, clusters=["us-west1/anything"]), FakeClient(), capsys,
                     monkeypatch)
    assert out["changed"] is True and "fleet-memberships" in str(out["warnings"])


def test_selector_and_ports_required_for_present(client, capsys, monkeypatch):
    args = dict(ARGS)
    del args["ports"]
    out = run_module(multicluster_service, args, client, capsys, monkeypatch)
    assert out["failed"] and "ports" in out["msg"]


def test_bad_port_names_the_field(client, capsys, monkeypatch):
    out = run_module(multicluster_service, dict(ARGS, ports=[{"name": "http", "port": 70000}]), client, capsys,
                     monkeypatch)
    assert out["failed"] and out["field"] == "ports[0].port"


def test_state_absent_is_idempotent(client, capsys, monkeypatch):
    run_module(multicluster_service, ARGS, client, capsys, monkeypatch)
    absent = {"namespace": "shop", "name": "web", "state": "absent", "wait": False}
    assert run_module(multicluster_service, absent, client, capsys, monkeypatch)["changed"] is True
    assert client.get(*KEY) is None
    assert run_module(multicluster_service, absent, client, capsys, monkeypatch)["changed"] is False
