"""The canary's permission check: everything a release does is asked before its first write."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sForbiddenError
from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops, permissions
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.progressive.delivery.plugins.module_utils.release.permissions import Permission


def reviews(cluster):
    return [c for c in cluster.calls if c[0] == "review"]


def test_all_granted_costs_one_rules_review(cluster):
    cluster.calls.clear()
    assert permissions.missing_permissions(cluster, "default") == []
    assert reviews(cluster) == [("review", "SelfSubjectRulesReview")]


def test_each_missing_permission_is_confirmed_and_named(cluster):
    cluster.denied = {("apps", "deployments", "create"), ("", "services", "delete")}
    cluster.calls.clear()
    missing = permissions.missing_permissions(cluster, "default")
    assert missing == [Permission("apps", "deployments", "create"), Permission("", "services", "delete")]
    text = permissions.describe_missing(missing, "default", "release-bot")
    assert text == ('User "release-bot" cannot create resource "deployments" in API group "apps"; '
                    'cannot delete resource "services" in the namespace "default"')


@pytest.mark.parametrize("rule,granted", [
    ({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}, True),
    ({"verbs": ["create"], "apiGroups": ["apps"], "resources": ["deployments"]}, True),
    ({"verbs": ["create"], "apiGroups": [""], "resources": ["deployments"]}, False),
    ({"verbs": ["get"], "apiGroups": ["apps"], "resources": ["deployments"]}, False),
    # A rule for named objects never allows create or list of the resource.
    ({"verbs": ["create"], "apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["web"]}, False),
])
def test_rules_are_matched_like_rbac(rule, granted):
    assert permissions.granted_by_rules([rule], Permission("apps", "deployments", "create")) is granted


def test_a_refused_rules_review_falls_back_to_access_reviews(cluster):
    real_create = cluster.create

    def create(obj, dry_run=False):
        if obj["kind"] == "SelfSubjectRulesReview":
            raise K8sForbiddenError("forbidden", 403, "Forbidden")
        return real_create(obj, dry_run)

    cluster.create = create
    cluster.calls.clear()
    cluster.denied = {("", "configmaps", "update")}
    assert permissions.missing_permissions(cluster, "default") == [Permission("", "configmaps", "update")]
    assert len(reviews(cluster)) == len(permissions.RELEASE_PERMISSIONS)


def test_without_a_canary_service_creating_services_is_not_needed():
    assert Permission("", "services", "create") not in permissions.release_permissions(create_service=False)
    assert Permission("", "services", "delete") in permissions.release_permissions(create_service=False)


@pytest.mark.parametrize("check_mode", [False, True])
def test_the_canary_refuses_before_writing_anything(cluster, make_ctx, check_mode):
    cluster.denied = {("apps", "deployments", "delete")}
    cluster.calls.clear()
    with pytest.raises(ReleaseError) as err:
        canary_ops.ensure_canary(make_ctx(check_mode=check_mode), "2", image="web:2")
    assert err.value.field == "check_permissions"
    assert 'User "release-bot" cannot delete resource "deployments" in API group "apps"' in err.value.message
    assert "docs/rbac/member-cluster.yaml" in err.value.message
    assert cluster.writes() == [], "something was written before the permission check refused"


def test_the_check_can_be_turned_off(cluster, make_ctx):
    cluster.denied = {("apps", "deployments", "delete")}
    result = canary_ops.ensure_canary(make_ctx(), "2", image="web:2", check_permissions=False)
    assert result["changed"] and reviews(cluster) == []


def test_extra_permissions_are_asked_too(cluster, make_ctx):
    cluster.denied = {("", "pods", "list")}
    with pytest.raises(ReleaseError) as err:
        canary_ops.ensure_canary(make_ctx(), "2", image="web:2", extra_permissions=["list pods"])
    assert 'cannot list resource "pods" in the namespace' in err.value.message
    assert canary_ops.ensure_canary(make_ctx(), "2", image="web:2")["changed"], "list pods is not a release need"


@pytest.mark.parametrize("text", ["list", "list pods now", "li$t pods", "list p*ds"])
def test_malformed_extra_permissions_name_the_field(cluster, make_ctx, text):
    with pytest.raises(ReleaseError) as err:
        canary_ops.ensure_canary(make_ctx(), "2", image="web:2", extra_permissions=[text])
    assert err.value.field == "extra_permissions"
    assert "e.g. 'list pods'" in err.value.message


def test_permission_words_parse_like_kubectl():
    assert permissions.parse("f", "create deployments.apps") == Permission("apps", "deployments", "create")
    assert permissions.parse("f", "list pods") == Permission("", "pods", "list")
    assert permissions.parse("f", "get serviceexports.multicluster.x-k8s.io") == Permission(
        "multicluster.x-k8s.io", "serviceexports", "get")
