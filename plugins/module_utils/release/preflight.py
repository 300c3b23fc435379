# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The canary's dry run in many clusters at once, from one process.

One Ansible task per cluster costs a module process each (a fleet of 200 clusters with forks 20
waits ten rounds of them per task); here every cluster gets its own client and the dry runs share a
thread pool, so the whole fleet is checked in about the time of its slowest API server.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sApiError, one_line
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.waiter import WaitError
from ansible_collections.progressive.delivery.plugins.module_utils.release import canary_ops
from ansible_collections.progressive.delivery.plugins.module_utils.release.context import ReleaseContext
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument, ReleaseError

# Option name of every auth key a cluster entry may carry, aliases included.
AUTH_KEYS = dict((name, name) for name in AUTH_ARG_SPEC)
AUTH_KEYS.update(dict((alias, name) for name, spec in AUTH_ARG_SPEC.items() for alias in spec.get("aliases", [])))


def cluster_auth(name, entry, defaults):
    """The auth options of one entry of `clusters`: its own keys, or the module's when it has none."""
    if entry in (None, "", {}):
        return dict(defaults)
    if not isinstance(entry, dict):
        raise InvalidArgument("clusters.%s" % name, "must be a mapping of connection options (kubeconfig, "
                                                    "context, host, api_key, ...), got %s" % type(entry).__name__)
    auth = dict((key, None) for key in AUTH_ARG_SPEC)
    for key, value in entry.items():
        if key not in AUTH_KEYS:
            raise InvalidArgument("clusters.%s.%s" % (name, key), "is not a connection option; use one of %s"
                                  % ", ".join(sorted(AUTH_ARG_SPEC)))
        if key in ("validate_certs", "verify_ssl") and value is not None:
            try:
                value = boolean(value, strict=True)
            except TypeError:
                raise InvalidArgument("clusters.%s.%s" % (name, key), "%r is not a boolean" % (value,))
        auth[AUTH_KEYS[key]] = value
    return auth


def secrets_of(clusters):
    """The api_key values of every entry: the module masks them in its output."""
    return [entry.get("api_key") for entry in (clusters or {}).values()
            if isinstance(entry, dict) and entry.get("api_key")]


def _summary(result):
    keep = ("phase", "stable", "stable_version", "total_replicas", "name", "service_name", "plan", "targets", "msg")
    return dict((k, result[k]) for k in keep if result.get(k) is not None)


def dry_run_one(name, auth, context_options, canary_options):
    """{'ok': True, ...what the canary would do} or {'ok': False, 'msg': why, 'field': ...}."""
    try:
        ctx = ReleaseContext(get_client(auth), check_mode=True, wait=False, **context_options)
        result = canary_ops.ensure_canary(ctx, **canary_options)
    except ReleaseError as err:
        if err.field == "version" and _already_stable(ctx, canary_options["version"]):
            # The cluster already runs the version (a release done before the record existed, or by hand).
            return {"ok": True, "done": True, "msg": "version %s is already the stable version here" %
                    canary_options["version"]}
        return {"ok": False, "msg": err.message, "field": err.field}
    except (K8sApiError, WaitError) as err:
        return {"ok": False, "msg": getattr(err, "message", None) or one_line(str(err))}
    summary = _summary(result)
    summary["ok"] = True
    # canary returns no plan for a version that already completed its release here.
    summary["done"] = "plan" not in result
    return summary


def _already_stable(ctx, version):
    try:
        view = ctx.view()
        return view.canary is None and any(view.version_of(d) == version for d in view.stable_candidates)
    except (ReleaseError, K8sApiError):
        return False


def dry_run_all(auths, context_options, canary_options, parallel):
    """{cluster name: dry_run_one result} for {name: auth options}, `parallel` clusters at a time."""
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(auths) or 1))) as pool:
        futures = dict((name, pool.submit(dry_run_one, name, auth, context_options, canary_options))
                       for name, auth in auths.items())
        return dict((name, future.result()) for name, future in futures.items())


def failure_message(results, limit=10):
    """One line naming every cluster that cannot take the release (the first `limit` with their reason)."""
    failed = sorted(name for name, r in results.items() if not r["ok"])
    shown = "; ".join("%s: %s" % (name, results[name]["msg"]) for name in failed[:limit])
    more = (" (and %d more: %s)" % (len(failed) - limit, ", ".join(failed[limit:]))) if len(failed) > limit else ""
    return "%d of %d clusters cannot take the release, nothing was changed anywhere: %s%s" % (
        len(failed), len(results), shown, more)


def take_locks(auths, context_options):
    """Take this run's release lock in every cluster, in name order; ([taken], None) or ([], (cluster, message)).

    One order for every run: of two runs started together, the one that takes the first cluster's lock takes
    them all, and the other is refused there, before it writes anything else. A refusal gives back the locks
    this call took.
    """
    taken = []
    for name in sorted(auths):
        try:
            ctx = ReleaseContext(get_client(auths[name]), check_mode=False, wait=False, **context_options)
            action = ctx.hold_lock()
        except (ReleaseError, K8sApiError) as err:
            for _done, done_ctx in taken:
                if done_ctx is not None:
                    done_ctx.release_lock()
            return [], (name, getattr(err, "message", None) or one_line(str(err)))
        # A lock this run already held (a re-run of the same run) is not given back on a refusal.
        taken.append((name, ctx if action != "renew" else None))
    return [name for name, _ctx in taken], None
