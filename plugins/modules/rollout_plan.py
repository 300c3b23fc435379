#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rollout_plan
short_description: Plan a fleet-wide rollout and estimate its duration, reading every cluster and changing nothing
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
description:
  - Read-only. Reads every cluster of O(sets) from one process (a thread each) - the app's release state, the dry run
    of M(progressive.delivery.canary) with every check a release makes before its first write (permissions, lock,
    reject list, freeze, template), and how long the app's pods took to become Ready (the Ready transition times of
    the pods of the stable Deployment's current ReplicaSet).
  - Decides, as C(playbooks/rollout.yml) will at run time, what happens in each environment set, environment, wave
    and cluster - skipped (already runs the version healthy), resumed from step k, released from scratch, or refused
    with the reason - and estimates the duration of every cluster, wave, environment, set and of the whole rollout
    from the configured waits, the pod-ready times and the per-task overhead C(make bench) measures; it names the
    critical path.
  - Returns the plan as a document (RV(plan), C(docs/schemas/rollout-plan.schema.json)) and as printable lines
    (RV(table)). Refusals do not fail the module unless O(fail_on_refusal).
extends_documentation_fragment:
  - progressive.delivery.release_canary
  - progressive.delivery.release_app
  - progressive.delivery.release_lock
  - progressive.delivery.k8s_auth
options:
  version:
    description: The version the rollout would release.
    type: str
    required: true
  clusters:
    description:
      - Every member cluster of O(sets), by name, with its connection options (C(kubeconfig), C(context), C(host),
        C(api_key), ...), as for M(progressive.delivery.release_preflight). An entry with no options uses the module's.
    type: dict
    required: true
  sets:
    description:
      - >-
        The environment sets to plan, each a mapping of its environments (the inventory groups) in promotion order to
        their clusters in wave order, e.g. C({services: {services_dev: [a, b], services_prod: [c, d]}}).
    type: dict
    required: true
  config_clusters:
    description: Per environment group, its config cluster (MCS/MCI), when it has one.
    type: dict
    default: {}
  waves:
    description: The waves of every environment, as C(multicluster_release_waves) (cluster counts or shares).
    type: list
    elements: raw
    default: [1, "50%", "100%"]
  parallel:
    description: Clusters read at the same time.
    type: int
    default: 20
  steps:
    description: The step schedule, as C(canary_release_strategy), C(canary_release_step_size) and C(canary_release_weights).
    type: dict
    default: {}
    suboptions:
      strategy:
        description: V(pods) (O(steps.step_size) pods per step) or V(weights) (shares of N).
        type: str
        choices: [pods, weights]
        default: pods
      step_size:
        description: Pods moved per step.
        type: int
        default: 1
      weights:
        description: Shares of N, increasing, ending at 100.
        type: list
        elements: int
        default: [10, 25, 50, 100]
  waits:
    description: The configured waits of the rollout, as the C(canary_release_*) and C(environment_promotion_*) variables set them.
    type: dict
    default: {}
    suboptions:
      metric_gate:
        description: The metric gate runs after the canary and after every step.
        type: bool
        default: true
      pod_health_gate:
        description: The pod-health gate runs with it.
        type: bool
        default: true
      metric_preflight:
        description: Each cluster asks the metric provider before its first write.
        type: bool
        default: true
      gate_initial_delay:
        description: Wait before a gate's first measurement (V(30s), V(1m), seconds).
        type: str
        default: 30s
      gate_interval:
        description: Wait between a gate's measurements.
        type: str
        default: 30s
      gate_count:
        description: Measurements per gate.
        type: int
        default: 3
      smoke:
        description: The canary Service is smoke-tested.
        type: bool
        default: true
      smoke_requests:
        description: Requests of the smoke test.
        type: int
        default: 5
      pause_seconds:
        description: Pause after every step.
        type: int
        default: 0
      soak_seconds:
        description: Soak before every environment after the first.
        type: int
        default: 600
      require:
        description: V(all) clusters of the previous environment or V(any) one must run the version to promote it.
        type: str
        choices: [all, any]
        default: all
      approval:
        description: A manual approval before every environment after the first (waits for a person; not counted).
        type: bool
        default: false
      promotion_metric:
        description: The promotion gate checks the previous environment's error ratio in Prometheus.
        type: bool
        default: false
      finish:
        description: Each cluster finishes on its own (C(multicluster_release_rollback_scope=cluster)); false finishes them together.
        type: bool
        default: true
  pod_ready_default:
    description: Seconds a pod takes to become Ready where the cluster shows no history of the app (stated in the plan).
    type: float
    default: 5
  task_seconds:
    description: Seconds one module task costs the controller; default the constant C(make bench) measured (0.65).
    type: float
  sets_in_parallel:
    description: The sets run at the same time (one C(ansible-playbook) each); the whole rollout then lasts as long as the slowest.
    type: bool
    default: false
  fail_on_refusal:
    description: Fail when any cluster or set would be refused.
    type: bool
    default: false
