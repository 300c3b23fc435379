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
  - kubernetes (the collection's shared client, used by V(kubernetes) checks)
notes:
  - The connection options (O(kubeconfig), O(context), O(host), ...) are used only by V(kubernetes)
    checks; set them once for all modules with C(module_defaults) and C(group/progressive.delivery.delivery).
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
    description:
      - The checks to run. Their names must be unique.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the check, used in measurements, messages and the reason.
        type: str
        required: true
      provider:
        description:
          - Where the measurements come from.
        type: str
        required: true
        choices: [prometheus, http, kubernetes, jmespath, prometheus_judge]
      success_condition:
        description:
          - Expression that must be true for a measurement to be V(Successful).
          - "Names: C(result) (all providers). V(prometheus): C(baseline) (with O(checks[].baseline_query)),
            C(labels) (with O(checks[].per_series)). V(http): C(result) is the pass ratio, also
            C(required_pass_ratio), C(requests), C(passed). V(kubernetes): C(result) is the number of limits
            exceeded, also C(restarts), C(not_ready), C(waiting), C(warnings), C(pods). V(prometheus_judge):
            C(result) is the score (0-100), also C(critical_failures), C(pass_score), C(marginal_score). Plus the
            keys of O(checks[].vars)."
          - With only a success condition, a measurement that does not meet it is V(Failed); with both
            conditions, the failure condition wins and meeting neither is V(Inconclusive).
          - Required (this or O(checks[].failure_condition)) for V(prometheus) checks. Defaults to
            C(result >= required_pass_ratio) for V(http), C(result == 0) for V(kubernetes), a truthy
            result for V(jmespath), and for V(prometheus_judge) C(result >= pass_score and critical_failures == 0)
            with the failure condition C(result < marginal_score or critical_failures > 0) (a score in between is
            V(Inconclusive)).
        type: str
      failure_condition:
        description:
          - Expression that makes a measurement V(Failed) when true. Same names as O(checks[].success_condition).
        type: str
      per_series:
        description:
          - V(prometheus) only. Judge every series the query returns on its own (C(result) is that series'
            value, C(labels) its labels); the measurement takes the worst phase.
          - When false and the query returns several series, C(result) is the list of their values.
        type: bool
        default: false
      vars:
        description:
          - "Extra names for the conditions, for example C({error_budget: 0.01}). Values that look like numbers
            are compared as numbers."
        type: dict
      interval:
        description:
          - Time between measurements, in seconds or as a duration (V(500ms), V(30s), V(5m), V(1h), V(1m30s)).
          - Required when O(checks[].count) is more than 1.
        type: str
      count:
        description:
          - Number of measurements to take.
        type: int
        default: 1
      initial_delay:
        description:
          - Time to wait before the first measurement (seconds or a duration).
          - With a delay, V(prometheus) queries are sent once at the start so a malformed query fails the
            task at once instead of after the delay.
        type: str
        default: "0"
      failure_limit:
        description:
          - Number of V(Failed) measurements tolerated; one more fails the check.
        type: int
        default: 0
      inconclusive_limit:
        description:
          - Number of V(Inconclusive) measurements tolerated; one more makes the check inconclusive.
        type: int
        default: 0
      consecutive_error_limit:
        description:
          - Number of measurements in a row that may error (provider unreachable, timeout, HTTP 5xx, a
            condition that cannot be evaluated) before the check errors out.
        type: int
        default: 4
      dry_run:
        description:
          - Measure and report the check, but never let it decide the verdict.
        type: bool
        default: false
      on_no_data:
        description:
          - What a measurement with no data counts as (an empty Prometheus result, NaN, a null JMESPath
            result, a Deployment without pods).
          - It also decides what a check that errored out means for the verdict; V(pass) never applies to
            errors, which then make the gate V(inconclusive).
        type: str
        choices: [inconclusive, fail, pass]
        default: inconclusive
      query:
        description:
          - V(prometheus). PromQL expression evaluated as an instant query. Required for V(prometheus).
        type: str
      baseline_query:
        description:
          - V(prometheus). PromQL expression returning one value, available to conditions as C(baseline)
            (for example the stable version's error ratio). No data in it counts as no data.
        type: str
      url:
        description:
          - V(http). URL to request. Required for V(http).
        type: str
      method:
        description:
          - V(http). HTTP method. Defaults to V(GET).
        type: str
      headers:
        description:
          - V(http). Request headers.
          - They are part of the task's arguments, which Ansible may log; run a check with secret headers in a
            task with C(no_log=true).
        type: dict
      body:
        description:
          - V(http). Request body; a dict or list is sent as JSON.
        type: raw
      status_codes:
        description:
          - V(http). Status codes that pass. Defaults to V([200]).
        type: list
        elements: int
      json_assertions:
        description:
          - V(http). JMESPath expressions over the JSON body that must all be truthy, for example
            C(version == 'v2'). A body that is not JSON fails them.
        type: list
        elements: str
      body_regex:
        description:
          - V(http). Regular expression that must match somewhere in the body.
        type: str
      max_latency_ms:
        description:
          - V(http). A response slower than this fails the request.
        type: float
      requests:
        description:
          - V(http). Number of requests per measurement. Defaults to V(1).
        type: int
      request_interval:
        description:
          - V(http). Seconds between the requests of one measurement. Defaults to V(0).
        type: float
      required_pass_ratio:
        description:
          - V(http). Share of requests that must pass (0 < ratio <= 1). Defaults to V(1.0).
        type: float
      request_timeout:
        description:
          - V(http). Seconds to wait for each response. Defaults to V(10).
        type: float
      validate_certs:
        description:
          - V(http). Verify the server's TLS certificate. Defaults to V(true).
        type: bool
      ca_cert:
        description:
          - V(http). CA bundle used to verify the server's certificate.
        type: path
      deployment:
        description:
          - V(kubernetes). Name of the Deployment whose pods are watched. Required for V(kubernetes).
        type: str
      namespace:
        description:
          - V(kubernetes). Namespace of the Deployment. Required for V(kubernetes).
        type: str
      max_restarts:
        description:
          - V(kubernetes). Container restarts tolerated during the window, all pods together. Defaults to V(0).
        type: int
      max_not_ready:
        description:
          - V(kubernetes). Pods that may be not Ready at a measurement. Defaults to V(0).
        type: int
      warning_events:
        description:
          - V(kubernetes). Whether a new Warning event about the Deployment, its ReplicaSets or its pods
            exceeds a limit. Defaults to V(true).
        type: bool
      ignore_event_reasons:
        description:
          - V(kubernetes). Warning event reasons to ignore, for example V(FailedScheduling).
        type: list
        elements: str
      data:
        description:
          - V(jmespath). The data to evaluate (a dict, a list, or JSON text). Required for V(jmespath).
        type: raw
      expression:
        description:
          - V(jmespath). JMESPath expression over O(checks[].data); its value is C(result). Required for
            V(jmespath).
        type: str
      canary_version:
        description:
          - V(prometheus_judge). The version whose samples are judged; replaces C({version}) in every metric's
            query for the canary's samples. Required for V(prometheus_judge).
        type: str
      baseline_version:
        description:
          - V(prometheus_judge). The version the canary is compared with (the stable version, or a fresh
            baseline's label); replaces C({version}) for the baseline's samples. Required for V(prometheus_judge).
        type: str
      canary_track:
        description:
          - V(prometheus_judge). Replaces C({track}) in every metric's query for the canary's samples. Defaults to
            the empty string, which in PromQL (C(track="")) selects the series without the label - pods of no
            track, like the canary's.
        type: str
      baseline_track:
        description:
          - V(prometheus_judge). Replaces C({track}) for the baseline's samples. Set it to C(baseline) to judge the
            canary against the fresh pods of a baseline Deployment (M(progressive.delivery.baseline), pod label
            C(progressive.delivery/track=baseline), scraped as the metric label C(track)) instead of the
            long-running stable; the default (empty) selects the stable's own pods and leaves a baseline's out.
          - When O(checks[].canary_track) or this is set, every metric's query must contain C({track}).
        type: str
      metrics:
        description:
          - V(prometheus_judge). The metrics to judge. Required for V(prometheus_judge).
          - Each query runs as a range query over O(checks[].window), one point per O(checks[].step), once per
            version; every point of every series is one sample, so keep the C(pod) label
            (C(sum by (pod) (...))) to get one sample per pod per interval.
          - A metric is V(high) (V(low)) when the Mann-Whitney U test of the canary's samples against the baseline's
            is significant (p below O(checks[].significance_level), one-sided in the metric's direction) and the
            ratio of the sample means is beyond the metric's tolerance; V(nodata) with fewer than
            O(checks[].min_samples) samples on either side; V(pass) otherwise.
          - A metric without data makes the measurement no data (O(checks[].on_no_data) decides, never a pass),
            unless a critical metric failed.
        type: list
        elements: dict
        suboptions:
          name:
            description:
              - Name of the metric, unique within the check.
            type: str
            required: true
          query:
            description:
              - PromQL with the placeholder C({version}) (the version label's value) and optionally C({interval})
                (O(checks[].step) as a PromQL duration, to write C([{interval}]) in a C(rate) so that samples do not
                overlap) and C({track}) (O(checks[].canary_track) / O(checks[].baseline_track), e.g.
                C(track="{track}")). See the examples for latency quantiles and an error ratio per pod.
            type: str
            required: true
          direction:
            description:
              - Which change is bad. V(increase) (latency, errors), V(decrease) (throughput, success ratio) or V(either).
            type: str
            choices: [increase, decrease, either]
            default: increase
          group:
            description:
              - Group of the metric for the score (see O(checks[].group_weights)). Defaults to the metric's name.
            type: str
          critical:
            description:
              - A failed critical metric fails the measurement whatever the score.
            type: bool
            default: false
          tolerance:
            description:
              - Effect-size tolerance, the share by which the canary's mean may differ from the baseline's before a
                significant difference counts (V(0.05) is 5%).
            type: float
            default: 0.05
      window:
        description:
          - V(prometheus_judge). How far back each measurement looks (seconds or a duration). Defaults to V(5m).
        type: str
      step:
        description:
          - V(prometheus_judge). Time between the samples of one series (seconds or a duration). Defaults to
            V(30s); use the same length in C(rate(...[{interval}])) so that samples do not overlap.
        type: str
      min_samples:
        description:
          - V(prometheus_judge). Fewest samples per version for a metric to be judged. Defaults to V(10); at least 3.
        type: int
      significance_level:
        description:
          - V(prometheus_judge). The p-value below which a difference is significant. Defaults to V(0.01).
        type: float
      group_weights:
        description:
          - "V(prometheus_judge). Weight of each metric group in the score, for example C({latency: 50, errors: 50});
            a group not listed weighs 1."
          - A group scores the share of its metrics that did not fail; the score is 100 times the weighted mean of
            the groups' scores.
        type: dict
      pass_score:
        description:
          - V(prometheus_judge). Score at or above which a measurement passes. Defaults to V(95).
        type: float
      marginal_score:
        description:
          - V(prometheus_judge). Score below which a measurement fails; between it and O(checks[].pass_score) it is
            V(Inconclusive). Defaults to V(75).
        type: float
  prometheus:
    description:
      - How to reach Prometheus; required when a check uses V(prometheus).
    type: dict
    suboptions:
      url:
        description:
          - Base URL of the Prometheus HTTP API, for example V(http://prometheus.monitoring:9090).
        type: str
        required: true
      bearer_token:
        description:
          - "Token sent as C(Authorization: Bearer <token>)."
        type: str
      username:
        description:
          - User for HTTP basic auth.
        type: str
      password:
        description:
          - Password for HTTP basic auth.
        type: str
      headers:
        description:
          - Extra request headers, for example a tenant header (C(X-Scope-OrgID)).
        type: dict
      validate_certs:
        description:
          - Verify Prometheus' TLS certificate.
        type: bool
        default: true
      ca_cert:
        description:
          - CA bundle used to verify Prometheus' certificate.
        type: path
      timeout:
        description:
          - Seconds to wait for each query (also sent to Prometheus as its query timeout).
        type: float
        default: 10
  fail_on_inconclusive:
    description:
      - Also fail the task when the verdict is V(inconclusive).
    type: bool
    default: false
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

import traceback

from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate import prepare_gate
from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import (
    BLAME_EVIDENCE,
    FAIL,
    VERDICT_INCONCLUSIVE,
    CheckConfigError,
)
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers import registry
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.core import K8sModule

# One declaration of every check option: the common ones (check_spec.COMMON_OPTIONS) and each provider's own
# (Provider.options); tests/unit/modules/test_gate_check_docs.py checks the documentation says the same.
CHECK_OPTIONS = registry.check_argument_spec()

ARGUMENT_SPEC = dict(
    checks=dict(
        type="list",
        elements="dict",
        required=True,
        options=CHECK_OPTIONS,
        required_if=registry.required_options(),
    ),
    prometheus=dict(
        type="dict",
        options=dict(
            url=dict(type="str", required=True),
            bearer_token=dict(type="str", no_log=True),
            username=dict(type="str"),
            password=dict(type="str", no_log=True),
            headers=dict(type="dict"),
            validate_certs=dict(type="bool", default=True),
            ca_cert=dict(type="path"),
            timeout=dict(type="float", default=10),
        ),
        mutually_exclusive=[("bearer_token", "username")],
        required_together=[("username", "password")],
    ),
    fail_on_inconclusive=dict(type="bool", default=False),
)


def run_module(module):
    context = GateContext(prometheus=module.params["prometheus"], k8s_client=lambda: module.client)
    try:
        result = prepare_gate(module.params["checks"], context).run()
    except CheckConfigError as exc:
        # A wrong check (or credentials) says nothing about the version.
        module.fail_json(msg=str(exc), changed=False, blame=BLAME_EVIDENCE)
    except Exception as exc:  # pylint: disable=broad-except
        # A bug must still end as a one-line task failure, with the traceback for -vvv.
        module.fail_json(msg="gate_check failed unexpectedly: %s: %s" % (type(exc).__name__, exc),
                         exception=traceback.format_exc(), changed=False, blame=BLAME_EVIDENCE)
    output = result.as_dict()
    output["changed"] = False
    if result.verdict == FAIL:
        module.fail_json(msg="gate failed: %s" % result.reason, **output)
    if result.verdict == VERDICT_INCONCLUSIVE and module.params["fail_on_inconclusive"]:
        # The observed cause first: an unreachable provider is what the reader must fix.
        module.fail_json(msg="%s (gate inconclusive, fail_on_inconclusive)" % result.reason, **output)
    module.exit_json(**output)


def main():
    module = K8sModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run_module(module)


if __name__ == "__main__":
    main()
