#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gate_check
short_description: Decide whether a rollout step may proceed from metric, smoke and health checks
version_added: "0.1.0"
description:
  - Runs one or more checks and returns a verdict, V(pass), V(fail) or V(inconclusive), every
    measurement taken, and a one-line reason naming the check, the value and the condition.
  - "Providers: V(prometheus) (instant PromQL queries), V(http) (smoke requests), V(kubernetes)
    (health of a Deployment's pods during the window), V(jmespath) (an expression over data given
    to the task, for example another task's registered result) and V(prometheus_judge) (a statistical
    canary-versus-baseline judge, Kayenta-style: Mann-Whitney U per metric, weighted groups, a 0-100 score)."
  - Each check is measured O(checks[].count) times, O(checks[].interval) apart, after
    O(checks[].initial_delay), like an Argo Rollouts AnalysisRun metric. All checks run on one
    timeline; the gate stops as soon as a decisive check has failed, errored out or become
    inconclusive.
  - A check is V(Failed) when more than O(checks[].failure_limit) measurements failed, V(Inconclusive)
    when more than O(checks[].inconclusive_limit) were inconclusive, V(Error) when more than
    O(checks[].consecutive_error_limit) measurements in a row could not be taken, and V(Successful)
    when all its measurements were taken within those limits and at least one was successful.
    A check whose measurements all errored is never successful.
  - The verdict is V(fail) if a decisive check failed (or errored with O(checks[].on_no_data=fail)),
    V(inconclusive) if one errored or was inconclusive, V(pass) if all decisive checks were successful.
    Dry-run checks are measured and reported but never decide.
  - The task fails when the verdict is V(fail), still returning RV(verdict), RV(reason), RV(blame), RV(checks) and
    RV(measurements) so a C(rescue) block can use them; with O(fail_on_inconclusive=true) it also fails
    on V(inconclusive).
  - RV(blame) tells a failed version (a value breached its condition) from failed evidence (nothing could be
    measured or judged), so that only the first rejects the version.
  - Bad input (unknown provider, a prometheus check without condition, a condition that is not a valid
    expression, a query Prometheus rejects as malformed, wrong Prometheus credentials) fails the task
    with a message naming the check, before any wait, and returns no verdict.
author:
  - progressive.delivery contributors (@progressive-delivery)
extends_documentation_fragment:
  - progressive.delivery.gate
  - progressive.delivery.k8s_auth
attributes:
  check_mode:
    description: Can run in check mode and return the same results as without it.
    support: full
    details:
      - Measuring is read-only, so in check mode the checks are measured exactly as in a normal run and
        the verdict is real.
  diff_mode:
    description: Returns no diff.
    support: none
requirements:
  - jmespath (for V(jmespath) checks and O(checks[].json_assertions))
  - scipy (for V(prometheus_judge) checks)
  - kubernetes (the collection's shared client, used by V(kubernetes) checks; its urllib3 sends the V(prometheus) and V(http) checks' requests)
