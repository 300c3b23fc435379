"""progressive.delivery.release_finish as Ansible runs it."""

from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops
from ansible_collections.progressive.delivery.plugins.module_utils.release.context import ReleaseContext
from ansible_collections.progressive.delivery.plugins.modules import release_finish
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import (
    FakeCluster,
    app_service,
    stable_deployment,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.module_harness import run_module


def test_finish_check_mode_then_real_then_idempotent(capsys, monkeypatch):
    cluster = FakeCluster()
    cluster.add(stable_deployment())
    cluster.add(app_service())
    canary_ops.ensure_canary(ReleaseContext(cluster, "default", "web", lock_owner="tester@here"), "2", image="web:2")
    args = {"namespace": "default", "app": "web", "version": "2", "wait_timeout": 5}
    planned = run_module(release_finish, args, cluster, capsys, monkeypatch, check_mode=True)
    assert planned["plan"][0] == "scale Deployment web-2 (canary) to 4 and wait until Ready"
    assert cluster.obj("Deployment", "web") is not None
    done = run_module(release_finish, args, cluster, capsys, monkeypatch)
    assert done["changed"] is True and done["phase"] == "Completed" and cluster.obj("Deployment", "web") is None
    again = run_module(release_finish, args, cluster, capsys, monkeypatch)
    assert again["changed"] is False
