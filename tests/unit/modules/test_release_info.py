"""progressive.delivery.release_info: read-only, the same in check mode."""

from ansible_collections.progressive.delivery.plugins.modules import release_info
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import (
    FakeCluster,
    app_service,
    stable_deployment,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.module_harness import run_module


def test_reads_without_writing_in_check_mode(capsys, monkeypatch):
    cluster = FakeCluster()
    cluster.add(stable_deployment())
    cluster.add(app_service())
    mark = len(cluster.writes())
    out = run_module(release_info, {"namespace": "default", "app": "web"}, cluster, capsys, monkeypatch,
                     check_mode=True)
    assert out["changed"] is False and out["exists"] is True
    assert out["stable"]["name"] == "web" and out["canary"] is None and out["phase"] is None
    assert out["versions"][0]["version"] == "1" and out["versions"][0]["ready_replicas"] == 4
    assert cluster.writes()[mark:] == []


def test_unknown_app_is_reported_not_failed(capsys, monkeypatch):
    out = run_module(release_info, {"namespace": "default", "app": "nope"}, FakeCluster(), capsys, monkeypatch)
    assert out["exists"] is False and out["versions"] == []


def test_bad_app_and_namespace_values_name_the_field(capsys, monkeypatch):
    out = run_module(release_info, {"namespace": "default", "app": "web app"}, FakeCluster(), capsys, monkeypatch)
    assert out["failed"] and out["field"] == "app" and out["msg"].startswith("app:")
    out = run_module(release_info, {"namespace": "Default_NS", "app": "web"}, FakeCluster(), capsys, monkeypatch)
    assert out["failed"] and out["field"] == "namespace"


def test_find_namespaces_lists_where_the_app_runs(capsys, monkeypatch):
    cluster = FakeCluster()
    cluster.add(stable_deployment(namespace="shop"))
    cluster.add(stable_deployment(namespace="batch"))
    cluster.add(stable_deployment(name="api", app="api", namespace="tools"))
    out = run_module(release_info, {"namespace": "default", "app": "web", "find_namespaces": True}, cluster, capsys,
                     monkeypatch)
    assert out["namespaces"] == ["batch", "shop"]
    none = run_module(release_info, {"namespace": "default", "app": "nope", "find_namespaces": True}, cluster, capsys,
                      monkeypatch)
    assert none["namespaces"] == []