notes:
  - The connection options (O(kubeconfig), O(context), O(host), ...) are used only by V(kubernetes)
    checks; set them once for all modules with C(module_defaults) and C(group/progressive.delivery.delivery).
  - V(prometheus) and V(http) checks reach their server through the proxy the environment names
    (C(http_proxy), C(https_proxy), C(no_proxy)), open a new connection for each request and follow
    redirects for C(GET) and C(HEAD) only.
  - "Conditions are a small expression language, not Python and not Jinja: numbers, strings, lists,
    comparisons (C(< <= > >= == != in), C(not in)), C(and), C(or), C(not), C(+ - * / // %),
    indexing with a constant (C(result[0]), C(labels['pod'])), the names listed under
    O(checks[].success_condition), the keys of O(checks[].vars), the constants C(nan), C(inf), C(true),
    C(false), C(null), and the functions C(len), C(all), C(any), C(min), C(max), C(abs), C(sum), C(round),
    C(isnan). Anything else is rejected when the task starts."
  - Ansible templates C({{ }}) in options before the module runs; to compare a canary with the stable
    version give the stable query as O(checks[].baseline_query) and use C(baseline) in the condition.
  - "Prometheus values arrive as floats; an empty result or NaN is no data, handled by
    O(checks[].on_no_data). C(sum(rate(errors[1m])) / sum(rate(requests[1m]))) is empty when there are no
    error series: add C(or vector(0)) to the numerator when no errors should mean 0."
  - The V(kubernetes) window opens when the task starts; restart counts and Warning events are compared
    with that moment, so give the check an O(checks[].initial_delay) or O(checks[].count) and
    O(checks[].interval) long enough to see anything.
options:
  checks:
    required: true
"""

EXAMPLES = r"""
- name: Gate the canary on its error ratio, compared with the stable version
  progressive.delivery.gate_check:
    prometheus:
      url: http://prometheus.monitoring:9090
    checks:
      - name: canary-error-ratio
        provider: prometheus
        query: >-
          (sum(rate(http_requests_total{service="shop", version="{{ canary_version }}", code=~"5.."}[1m])) or vector(0))
          / sum(rate(http_requests_total{service="shop", version="{{ canary_version }}"}[1m]))
        baseline_query: >-
          (sum(rate(http_requests_total{service="shop", version="{{ stable_version }}", code=~"5.."}[1m])) or vector(0))
          / sum(rate(http_requests_total{service="shop", version="{{ stable_version }}"}[1m]))
        success_condition: result <= baseline * 1.2 + 0.001
        interval: 30s
        count: 5
        failure_limit: 1
  register: gate

- name: Roll back when the gate fails
  block:
    - name: Check p99 latency of every canary pod, and smoke-test the service
      progressive.delivery.gate_check:
        prometheus:
          url: https://prometheus.example.com
          bearer_token: "{{ prometheus_token }}"
        fail_on_inconclusive: true
        checks:
          - name: p99-latency-per-pod
            provider: prometheus
            query: >-
              histogram_quantile(0.99, sum by (pod, le) (rate(http_request_duration_seconds_bucket{version="v2"}[2m])))
            per_series: true
            success_condition: result < latency_budget
            vars:
              latency_budget: 0.3
          - name: smoke
            provider: http
            url: https://shop.example.com/healthz
            requests: 10
            required_pass_ratio: 0.9
            max_latency_ms: 500
            json_assertions:
              - status == 'ok'
          - name: pods-healthy
            provider: kubernetes
            namespace: shop
            deployment: shop-canary
            initial_delay: 1m
  rescue:
    - name: Show why
      ansible.builtin.debug:
        msg: "{{ ansible_failed_result.reason }}"

- name: Judge the canary against the stable version, Kayenta-style (latency p50/p99, error ratio)
  progressive.delivery.gate_check:
    prometheus:
      url: http://prometheus.monitoring:9090
    checks:
      - name: canary-judge
        provider: prometheus_judge
        canary_version: "2.0.0"
        baseline_version: "1.9.3"
        window: 5m
        step: 30s
        group_weights: {latency: 50, errors: 50}
        metrics:
          - name: latency-p50
            group: latency
            query: >-
              histogram_quantile(0.5, sum by (pod, le) (rate(http_request_duration_seconds_bucket{service="shop",
              version="{version}"}[{interval}])))
          - name: latency-p99
            group: latency
            query: >-
              histogram_quantile(0.99, sum by (pod, le) (rate(http_request_duration_seconds_bucket{service="shop",
              version="{version}"}[{interval}])))
          - name: error-ratio
            group: errors
            critical: true
            tolerance: 0.2
            query: >-
              (sum by (pod) (rate(http_requests_total{service="shop", version="{version}", code=~"5.."}[{interval}]))
              or sum by (pod) (rate(http_requests_total{service="shop", version="{version}"}[{interval}])) * 0)
              / sum by (pod) (rate(http_requests_total{service="shop", version="{version}"}[{interval}]))
  register: judged

- name: Require that a previous task reported no failed targets
  progressive.delivery.gate_check:
    checks:
      - name: all-clusters-ready
        provider: jmespath
        data: "{{ cluster_status }}"
        expression: "length(clusters[?ready != `true`])"
        success_condition: result == 0

- name: Measure a new SLO query without letting it decide yet
  progressive.delivery.gate_check:
    prometheus:
      url: http://prometheus.monitoring:9090
    checks:
      - name: apdex
        provider: prometheus
        query: sum(rate(apdex_satisfied[5m])) / sum(rate(apdex_total[5m]))
        success_condition: result >= 0.95
        dry_run: true
      - name: error-ratio
        provider: prometheus
        query: sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))
        failure_condition: result > 0.05
        on_no_data: fail
"""

RETURN = r"""
verdict:
  description: The gate's verdict.
  returned: when the checks were valid
  type: str
  sample: fail
reason:
  description: One line naming the deciding check, its value and its condition.
  returned: when the checks were valid
  type: str
  sample: >-
    check 'canary-error-ratio' failed: 2 of 2 measurements failed (failure_limit 1); last failure:
    value 0.2 (baseline 0.001) does not meet success condition 'result <= baseline * 1.2 + 0.001'
