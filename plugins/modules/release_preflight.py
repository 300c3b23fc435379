#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_preflight
short_description: Check, in many clusters at once, that each can take a release, before anything is written
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Runs the dry run of M(progressive.delivery.canary) (check mode) in every cluster of I(clusters) from one
    process, the clusters checked I(parallel) at a time, and fails naming each cluster that cannot take the
    release and why - unreachable, credentials refused or missing a permission of the release, no stable or
    several, a release of another version in progress, the version rejected, the lock held by another run.
  - Meant to run once per play (C(run_once) over the play's hosts) before the first cluster is changed, so a
    fleet of hundreds of clusters is checked in seconds rather than one module process per cluster and task.
  - Changes nothing but, with O(take_lock), the release lock; in check mode it writes nothing.
extends_documentation_fragment:
  - progressive.delivery.release_canary
  - progressive.delivery.release_app
  - progressive.delivery.release_lock
  - progressive.delivery.k8s_auth
options:
  clusters:
    description:
      - The clusters to check, by name (the name is only used in results and messages), each with its connection
        options - C(kubeconfig), C(context), C(host), C(api_key), C(validate_certs), C(ca_cert), C(client_cert),
        C(client_key), C(proxy) - as the fleet inventory's C(k8s_auth) host variable holds them.
      - An entry with no options (C(null) or C({})) uses the module's own connection options.
      - The C(api_key) values are masked in the module's output.
    type: dict
    required: true
  parallel:
    description: Clusters checked at the same time.
    type: int
    default: 20
  version:
    description: The version about to be released (a valid label value).
    type: str
    required: true
  create_service:
    description: Whether the release creates its canary-only Service (then C(create services) is required).
    type: bool
    default: true
  take_lock:
    description:
      - Once every cluster passed, take this run's release lock (O(lock_owner), O(lock_run)) in each cluster that
        still has to take the release, in name order, so that of two runs of the same release started together one
        holds them all and the other is refused here, before it writes anything else (a refusal gives back the
        locks it took). The only write this module makes; not in check mode.
    type: bool
    default: false
notes:
  - Supports check mode; it writes nothing then.
  - The per-cluster checks are exactly those of M(progressive.delivery.canary) in check mode.
seealso:
  - module: progressive.delivery.canary
  - module: progressive.delivery.release_info
"""

EXAMPLES = r"""
- name: Check every cluster of the play before the first one is changed
  progressive.delivery.release_preflight:
    clusters: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'k8s_auth'))) }}"
    namespace: shop
    app: web
    version: "2.0.0"
    image: registry.example.com/web:2.0.0
    extra_permissions: [list pods]
  run_once: true
  register: preflight

- name: Clusters where version 2.0.0 already completed
  ansible.builtin.debug:
    msg: "{{ preflight.done }}"
"""

RETURN = r"""
clusters:
  description:
    - Per cluster name, C(ok) and either what the canary would do (C(plan), C(phase), C(stable), C(stable_version),
      C(total_replicas), C(name), C(service_name), C(done) when the version already completed there) or why it
      cannot take the release (C(msg), C(field)).
  returned: always
  type: dict
  sample: {"shop-prod-us-east1": {"ok": true, "done": false, "plan": ["create Deployment web-2"], "stable": "web",
           "stable_version": "1", "total_replicas": 3}}
ready:
  description: Clusters that can take the release, sorted.
  returned: always
  type: list
  elements: str
done:
  description: Clusters where the version already completed its release, sorted.
  returned: always
  type: list
  elements: str
locked:
  description: With O(take_lock), the clusters where this run now holds the release lock, sorted.
  returned: always
  type: list
  elements: str
failed_clusters:
  description: Clusters that cannot take the release, sorted (the module then fails).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.module_utils.release import preflight
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import release_module


def main():
    module = release_module(
        dict(
            clusters={"type": "dict", "required": True},
            parallel={"type": "int", "default": 20},
            version={"type": "str", "required": True},
            create_service={"type": "bool", "default": True},
            take_lock={"type": "bool", "default": False},
        ),
        canary=True,
        supports_check_mode=True,
    )
    p = module.params
    module.no_log_values.update(preflight.secrets_of(p["clusters"]))
    if p["parallel"] < 1:
        module.fail_json(msg="parallel: %d must be 1 or more (clusters checked at the same time)" % p["parallel"],
                         field="parallel")
    if not p["clusters"]:
        module.fail_json(msg="clusters: is empty; give at least one cluster (name: connection options)",
                         field="clusters")
    defaults = dict((key, p.get(key)) for key in AUTH_ARG_SPEC)
    context_keys = ("namespace", "app", "app_label", "version_label", "lock_owner", "lock_run", "lock_ttl",
                    "take_over_lock")
    context_options = dict((key, p[key]) for key in context_keys)
    canary_options = dict(version=p["version"], image=p["image"], container=p["container"], images=p["images"],
                          overrides=p["template_overrides"], create_service=p["create_service"], force=p["force"],
                          check_permissions=p["check_permissions"], extra_permissions=p["extra_permissions"])
    try:
        # A malformed entry stops the module before any cluster is asked anything.
        auths = dict((name, preflight.cluster_auth(name, entry, defaults)) for name, entry in p["clusters"].items())
    except ReleaseError as err:
        module.fail_json(msg=err.message, field=err.field)
    results = preflight.dry_run_all(auths, context_options, canary_options, p["parallel"])
    failed = sorted(name for name, r in results.items() if not r["ok"])
    outcome = {
        "changed": False,
        "clusters": results,
        "ready": sorted(name for name, r in results.items() if r["ok"] and not r["done"]),
        "done": sorted(name for name, r in results.items() if r["ok"] and r["done"]),
        "failed_clusters": failed,
    }
    if failed:
        module.fail_json(msg=preflight.failure_message(results), **outcome)
    outcome["locked"] = []
    if p["take_lock"] and not module.check_mode:
        lockable = dict((name, auth) for name, auth in auths.items() if not results[name]["done"])
        outcome["locked"], refused = preflight.take_locks(lockable, context_options)
        if refused is not None:
            module.fail_json(msg="%s: %s; nothing was changed anywhere" % refused, blame="lock", **outcome)
        outcome["changed"] = bool(outcome["locked"])
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
