"""progressive.delivery.multicluster_ingress as Ansible runs it: backend checks, check mode, diff, idempotence."""

from ansible_collections.progressive.delivery.plugins.modules import multicluster_ingress
from ansible_collections.progressive.delivery.tests.unit.module_utils.multicluster.fake_client import FakeClient, mcs
from ansible_collections.progressive.delivery.tests.unit.module_utils.multicluster.module_harness import run_module

ARGS = {"namespace": "shop", "name": "web", "default_backend": {"service_name": "web", "service_port": 8080},
        "wait": False}
KEY = ("networking.gke.io/v1", "MultiClusterIngress", "shop", "web")


def test_creates_then_no_change_then_annotation_update_with_diff(capsys, monkeypatch):
    client = FakeClient(mcs("web"))
    assert run_module(multicluster_ingress, ARGS, client, capsys, monkeypatch)["changed"] is True
    assert run_module(multicluster_ingress, ARGS, client, capsys, monkeypatch)["changed"] is False
    static = dict(ARGS, annotations={"networking.gke.io/static-ip": "34.1.2.3"})
    preview = run_module(multicluster_ingress, static, client, capsys, monkeypatch, check_mode=True, diff=True)
    assert preview["changed"] is True and preview["operation"] == "updated"
    assert "annotations" not in preview["diff"]["before"]["metadata"]
    assert preview["diff"]["after"]["metadata"]["annotations"] == {"networking.gke.io/static-ip": "34.1.2.3"}
    assert "annotations" not in client.get(*KEY)["metadata"]


def test_missing_mcs_fails_before_any_write(capsys, monkeypatch):
    client = FakeClient()
    out = run_module(multicluster_ingress, ARGS, client, capsys, monkeypatch)
    assert out["failed"] and out["field"] == "default_backend.serviceName" and "shop/web" in out["msg"]
    assert client.writes == []


def test_unexposed_port_fails_before_any_write(capsys, monkeypatch):
    client = FakeClient(mcs("web"))
    args = dict(ARGS, rules=[{"host": "shop.example.com",
                              "http": {"paths": [{"path": "/*", "backend": {"serviceName": "web",
                                                                            "servicePort": 443}}]}}])
    out = run_module(multicluster_ingress, args, client, capsys, monkeypatch)
    assert out["failed"] and out["field"] == "rules[0].http.paths[0].backend.servicePort"
    assert client.writes == []


def test_a_backend_is_required(capsys, monkeypatch):
    out = run_module(multicluster_ingress, {"namespace": "shop", "name": "web"}, FakeClient(), capsys, monkeypatch)
    assert out["failed"] and "default_backend" in out["msg"] and "rules" in out["msg"]


def test_status_is_returned(capsys, monkeypatch):
    client = FakeClient(mcs("web"))
    run_module(multicluster_ingress, ARGS, client, capsys, monkeypatch)
    client.set_status(*KEY, status={"VIP": "34.9.9.9", "CloudResources": {"NetworkEndpointGroups": ["neg-a"]}})
    out = run_module(multicluster_ingress, ARGS, client, capsys, monkeypatch)
    assert (out["vip"], out["backends"]) == ("34.9.9.9", ["neg-a"])
