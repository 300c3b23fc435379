"""progressive.delivery.service_export as Ansible runs it: check mode, diff, idempotence, wait verdicts."""

from ansible_collections.progressive.delivery.plugins.modules import service_export
from ansible_collections.progressive.delivery.tests.unit.module_utils.multicluster.fake_client import FakeClient
from ansible_collections.progressive.delivery.tests.unit.module_utils.multicluster.module_harness import run_module

ARGS = {"namespace": "shop", "name": "web", "wait": False}
KEY = ("multicluster.x-k8s.io/v1alpha1", "ServiceExport", "shop", "web")


def test_check_mode_then_create_then_no_change(capsys, monkeypatch):
    client = FakeClient()
    planned = run_module(service_export, ARGS, client, capsys, monkeypatch, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["diff"]["after"]["kind"] == "ServiceExport"
    assert client.get(*KEY) is None
    assert run_module(service_export, ARGS, client, capsys, monkeypatch)["changed"] is True
    assert run_module(service_export, ARGS, client, capsys, monkeypatch)["changed"] is False


def test_wait_returns_the_conditions_once_ready(capsys, monkeypatch):
    client = FakeClient({"apiVersion": KEY[0], "kind": KEY[1], "metadata": {"name": "web", "namespace": "shop"}})
    client.set_status(*KEY, status={"conditions": [
        {"type": "Valid", "status": "True", "reason": "Valid", "message": ""},
        {"type": "Ready", "status": "True", "reason": "Exported", "message": "imported in 2 other cluster(s)"}]})
    out = run_module(service_export, dict(ARGS, wait=True, wait_timeout=5), client, capsys, monkeypatch)
    assert out["changed"] is False and [c["type"] for c in out["conditions"]] == ["Valid", "Ready"]


def test_wait_fails_fast_when_the_service_does_not_exist(capsys, monkeypatch):
    client = FakeClient({"apiVersion": KEY[0], "kind": KEY[1], "metadata": {"name": "web", "namespace": "shop"}})
    client.set_status(*KEY, status={"conditions": [
        {"type": "Valid", "status": "False", "reason": "NoService", "message": "Service shop/web not found"}]})
    out = run_module(service_export, dict(ARGS, wait=True, wait_timeout=600), client, capsys, monkeypatch)
    assert out["failed"] and "NoService" in out["msg"] and out["error"]["reason"] == "WaitFailed"


def test_wait_timeout_must_be_positive(capsys, monkeypatch):
    out = run_module(service_export, dict(ARGS, wait_timeout=0), FakeClient(), capsys, monkeypatch)
    assert out["failed"] and out["field"] == "wait_timeout"
