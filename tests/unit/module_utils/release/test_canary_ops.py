"""canary: the canary is derived from the stable, idempotent, and every refusal happens before a write."""

import datetime
import json

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sUnavailableError
from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops, lock, reject_list
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import (
    InvalidArgument,
    LockHeld,
    ReleaseError,
)
from ansible_collections.progressive.delivery.tests.unit.module_utils.release.fake_cluster import (
    app_service,
    stable_deployment,
)


def test_canary_is_the_stable_template_with_the_new_image_and_version(cluster, make_ctx):
    result = canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    assert result["changed"] is True
    canary = cluster.obj("Deployment", "web-2")
    template = canary["spec"]["template"]
    assert template["metadata"]["labels"] == {"app": "web", "version": "2"}
    assert template["spec"]["containers"][0]["image"] == "web:2"
    assert template["spec"]["containers"][0]["env"] == [{"name": "MODE", "value": "prod"}]  # carried over
    assert canary["spec"]["selector"]["matchLabels"] == {"app": "web", "version": "2"}
    assert canary["spec"]["replicas"] == 1
    ann = canary["metadata"]["annotations"]
    assert ann[st.ROLE] == "canary" and ann[st.PHASE] == st.CREATED and ann[st.TOTAL_REPLICAS] == "4"
    assert ann[st.STABLE_NAME] == "web" and ann[st.STABLE_VERSION] == "1"
    service = cluster.obj("Service", "web-2")
    assert service["spec"]["selector"] == {"app": "web", "version": "2"}
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]
    # The stable is untouched: the canary runs on top of the full stable.
    assert cluster.obj("Deployment", "web")["spec"]["replicas"] == 4
    # The lock is held by this run.
    record = cluster.obj("ConfigMap", "web-release")
    assert json.loads(record["metadata"]["annotations"][lock.ANNOTATION])["owner"] == "tester@here"


def test_second_run_changes_nothing(cluster, make_ctx):
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    before = len(cluster.writes())
    result = canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    assert result["changed"] is False
    assert [w for w in cluster.writes()[before:] if w[1] != "ConfigMap"] == []  # only the lock renewal


def test_changed_image_for_the_same_version_updates_the_template(cluster, make_ctx):
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    result = canary_ops.ensure_canary(make_ctx(), "2", image="web:2-hotfix")
    assert result["changed"] is True
    assert cluster.obj("Deployment", "web-2")["spec"]["template"]["spec"]["containers"][0]["image"] == "web:2-hotfix"


def test_check_mode_returns_the_plan_and_writes_nothing(cluster, make_ctx):
    before = len(cluster.writes())
    result = canary_ops.ensure_canary(make_ctx(check_mode=True), "2", image="web:2")
    assert result["changed"] is True
    assert result["plan"] == ["create Deployment web-2", "create Service web-2"]
    assert result["diff"]["after"]["deployment"]["images"] == {"web": "web:2"}
    assert cluster.writes()[before:] == []


def refused(cluster, ctx, *args, **kwargs):
    before = len(cluster.writes())
    with pytest.raises(ReleaseError) as err:
        canary_ops.ensure_canary(ctx, *args, **kwargs)
    assert cluster.writes()[before:] == [], "a refusal must come before any write"
    return err.value


def test_refuses_without_a_stable(cluster, make_ctx):
    cluster.delete("apps/v1", "Deployment", "default", "web")
    err = refused(cluster, make_ctx(), "2", image="web:2")
    assert err.field == "app" and "no stable Deployment" in str(err)


def test_refuses_several_stable_candidates(cluster, make_ctx):
    cluster.add(stable_deployment(name="web-old", version="0"))
    err = refused(cluster, make_ctx(), "2", image="web:2")
    assert "several stable candidates" in str(err) and "web-old" in str(err)


def test_refuses_a_service_that_would_skip_the_canary(cluster, make_ctx):
    cluster.add(app_service(name="web-pinned", selector={"app": "web", "version": "1"}))
    err = refused(cluster, make_ctx(), "2", image="web:2")
    assert "web-pinned" in str(err) and "version" in str(err)


def test_refuses_a_stable_without_version_label(cluster, make_ctx):
    cluster.delete("apps/v1", "Deployment", "default", "web")
    dep = stable_deployment()
    del dep["spec"]["template"]["metadata"]["labels"]["version"]
    cluster.add(dep)
    err = refused(cluster, make_ctx(), "2", image="web:2")
    assert err.field == "version_label"


def test_refuses_the_stable_version(cluster, make_ctx):
    err = refused(cluster, make_ctx(), "1", image="web:1")
    assert err.field == "version" and "already the stable version" in str(err)


def test_rejected_version_needs_force(cluster, make_ctx):
    ctx = make_ctx()
    reject_list.reject(cluster, ctx.ref, "2", "error rate 7%", "ci")
    err = refused(cluster, ctx, "2", image="web:2")
    assert err.field == "version" and "reject list" in str(err) and "force: true" in str(err)
    assert canary_ops.ensure_canary(ctx, "2", image="web:2", force=True)["changed"] is True


