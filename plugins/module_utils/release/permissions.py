# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the credentials may do everything a release does, asked before its first write.

A release that stops half-way for want of a permission leaves a split that someone must finish by
hand, so the canary asks the API server up front: one SelfSubjectRulesReview for the namespace, and
a SelfSubjectAccessReview for each permission the rules review does not show (its answer may be
incomplete, e.g. with webhook authorizers, and the access review is authoritative).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sForbiddenError,
    K8sNotFoundError,
)

Permission = namedtuple("Permission", ["group", "resource", "verb"])


def _each(group, resource, verbs):
    return tuple(Permission(group, resource, verb) for verb in verbs)


# Every request a single-cluster release makes from canary to release_finish / release_rollback
# (docs/rbac/member-cluster.yaml grants them). watch is left out: waits poll without it. pods and
# events are only read to explain a failed wait, so their absence degrades a message, not a release.
RELEASE_PERMISSIONS = (
    _each("apps", "deployments", ("get", "list", "create", "patch", "delete"))
    + _each("", "services", ("get", "list", "create", "delete"))
    + _each("", "configmaps", ("get", "create", "update"))
)


def release_permissions(create_service=True):
    """The permissions of a release; without a canary Service it never creates one."""
    if create_service:
        return RELEASE_PERMISSIONS
    return tuple(p for p in RELEASE_PERMISSIONS if p != Permission("", "services", "create"))


def parse(field, text):
    """'list pods' or 'create deployments.apps' (kubectl auth can-i's words) -> Permission."""
    words = str(text).split()
    if len(words) != 2 or not words[0].isalpha() or not words[1].replace(".", "").replace("-", "").isalnum():
        raise ValueError("%s: %r is not '<verb> <resource>[.<api group>]', e.g. 'list pods' or "
                         "'create deployments.apps'" % (field, text))
    resource, _dot, group = words[1].partition(".")
    return Permission(group, resource, words[0])


def _matches(values, wanted):
    return "*" in values or wanted in values


def granted_by_rules(rules, permission):
    """True when one of the resourceRules of a SelfSubjectRulesReview grants the permission on every
    object (a rule limited to resourceNames does not allow list or create)."""
    for rule in rules or []:
        if rule.get("resourceNames"):
            continue
        if (_matches(rule.get("verbs") or [], permission.verb)
                and _matches(rule.get("apiGroups") or [], permission.group)
                and _matches(rule.get("resources") or [], permission.resource)):
            return True
    return False


def _rules_review(client, namespace):
    """The resourceRules the server lists for the credentials ([] when it does not answer)."""
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
              "spec": {"namespace": namespace}}
    try:
        status = client.create(review).get("status") or {}
    except (K8sForbiddenError, K8sNotFoundError):
        return []
    return status.get("resourceRules") or []


def _access_review(client, namespace, permission):
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"namespace": namespace, "group": permission.group,
                                              "resource": permission.resource, "verb": permission.verb}}}
    try:
        return bool((client.create(review).get("status") or {}).get("allowed"))
    except K8sNotFoundError:
        # No SelfSubjectAccessReview on this server: nothing can be proven missing.
        return True


def missing_permissions(client, namespace, needed=RELEASE_PERMISSIONS):
    """The permissions of `needed` the credentials do not have in `namespace`, in `needed`'s order.

    Costs one request when the rules review shows them all; each permission it does not show is
    confirmed by an access review, the authoritative answer whatever the authorizers are."""
    rules = _rules_review(client, namespace)
    return [p for p in needed if not granted_by_rules(rules, p) and not _access_review(client, namespace, p)]


def username(client):
    """Who the API server says the credentials are (None when it cannot say)."""
    try:
        body = client.create({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    except (K8sForbiddenError, K8sNotFoundError):
        return None
    return ((body.get("status") or {}).get("userInfo") or {}).get("username")


def describe_missing(missing, namespace, user=None):
    """One line in the API server's own words: 'User "x" cannot create resource "deployments" ...'."""
    parts = []
    for p in missing:
        group = (' in API group "%s"' % p.group) if p.group else ""
        parts.append('cannot %s resource "%s"%s' % (p.verb, p.resource, group))
    who = ('User "%s"' % user) if user else "these credentials"
    return '%s %s in the namespace "%s"' % (who, "; ".join(parts), namespace)