notes:
  - Never changes anything; works the same in check mode. The only requests it makes are reads (GET, LIST) and the
    access reviews that ask whether the credentials may make the release's requests.
seealso:
  - module: progressive.delivery.release_info
  - module: progressive.delivery.release_preflight
"""

EXAMPLES = r"""
- name: Plan web 2 through the services set
  progressive.delivery.rollout_plan:
    namespace: shop
    app: web
    version: "2"
    clusters: "{{ dict(groups['services'] | zip(groups['services'] | map('extract', hostvars, 'k8s_auth'))) }}"
    sets:
      services:
        services_dev: "{{ groups['services_dev'] }}"
        services_prod: "{{ groups['services_prod'] }}"
    waves: [1, "100%"]
    waits:
      soak_seconds: 600
  register: plan

- name: Show it
  ansible.builtin.debug:
    msg: "{{ plan.table }}"
"""

RETURN = r"""
plan:
  description:
    - The plan - sets, environments, waves, clusters with what is there now, the decision and the estimated seconds,
      the refusals, the critical path and the assumptions (docs/schemas/rollout-plan.schema.json).
  returned: always
  type: dict
table:
  description: The plan as printable lines.
  returned: always
  type: list
  elements: str
estimate_seconds:
  description: The estimated duration of the whole rollout.
  returned: always
  type: float
refused:
  description: Whether the rollout would be refused somewhere (the C(refusals) of RV(plan) say where and why).
  returned: always
  type: bool
