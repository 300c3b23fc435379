# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the rollout plan reads in each cluster, read-only and every cluster at once.

Per cluster: the release state (fleet_state.summarize), the canary's dry run with every check the
release makes before its first write (preflight.dry_run_one: permissions, lock, reject list, freeze,
template) and how long the app's pods took to become Ready (pod_ready).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sApiError, one_line
from ansible_collections.progressive.delivery.plugins.module_utils.release import fleet_state, info, pod_ready, preflight
from ansible_collections.progressive.delivery.plugins.module_utils.release.context import ReleaseContext
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError

STATE_KEYS = ("namespace", "app", "app_label", "version_label")


def _pod_ready(ctx, described):
    stable = described.get("stable")
    if stable is None:
        return None
    try:
        deployment = ctx.client.get("apps/v1", "Deployment", ctx.ref.namespace, stable["name"])
        return pod_ready.ready_seconds(ctx.client, deployment)
    except K8sApiError:
        # The history is a hint for the estimate: without it the plan counts the stated default.
        return None


def read_one(name, auth, context_options, canary_options):
    """{'state': summary, 'dry_run': preflight result, 'pod_ready': {seconds, pods, replicaset} or None}."""
    state_options = dict((k, context_options[k]) for k in STATE_KEYS)
    try:
        ctx = ReleaseContext(get_client(auth), check_mode=True, wait=False, **state_options)
        described = info.describe_app(ctx)
        state = fleet_state.summarize(described, canary_options["version"])
        ready = _pod_ready(ctx, described)
    except ReleaseError as err:
        return {"state": {"ok": False, "msg": err.message}, "dry_run": None, "pod_ready": None}
    except K8sApiError as err:
        msg = getattr(err, "message", None) or one_line(str(err))
        return {"state": {"ok": False, "msg": msg}, "dry_run": None, "pod_ready": None}
    dry_run = preflight.dry_run_one(name, auth, context_options, canary_options)
    return {"state": state, "dry_run": dry_run, "pod_ready": ready}


def read_all(auths, context_options, canary_options, parallel=20):
    """{cluster: read_one(...)} in the order of auths, `parallel` clusters at a time."""
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(auths) or 1))) as pool:
        futures = [(name, pool.submit(read_one, name, auth, context_options, canary_options))
                   for name, auth in auths.items()]
        return dict((name, future.result()) for name, future in futures)