blame:
  description:
    - Whose fault a gate that did not pass is. V(version) only when a measured value breached its condition (the
      version failed); V(evidence) when a check could not be measured (provider unreachable, query error,
      timeout) or had nothing to judge (no data, NaN) - then RV(reason) leads with what was observed, for example
      C(Prometheus at http://prometheus:9090 refused the connection). C(null) when the gate passed.
    - A release rejects a version only for V(version); the canary_release role stops an V(evidence) failure by its
      own policy without rejecting the version.
  returned: when the checks were valid
  type: str
  sample: evidence
checks:
  description: One summary per check, in the order given.
  returned: when the checks were valid
  type: list
  elements: dict
  contains:
    name:
      description: The check's name.
      type: str
    provider:
      description: The check's provider.
      type: str
    phase:
      description: V(Successful), V(Failed), V(Inconclusive), V(Error), or V(Running) when the gate stopped
        before the check completed.
      type: str
    dry_run:
      description: Whether the check was dry-run (never decides).
      type: bool
    completed:
      description: Whether the check reached a final phase.
      type: bool
    measurements:
      description: Measurements taken.
      type: int
    count:
      description: Measurements planned.
      type: int
    successful:
      description: Successful measurements.
      type: int
    failed:
      description: Failed measurements.
      type: int
    inconclusive:
      description: Inconclusive measurements.
      type: int
    errors:
      description: Measurements that errored.
      type: int
    consecutive_errors:
      description: Errors in a row at the end.
      type: int
    message:
      description: Why the check is in its phase.
      type: str
measurements:
  description: Every measurement in the order taken, in a stable shape a report can draw.
  returned: when the checks were valid
  type: list
  elements: dict
  contains:
    check:
      description: Name of the check.
      type: str
    provider:
      description: Provider of the check.
      type: str
    index:
      description: 0-based number of the measurement within its check.
      type: int
    timestamp:
      description: When the measurement started, RFC 3339 UTC.
      type: str
      sample: "2026-11-26T11:30:00.123Z"
    phase:
      description: V(Successful), V(Failed), V(Inconclusive) or V(Error).
      type: str
    value:
      description:
        - What the conditions saw as C(result) (a number, a list of numbers, or any JSON value for
          V(jmespath)); null with O(checks[].per_series) (see RV(measurements[].series)), for no data, or
          on error.
        - Non-finite numbers are written as Prometheus does, V(NaN), V(+Inf), V(-Inf).
      type: raw
    baseline:
      description: The value of the baseline query, or null.
      type: raw
    series:
      description:
        - "One entry per series (V(prometheus)), request (V(http), value is the latency in seconds) or
          pod (V(kubernetes), value is the restart increase)."
        - Each has C(labels), C(value) and C(phase) (set when judged per series, else null).
      type: list
      elements: dict
    message:
      description: What was measured and why it has its phase.
      type: str
    dry_run:
      description: Whether the check is dry-run.
      type: bool
    elapsed_ms:
      description: Time the measurement took (query and judgement), in milliseconds.
      type: float
    metrics:
      description:
        - V(prometheus_judge) only, one verdict per metric - C(name), C(group), C(critical), C(direction),
          C(classification) (V(pass), V(high), V(low) or V(nodata)), C(failed), C(canary_median),
          C(baseline_median), C(canary_samples), C(baseline_samples), C(u_statistic), C(p_value),
          C(effect_size) (canary mean / baseline mean) and C(reason).
      returned: for prometheus_judge checks
      type: list
      elements: dict
duration:
  description: Seconds the gate took, waits included.
  returned: when the checks were valid
  type: float
"""

from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate import judge, prepare_gate, unexpected_failure
from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate_options import gate_argument_spec
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    BLAME_EVIDENCE,
    CheckConfigError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule


def run_module(module):
    context = GateContext(prometheus=module.params["prometheus"], k8s_client=lambda: module.client)
    try:
        analysis = prepare_gate(module.params["checks"], context)
    except CheckConfigError as exc:
        # A wrong check (or credentials) says nothing about the version; nothing was measured.
        module.fail_json(msg=str(exc), changed=False, blame=BLAME_EVIDENCE)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(changed=False, blame=BLAME_EVIDENCE, **unexpected_failure("gate_check", exc))
    output, failure = judge(analysis, module.params["fail_on_inconclusive"])
    if failure:
        module.fail_json(**dict(output, **failure))
    module.exit_json(**output)


def main():
    module = K8sModule(argument_spec=gate_argument_spec(checks_required=True), supports_check_mode=True)
    run_module(module)


if __name__ == "__main__":
    main()
