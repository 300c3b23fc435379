# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a release stands in many clusters at once, and what that means for promotion.

One process reads every cluster (a thread each, like preflight.py) and sums each up in the release's
terms: the stable version, a release in progress, promoted (the version is the stable and no release is
in progress), healthy (every pod of the stable Ready), rejected, frozen, locked, and since when the stable
has served. The promotion gate and the rollout plan decide from these sums; the roles only branch.
"""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sApiError, one_line
from ansible_collections.progressive.delivery.plugins.module_utils.release import info
from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.context import ReleaseContext
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError

REQUIRE_ALL, REQUIRE_ANY = "all", "any"


def summarize(described, version=None, now=None):
    """The release state of one cluster from info.describe_app's result, for version (may be None)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    stable, canary = described["stable"], described["canary"]
    version = None if version is None else str(version)
    healthy = stable is not None and stable["replicas"] >= 1 and stable["ready_replicas"] >= stable["replicas"]
    since = st.parse_timestamp(described.get("stable_since"))
    rejected = described["rejected_versions"].get(version) if version is not None else None
    lock = described.get("lock")
    return {
        "ok": True,
        "exists": described["exists"],
        "version": stable["version"] if stable is not None else None,
        "canary": canary["version"] if canary is not None else None,
        "phase": described["phase"],
        "step": described["step"],
        "split": ("%d/%d" % (stable["replicas"] if stable else 0, canary["replicas"])) if canary is not None else None,
        "promoted": version is not None and canary is None and stable is not None and stable["version"] == version,
        "healthy": healthy,
        "ready": "%d/%d" % (stable["ready_replicas"], stable["replicas"]) if stable is not None else "0/0",
        "rejected": (rejected.get("reason") or "rejected") if rejected is not None else None,
        "frozen": described.get("frozen"),
        "lock": lock if lock is not None and not lock.get("expired") else None,
        "stable_since": described.get("stable_since"),
        "age_seconds": int((now - since).total_seconds()) if since is not None else -1,
        "rejected_versions": described["rejected_versions"],
        "problems": described["problems"],
    }


def read_one(auth, context_options, version):
    try:
        ctx = ReleaseContext(get_client(auth), check_mode=True, wait=False, **context_options)
        return summarize(info.describe_app(ctx), version)
    except ReleaseError as err:
        return {"ok": False, "msg": err.message}
    except K8sApiError as err:
        return {"ok": False, "msg": getattr(err, "message", None) or one_line(str(err))}


def read_all(auths, context_options, version, parallel=20):
    """{cluster: summary} in the order of auths ({name: auth options}), `parallel` clusters at a time."""
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(auths) or 1))) as pool:
        futures = [(name, pool.submit(read_one, auth, context_options, version)) for name, auth in auths.items()]
        return dict((name, future.result()) for name, future in futures)


def verified(summary):
    """The version runs there as the stable, with every pod Ready: nothing to redo."""
    return bool(summary.get("ok") and summary["promoted"] and summary["healthy"])


def first_pending(environments, states):
    """Index of the first environment (ordered {name: [clusters]}) not verified everywhere; len() when none."""
    for index, clusters in enumerate(environments.values()):
        if not all(verified(states[c]) for c in clusters):
            return index
    return len(environments)


def _why_not(name, summary, version):
    if not summary.get("ok"):
        return "%s could not be read (%s)" % (name, summary["msg"])
    if summary["canary"] is not None:
        return "%s has a release of %s in progress (phase %s%s)" % (
            name, summary["canary"], summary["phase"], ", frozen" if summary["frozen"] else "")
    if not summary["promoted"]:
        text = "%s runs %s" % (name, summary["version"] or "nothing")
        if summary["rejected"] is not None:
            text += " (%s was rejected there: %s)" % (version, summary["rejected"])
        return text
    return "%s has %s pods Ready" % (name, summary["ready"])


def promotion(states, version, require=REQUIRE_ALL, soak_seconds=0):
    """May version be promoted past the clusters of states? {passed, eligible, age_seconds, wait_seconds, reason}.

    Eligible clusters run the version as their stable with every pod Ready. require all: every cluster must
    be eligible and the soak runs from the last one to finish; any: one is enough, from the first one.
    wait_seconds is the soak time still to wait (0 once it has passed).
    """
    eligible = [name for name, s in states.items() if verified(s)]
    others = [name for name in states if name not in eligible]
    passed = bool(eligible) and (require == REQUIRE_ANY or not others)
    ages = [states[name]["age_seconds"] for name in eligible]
    age = (min(ages) if require == REQUIRE_ALL else max(ages)) if ages else -1
    wait = max(int(soak_seconds) - age, 0) if age >= 0 else int(soak_seconds)
    if passed:
        reason = "%s of %s run %s healthy (%s) for %ds of the %ds soak" % (
            require, ", ".join(states), version, ", ".join(eligible), max(age, 0), int(soak_seconds))
    else:
        reason = "%s clusters must run %s with every pod Ready, but %s" % (
            require, version, "; ".join(_why_not(n, states[n], version) for n in others))
    return {"passed": passed, "eligible": eligible, "age_seconds": age, "wait_seconds": wait if passed else 0,
            "reason": reason}