"""

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ARG_SPEC
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule
from ansible_collections.progressive.delivery.plugins.module_utils.gates.check_spec import parse_duration
from ansible_collections.progressive.delivery.plugins.module_utils.release import names, plan_document, plan_read, plan_table
from ansible_collections.progressive.delivery.plugins.module_utils.release import preflight, rollout_plan, schedule
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.progressive.delivery.plugins.module_utils.release.module_support import (
    CANARY_ARG_SPEC,
    CANARY_MUTUALLY_EXCLUSIVE,
    LOCK_ARG_SPEC,
    argument_spec,
)

STEPS_SPEC = {
    "strategy": {"type": "str", "choices": ["pods", "weights"], "default": "pods"},
    "step_size": {"type": "int", "default": 1},
    "weights": {"type": "list", "elements": "int", "default": [10, 25, 50, 100]},
}
WAITS_SPEC = {
    "metric_gate": {"type": "bool", "default": True},
    "pod_health_gate": {"type": "bool", "default": True},
    "metric_preflight": {"type": "bool", "default": True},
    "gate_initial_delay": {"type": "str", "default": "30s"},
    "gate_interval": {"type": "str", "default": "30s"},
    "gate_count": {"type": "int", "default": 3},
    "smoke": {"type": "bool", "default": True},
    "smoke_requests": {"type": "int", "default": 5},
    "pause_seconds": {"type": "int", "default": 0},
    "soak_seconds": {"type": "int", "default": 600},
    "require": {"type": "str", "choices": ["all", "any"], "default": "all"},
    "approval": {"type": "bool", "default": False},
    "promotion_metric": {"type": "bool", "default": False},
    "finish": {"type": "bool", "default": True},
}


def spec():
    return argument_spec(
        LOCK_ARG_SPEC,
        CANARY_ARG_SPEC,
        version={"type": "str", "required": True},
        clusters={"type": "dict", "required": True},
        sets={"type": "dict", "required": True},
        config_clusters={"type": "dict", "default": {}},
        waves={"type": "list", "elements": "raw", "default": [1, "50%", "100%"]},
        parallel={"type": "int", "default": 20},
        steps={"type": "dict", "default": {}, "options": STEPS_SPEC},
        waits={"type": "dict", "default": {}, "options": WAITS_SPEC},
        pod_ready_default={"type": "float", "default": 5},
        task_seconds={"type": "float"},
        sets_in_parallel={"type": "bool", "default": False},
        fail_on_refusal={"type": "bool", "default": False},
    )


def settings_of(p):
    """The plan's Settings from the module options; a bad value fails naming the option."""
    waits = dict(p["waits"])
    for key in ("gate_initial_delay", "gate_interval"):
        try:
            waits[key] = parse_duration(waits[key], "waits.%s" % key)
        except ValueError as err:
            raise ReleaseError(str(err), field="waits.%s" % key)
    schedule.validate(p["steps"]["strategy"], p["steps"]["step_size"], p["steps"]["weights"])
    for set_name, environments in p["sets"].items():
        for group, members in (environments or {}).items():
            unknown = [c for c in members or [] if c not in p["clusters"]]
            if unknown:
                raise ReleaseError("sets.%s.%s: %s not in clusters" % (set_name, group, ", ".join(unknown)), field="sets")
    return rollout_plan.Settings(p["version"], waits, p["steps"], p["waves"] or ["100%"], p["pod_ready_default"],
                                 task_seconds=p["task_seconds"], force=p["force"], config_clusters=p["config_clusters"],
                                 sets_in_parallel=p["sets_in_parallel"])


def main():
    module = K8sModule(argument_spec=spec(), mutually_exclusive=CANARY_MUTUALLY_EXCLUSIVE,
                       supports_check_mode=True)
    p = module.params
    module.no_log_values.update(preflight.secrets_of(p["clusters"]))
    try:
        names.check_label_value("app", p["app"])
        names.check_namespace("namespace", p["namespace"])
        settings = settings_of(p)
        defaults = dict((key, p.get(key)) for key in AUTH_ARG_SPEC)
        wanted = [c for envs in p["sets"].values() for members in (envs or {}).values() for c in members or []]
        auths = dict((name, preflight.cluster_auth(name, p["clusters"][name], defaults)) for name in dict.fromkeys(wanted))
    except ReleaseError as err:
        module.fail_json(msg=err.message, field=err.field)
    context_keys = ("namespace", "app", "app_label", "version_label", "lock_owner", "lock_run", "lock_ttl", "take_over_lock")
    canary_options = dict(version=p["version"], image=p["image"], container=p["container"], images=p["images"],
                          overrides=p["template_overrides"], create_service=True, force=p["force"],
                          check_permissions=p["check_permissions"], extra_permissions=p["extra_permissions"],
                          steps=dict(p["steps"]))
    reads = plan_read.read_all(auths, dict((k, p[k]) for k in context_keys), canary_options, p["parallel"])
    sets = dict((name, dict((g, list(m or [])) for g, m in (envs or {}).items())) for name, envs in p["sets"].items())
    plan = plan_document.document(p["app"], p["namespace"], sets, reads, settings)
    result = {"changed": False, "plan": plan, "table": plan_table.lines(plan),
              "estimate_seconds": plan["estimate_seconds"], "refused": plan["refused"]}
    if plan["refused"] and p["fail_on_refusal"]:
        module.fail_json(msg="the rollout would be refused: " + "; ".join(
            "%s: %s" % (r["cluster"], r["reason"]) for r in plan["refusals"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
