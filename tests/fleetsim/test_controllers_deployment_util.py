"""The arithmetic of deployment_util.go: fenceposts, proportions, the template hash and its alphabet."""
from __future__ import annotations

import pytest

from fleetsim.controllers import deployment_util as du


def dep(replicas, surge="25%", unavailable="25%", strategy="RollingUpdate"):
    spec = {"replicas": replicas, "strategy": {"type": strategy}}
    if strategy == "RollingUpdate":
        spec["strategy"]["rollingUpdate"] = {"maxSurge": surge, "maxUnavailable": unavailable}
    return {"metadata": {"generation": 1}, "spec": spec, "status": {}}


@pytest.mark.parametrize("replicas,surge,unavailable,want", [
    (4, "25%", "25%", (1, 1)),
    (3, "25%", "25%", (1, 0)),      # 0.75: surge rounds up to 1, unavailable down to 0
    (10, "25%", "25%", (3, 2)),
    (1, "0%", "0%", (0, 1)),        # both zero: one pod may be unavailable
    (5, 2, 0, (2, 0)),
    (3, 0, 5, (0, 3)),              # maxUnavailable is capped at replicas
])
def test_fenceposts_round_like_the_real_controller(replicas, surge, unavailable, want):
    d = dep(replicas, surge, unavailable)
    assert (du.max_surge(d), du.max_unavailable(d)) == want


def test_recreate_has_no_surge_or_unavailable_budget():
    d = dep(4, strategy="Recreate")
    assert (du.max_surge(d), du.max_unavailable(d)) == (0, 0)


def test_bad_int_or_string_names_the_field():
    with pytest.raises(ValueError, match="maxSurge"):
        du.scaled_value("lots", 4, True, "maxSurge")


def test_hash_uses_the_safe_alphabet_and_changes_with_template_and_collisions():
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "a:1"}]}}
    h = du.compute_hash(template, None)
    assert h and set(h) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert du.compute_hash(template, None) == h
    assert du.compute_hash(template, 1) != h
    other = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "a:2"}]}}
    assert du.compute_hash(other, None) != h
    # null fields (kubectl rollout undo sends creationTimestamp: null) do not change the hash
    nulls = {"metadata": {"labels": {"app": "web"}, "creationTimestamp": None}, "spec": template["spec"]}
    assert du.compute_hash(nulls, None) == h


def test_safe_encode_matches_apimachinery():
    # rand.SafeEncodeString maps every byte through the alphabet by value modulo its length.
    assert du.safe_encode_string("0123456789") == "".join(
        "bcdfghjklmnpqrstvwxz2456789"[b % 27] for b in b"0123456789")
    assert du.fnv32a(b"") == 0x811C9DC5 and du.fnv32a(b"a") == 0xE40C292C


def test_proportions_of_the_documented_example():
    d = dep(15, 3, 2)
    old = {"metadata": {"annotations": {du.MAX_REPLICAS: "13"}}, "spec": {"replicas": 8}}
    new = {"metadata": {"annotations": {du.MAX_REPLICAS: "13"}}, "spec": {"replicas": 5}}
    first = du.replica_set_proportion(old, d, 5, 0)
    second = du.replica_set_proportion(new, d, 5, first)
    assert (first, second) == (3, 2)
