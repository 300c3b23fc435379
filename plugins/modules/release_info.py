#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_info
short_description: Read where an app's canary release stands in one cluster or in many at once
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Read-only. Returns the versions of the app present in the namespace with desired and ready replicas per
    version, which Deployment is the stable and which the canary, the release phase and step recorded on the
    canary, the release lock, the freeze and the app's reject list.
  - With O(clusters), reads every cluster from one process (a thread each) and returns each one's release state
    in RV(clusters), what the promotion gate decides from them in RV(promotion), and with O(environments) the
    first environment that does not yet run O(version) everywhere, in RV(first_pending). The roles decide
    promotion and plan from these results and never read the release annotations themselves.
extends_documentation_fragment:
  - progressive.delivery.release_app
  - progressive.delivery.k8s_auth
options:
  version:
    description:
      - The version the caller cares about; RV(summary) and RV(clusters) then say whether it is promoted there
        (the stable, every pod Ready, no release in progress) and whether it is rejected.
    type: str
  clusters:
    description:
      - Read many clusters at once, by name, each with its connection options - C(kubeconfig), C(context), C(host),
        C(api_key), ... - like M(progressive.delivery.release_preflight). An entry with no options uses the
        module's own. The order given is the order of the results.
    type: dict
  parallel:
    description: With O(clusters), clusters read at the same time.
    type: int
    default: 20
  environments:
    description:
      - With O(clusters), the environments in promotion order, each a list of names of O(clusters); RV(first_pending)
        is then the position of the first one that does not run O(version) healthy everywhere.
    type: dict
  require:
    description: With O(clusters), whether V(all) clusters or V(any) one must run O(version) healthy to promote it.
    type: str
    choices: [all, any]
    default: all
  soak_seconds:
    description: With O(clusters), how long the version must have run before it is promoted (RV(promotion.wait_seconds)).
    type: int
    default: 0
  fail_on_unreadable:
    description: With O(clusters), fail naming every cluster that could not be read (unreachable, refused).
    type: bool
    default: true
  find_namespaces:
    description:
      - Only find where the app runs - the namespaces holding Deployments labelled O(app_label)=O(app), from one
        label query over all namespaces the credentials can list - and return them as RV(namespaces); O(namespace)
        is then not used (give any value, for example V(default)). Nothing about a release is read.
    type: bool
    default: false
notes:
  - Never changes anything; works the same in check mode.
seealso:
  - module: progressive.delivery.canary
  - module: progressive.delivery.scale_step
"""

EXAMPLES = r"""
- name: Where does the release of web stand?
  progressive.delivery.release_info:
    namespace: shop
    app: web
  register: web_release

- name: Where does web run?
  progressive.delivery.release_info:
    namespace: default
    app: web
    find_namespaces: true
  register: web_namespaces

- name: Stop when a release of web is already running
  ansible.builtin.assert:
    that: web_release.canary is none
    fail_msg: "a release of web is in progress (phase {{ web_release.phase }}, step {{ web_release.step }})"
"""

RETURN = r"""
summary:
  description:
    - The release state in the module's words (one cluster) - C(version) (the stable's), C(canary) (version of a
      release in progress), C(phase), C(step), C(split) (stable/canary replicas), C(promoted) (O(version) is the
      stable with no release in progress), C(healthy) (every pod of the stable Ready), C(ready), C(rejected) (the
      reason O(version) was rejected, or null), C(frozen), C(lock) (a live lock), C(stable_since), C(age_seconds).
  returned: without O(clusters)
  type: dict
clusters:
  description: With O(clusters), the same C(summary) per cluster name (C(ok) false and C(msg) when it could not be read).
  returned: with O(clusters)
  type: dict
promotion:
  description:
    - With O(clusters) and O(version), whether O(version) may be promoted past these clusters - C(passed), C(eligible)
      (clusters running it healthy), C(age_seconds), C(wait_seconds) (soak time still to wait), C(reason).
  returned: with O(clusters) and O(version)
  type: dict
  contains:
    passed:
      description: Whether the version may be promoted.
      type: bool
    eligible:
      description: Clusters running the version as their stable with every pod Ready.
      type: list
      elements: str
    age_seconds:
      description: How long the deciding cluster has run it (the last to finish with V(all), the first with V(any)).
      type: int
    wait_seconds:
      description: Soak time still to wait before promoting, 0 once it has passed.
      type: int
    reason:
      description: One line saying why it passed or which clusters keep it from passing.
      type: str
namespaces:
  description: With O(find_namespaces), the namespaces holding the app's Deployments, sorted (empty when none).
  returned: with O(find_namespaces)
  type: list
  elements: str
  sample: [shop]
first_pending:
  description: With O(environments), the position (from 0) of the first environment not verified everywhere.
  returned: with O(environments)
  type: int
frozen:
  description: The freeze mark of the release in progress (reason, at, by, canary, stable), or null.
  returned: without O(clusters)
  type: dict
exists:
  description: Whether any Deployment of the app exists.
  returned: always
  type: bool
versions:
  description: One entry per version with desired and ready replicas and its Deployments.
  returned: always
  type: list
  elements: dict
  sample: [{"version": "1", "replicas": 3, "ready_replicas": 3, "deployments": [{"name": "web", "role": "stable"}]},
           {"version": "2", "replicas": 2, "ready_replicas": 2, "deployments": [{"name": "web-2", "role": "canary"}]}]
