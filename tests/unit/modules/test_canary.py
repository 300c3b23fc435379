"""progressive.delivery.canary as Ansible runs it: argspec, check mode, diff, idempotence, failures."""

import pytest

from ansible_collections.progressive.delivery.plugins.modules import canary
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import (
    FakeCluster,
    app_service,
    stable_deployment,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.module_harness import run_module

ARGS = {"namespace": "default", "app": "web", "version": "2", "image": "web:2", "wait_timeout": 5}


@pytest.fixture
def cluster():
    c = FakeCluster()
    c.add(stable_deployment())
    c.add(app_service())
    return c


def test_creates_then_reports_no_change(cluster, capsys, monkeypatch):
    first = run_module(canary, ARGS, cluster, capsys, monkeypatch)
    assert first["changed"] is True and first["name"] == "web-2" and first["phase"] == "Created"
    second = run_module(canary, ARGS, cluster, capsys, monkeypatch)
    assert second["changed"] is False and second["actions"] == []


def test_check_mode_with_diff(cluster, capsys, monkeypatch):
    out = run_module(canary, ARGS, cluster, capsys, monkeypatch, check_mode=True, diff=True)
    assert out["changed"] is True and out["plan"] == ["create Deployment web-2", "create Service web-2"]
    assert out["diff"]["before"]["deployment"] is None
    assert out["diff"]["after"]["deployment"]["labels"] == {"app": "web", "version": "2"}
    assert cluster.obj("Deployment", "web-2") is None


def test_image_and_images_are_mutually_exclusive(cluster, capsys, monkeypatch):
    out = run_module(canary, dict(ARGS, images={"web": "web:2"}), cluster, capsys, monkeypatch)
    assert out["failed"] and "image" in out["msg"] and "images" in out["msg"]


def test_version_is_required_for_present(cluster, capsys, monkeypatch):
    args = dict(ARGS)
    del args["version"]
    out = run_module(canary, args, cluster, capsys, monkeypatch)
    assert out["failed"] and "version" in out["msg"]


def test_failure_names_the_field(cluster, capsys, monkeypatch):
    out = run_module(canary, dict(ARGS, version="1"), cluster, capsys, monkeypatch)
    assert out["failed"] and out["field"] == "version" and "already the stable version" in out["msg"]


def test_state_absent(cluster, capsys, monkeypatch):
    run_module(canary, ARGS, cluster, capsys, monkeypatch)
    out = run_module(canary, {"namespace": "default", "app": "web", "state": "absent"}, cluster, capsys, monkeypatch)
    assert out["changed"] is True and cluster.obj("Deployment", "web-2") is None
