"""release_preflight: the canary's dry run in every cluster at once; nothing written anywhere."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.release import preflight
from ansible_collections.progressive.delivery.plugins.modules import release_preflight
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import (
    FakeCluster,
    app_service,
    stable_deployment,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.module_harness import run_module

SECRET = "planted-token-7f3a9c"


def healthy():
    cluster = FakeCluster()
    cluster.add(stable_deployment())
    cluster.add(app_service())
    cluster.calls.clear()
    return cluster


@pytest.fixture
def fleet(monkeypatch):
    clusters = {"prod-a": healthy(), "prod-b": healthy(), "prod-c": healthy()}
    monkeypatch.setattr(preflight, "get_client", lambda auth: clusters[auth["context"]])
    return clusters


def args(fleet, **extra):
    base = {"clusters": dict((name, {"kubeconfig": "/dev/null", "context": name, "api_key": SECRET})
                             for name in fleet),
            "namespace": "default", "app": "web", "version": "2", "image": "web:2"}
    base.update(extra)
    return base


def test_every_cluster_ready(fleet, capsys, monkeypatch):
    result = run_module(release_preflight, args(fleet), None, capsys, monkeypatch)
    assert not result.get("failed"), result.get("msg")
    assert result["ready"] == ["prod-a", "prod-b", "prod-c"] and result["failed_clusters"] == []
    assert result["clusters"]["prod-b"]["plan"] == ["create Deployment web-2", "create Service web-2"]
    assert result["clusters"]["prod-b"]["total_replicas"] == 4 and result["changed"] is False
    assert all(c.writes() == [] for c in fleet.values())


def test_each_cluster_that_cannot_take_the_release_is_named(fleet, capsys, monkeypatch):
    fleet["prod-a"].denied = {("apps", "deployments", "patch")}
    fleet["prod-c"].objects.clear()  # no stable Deployment of the app
    result = run_module(release_preflight, args(fleet), None, capsys, monkeypatch)
    assert result["failed"] and result["failed_clusters"] == ["prod-a", "prod-c"]
    assert result["msg"].startswith("2 of 3 clusters cannot take the release, nothing was changed anywhere: prod-a: ")
    assert 'cannot patch resource "deployments"' in result["clusters"]["prod-a"]["msg"]
    assert "prod-c: " in result["msg"] and result["ready"] == ["prod-b"]
    assert all(c.writes() == [] for c in fleet.values())


def test_api_keys_never_appear_in_the_output(fleet, capsys, monkeypatch):
    fleet["prod-a"].denied = {("", "services", "create")}
    result = run_module(release_preflight, args(fleet), None, capsys, monkeypatch)
    assert SECRET not in repr(result)


@pytest.mark.parametrize("entry,field", [
    ({"context": "prod-a", "token": "x"}, "clusters.prod-a.token"),
    ("prod-a", "clusters.prod-a"),
    ({"context": "prod-a", "validate_certs": "maybe"}, "clusters.prod-a.validate_certs"),
])
def test_a_malformed_entry_is_named_before_any_cluster_is_asked(fleet, capsys, monkeypatch, entry, field):
    given = args(fleet)
    given["clusters"]["prod-a"] = entry
    result = run_module(release_preflight, given, None, capsys, monkeypatch)
    assert result["failed"] and result["field"] == field and result["msg"].startswith(field + ": ")
    assert all(c.calls == [] for c in fleet.values())


def test_an_entry_without_options_uses_the_module_connection(fleet, capsys, monkeypatch):
    given = args(fleet, context="prod-b")
    given["clusters"] = {"only": None}
    result = run_module(release_preflight, given, None, capsys, monkeypatch)
    assert result["ready"] == ["only"] and fleet["prod-b"].calls and not fleet["prod-a"].calls


def test_a_cluster_already_on_the_version_is_done_not_failed(fleet, capsys, monkeypatch):
    fleet["prod-b"].objects.clear()
    fleet["prod-b"].add(stable_deployment(version="2"))
    fleet["prod-b"].add(app_service())
    result = run_module(release_preflight, args(fleet), None, capsys, monkeypatch)
    assert not result.get("failed"), result.get("msg")
    assert result["done"] == ["prod-b"] and result["ready"] == ["prod-a", "prod-c"]