stable:
  description: The stable Deployment (name, version, replicas, ready_replicas, ...), or null.
  returned: always
  type: dict
canary:
  description: The canary Deployment of the release in progress, or null.
  returned: always
  type: dict
retired:
  description: Former stables kept at 0 replicas after a finish with keep_stable.
  returned: always
  type: list
  elements: dict
baseline:
  description:
    - The baseline Deployment (fresh pods of the stable version the judge compares the canary with, see
      M(progressive.delivery.baseline)), role C(baseline); null when there is none. Never the stable or the canary.
  returned: always
  type: dict
  sample: {"name": "web-baseline", "version": "1.9.3", "role": "baseline", "replicas": 1, "ready_replicas": 1,
           "available_replicas": 1, "updated_replicas": 1}
services:
  description: Services selecting the app.
  returned: always
  type: list
  elements: str
canary_services:
  description: Canary-only Services of the release in progress.
  returned: always
  type: list
  elements: str
total_replicas:
  description: N of the release in progress, or null.
  returned: always
  type: int
ready_replicas:
  description: Ready pods of the app, all versions together.
  returned: always
  type: int
phase:
  description: Release phase (Created, Scaling, Steady, Failed, Finishing, RollingBack, or Completed after a finish).
  returned: always
  type: str
  sample: Steady
step:
  description: Steps completed in the release in progress, or null.
  returned: always
  type: int
release:
  description: All release annotations parsed (started_at, updated_at, last_verdict, last_error, targets, ...).
  returned: always
  type: dict
lock:
  description: The release lock (owner, acquired_at, expires_at, expired), or null.
  returned: always
  type: dict
rejected_versions:
  description: The app's reject list.
  returned: always
  type: dict
problems:
  description: Inconsistencies found (several canaries, several stable candidates).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import K8sApiError
from ansible_collections.progressive.delivery.plugins.module_utils.release import fleet_state, info, names, preflight
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import argument_spec, run


def describe_one(ctx, version):
    result = info.describe_app(ctx)
    result["summary"] = fleet_state.summarize(result, version)
    return result


def describe_many(module):
    p = module.params
    module.no_log_values.update(preflight.secrets_of(p["clusters"]))
    try:
        names.check_label_value("app", p["app"])
        names.check_namespace("namespace", p["namespace"])
        if p["parallel"] < 1:
            raise ReleaseError("parallel: %d must be 1 or more (clusters read at the same time)" % p["parallel"],
                               field="parallel")
        defaults = dict((key, p.get(key)) for key in AUTH_ARG_SPEC)
        auths = dict((name, preflight.cluster_auth(name, entry, defaults)) for name, entry in p["clusters"].items())
        for env, members in (p["environments"] or {}).items():
            unknown = [c for c in members or [] if c not in auths]
            if unknown:
                raise ReleaseError("environments.%s: %s not in clusters; list each environment's clusters in clusters "
                                   "too" % (env, ", ".join(unknown)), field="environments")
    except ReleaseError as err:
        module.fail_json(msg=err.message, field=err.field)
    context = dict((key, p[key]) for key in ("namespace", "app", "app_label", "version_label"))
    states = fleet_state.read_all(auths, context, p["version"], p["parallel"])
    result = {"changed": False, "app": p["app"], "namespace": p["namespace"], "clusters": states}
    if p["version"] is not None:
        result["promotion"] = fleet_state.promotion(states, p["version"], p["require"], p["soak_seconds"])
    if p["environments"] is not None:
        result["first_pending"] = fleet_state.first_pending(p["environments"], states)
    unreadable = [name for name, state in states.items() if not state["ok"]]
    if unreadable and p["fail_on_unreadable"]:
        module.fail_json(msg="%d of %d clusters could not be read: %s" % (
            len(unreadable), len(states), "; ".join("%s: %s" % (n, states[n]["msg"]) for n in unreadable)),
            blame="evidence", **result)
    module.exit_json(**result)


def find_namespaces(module):
    p = module.params
    try:
        names.check_label_value("app", p["app"])
        names.check_label_key("app_label", p["app_label"])
        body = module.client.list("apps/v1", "Deployment", None, label_selector="%s=%s" % (p["app_label"], p["app"]))
    except ReleaseError as err:
        module.fail_json(msg=err.message, field=err.field)
    except K8sApiError as err:
        module.fail_from_error(err, blame="evidence")
    found = sorted(set(d["metadata"].get("namespace") for d in body.get("items") or [] if d.get("metadata")))
    module.exit_json(changed=False, app=p["app"], namespaces=found)


def main():
    module = K8sModule(
        argument_spec=argument_spec(
            version={"type": "str"},
            clusters={"type": "dict"},
            parallel={"type": "int", "default": 20},
            environments={"type": "dict"},
            require={"type": "str", "choices": ["all", "any"], "default": "all"},
            soak_seconds={"type": "int", "default": 0},
            fail_on_unreadable={"type": "bool", "default": True},
            find_namespaces={"type": "bool", "default": False},
        ),
        supports_check_mode=True,
    )
    if module.params["find_namespaces"]:
        find_namespaces(module)
    if module.params["clusters"] is not None:
        describe_many(module)
    run(module, lambda ctx: describe_one(ctx, module.params["version"]), wait=False)


if __name__ == "__main__":
    main()