def test_refuses_a_second_release_while_one_runs(cluster, make_ctx):
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    err = refused(cluster, make_ctx(), "3", image="web:3")
    assert "release of version 2 is in progress" in str(err)


@pytest.mark.parametrize("kwargs, field", [
    ({"version": "2 beta", "image": "web:2"}, "version"),
    ({"version": "-2", "image": "web:2"}, "version"),
    ({"version": "2", "image": "web:2", "replicas": -1}, "replicas"),
    ({"version": "2", "image": "web:2", "replicas": 5}, "replicas"),
    ({"version": "2"}, "image"),
    ({"version": "2", "images": {"sidecar": "proxy:2"}}, "images"),
    ({"version": "2", "image": "web:2", "service_name": "Web_2"}, "service_name"),
])
def test_bad_arguments_name_the_field(cluster, make_ctx, kwargs, field):
    err = refused(cluster, make_ctx(), **kwargs)
    assert isinstance(err, InvalidArgument)
    assert err.field == field and str(err).startswith(field + ":")


def test_several_containers_need_container_or_images(cluster, make_ctx):
    cluster.delete("apps/v1", "Deployment", "default", "web")
    cluster.add(stable_deployment(containers=[{"name": "web", "image": "web:1"}, {"name": "proxy", "image": "p:1"}]))
    err = refused(cluster, make_ctx(), "2", image="web:2")
    assert err.field == "container"
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2", container="web")
    images = [c["image"] for c in cluster.obj("Deployment", "web-2")["spec"]["template"]["spec"]["containers"]]
    assert images == ["web:2", "p:1"]


def test_overrides_merge_into_named_lists(cluster, make_ctx):
    overrides = {"spec": {"containers": [{"name": "web", "env": [{"name": "FEATURE", "value": "on"}]}]}}
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2", overrides=overrides)
    env = cluster.obj("Deployment", "web-2")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "MODE", "value": "prod"}, {"name": "FEATURE", "value": "on"}]


def hold_lock(cluster, ctx, owner, expires_in):
    now = datetime.datetime.now(datetime.timezone.utc)
    lock.acquire(cluster, ctx.ref, owner, 60, now=now + datetime.timedelta(seconds=expires_in - 60))


def test_a_live_lock_of_another_run_is_refused(cluster, make_ctx):
    ctx = make_ctx()
    hold_lock(cluster, ctx, "other@host", 300)
    err = refused(cluster, ctx, "2", image="web:2")
    assert isinstance(err, LockHeld) and "other@host" in str(err)


def test_a_stale_lock_is_taken_over_only_when_asked(cluster, make_ctx):
    hold_lock(cluster, make_ctx(), "other@host", -10)
    err = refused(cluster, make_ctx(), "2", image="web:2")
    assert err.field == "take_over_lock" and "stale" in str(err)
    result = canary_ops.ensure_canary(make_ctx(take_over_lock=True), "2", image="web:2")
    assert result["changed"] is True
    assert lock.Lock.of(cluster.obj("ConfigMap", "web-release")).owner == "tester@here"


def test_absent_refuses_while_the_stable_is_below_n(cluster, make_ctx):
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    cluster.patch("apps/v1", "Deployment", "default", "web", {"spec": {"replicas": 3}})
    with pytest.raises(ReleaseError, match="release_rollback"):
        canary_ops.remove_canary(make_ctx(), "2")
    assert cluster.obj("Deployment", "web-2") is not None


def test_absent_removes_canary_and_service_and_is_idempotent(cluster, make_ctx):
    canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    assert canary_ops.remove_canary(make_ctx(), "2")["changed"] is True
    assert cluster.obj("Deployment", "web-2") is None and cluster.obj("Service", "web-2") is None
    assert lock.Lock.of(cluster.obj("ConfigMap", "web-release")) is None
    assert canary_ops.remove_canary(make_ctx(), "2")["changed"] is False


def test_a_create_answered_500_but_applied_is_recognised_as_ours(cluster, make_ctx):
    create = cluster.create
    failed_once = []

    def create_then_500(obj, dry_run=False):
        def send():
            stored = create(obj, dry_run)
            if obj["kind"] == "Deployment" and not failed_once:
                failed_once.append(obj["metadata"]["name"])
                raise K8sUnavailableError("500 InternalError", 500, "InternalError")
            return stored
        # The client's policy: after a 5xx a create is sent again only if a read shows it did not land.
        return cluster.retry.run("POST", send, body=obj,
                                 landed=lambda: cluster.obj(obj["kind"], obj["metadata"]["name"]))

    cluster.create = create_then_500
    result = canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    assert failed_once == ["web-2"] and result["canary"]["name"] == "web-2"


def test_an_object_of_someone_else_created_meanwhile_is_refused(cluster, make_ctx):
    create = cluster.create

    def someone_else_first(obj, dry_run=False):
        if obj["kind"] == "Service":
            create(app_service(name=obj["metadata"]["name"]))  # a foreign Service appears under our name
        return create(obj, dry_run)

    cluster.create = someone_else_first
    with pytest.raises(ReleaseError) as err:
        canary_ops.ensure_canary(make_ctx(), "2", image="web:2")
    assert err.value.field == "service_name"
