# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The options of a gate (plugins/module_utils/gates/gate_options.py GATE_ARG_SPEC): gate_check's, and
    scale_step's for the gate that judges its move in the same process."""

    DOCUMENTATION = r"""
options:
  checks:
    description:
      - The checks to run. Their names must be unique.
    type: list
    elements: dict
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
