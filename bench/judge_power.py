#!/usr/bin/env python
"""False-positive rate and detection power of gate_check's prometheus_judge (issue 20), measured on fleetsim
with the real Prometheus. Not a timed test: it counts verdicts.

One fleet, one cluster; every trial is its own app (a Service over a stable Deployment, version 1, and a canary
Deployment, version 2, with as many pods) judged over its own window, so trials are independent. Apps of the
four scenarios run side by side; the rounds judge disjoint windows of the same apps:

- identical: the canary behaves like the stable (20 ms mean latency, 1% errors) - a failed gate is a false positive
- slow30 / slow10: the canary's latency 30% / 10% higher (the whole distribution, so p50 too)
- errors2x: the canary's error ratio twice the stable's (2%)

Each trial runs the judge in-process (the module's code path: check validation, range queries, Mann-Whitney U,
scoring, the analysis engine's verdict) with the metrics the canary_release role uses by default.

    .venv/bin/python bench/judge_power.py [--apps 10] [--rounds 4] [--window 30] [--step 3]

writes bench/results/judge_power.json and bench/results/judge_power.md.
"""
from __future__ import annotations

import argparse
import json
import time

import harness
from ansible_collections.progressive.delivery.plugins.module_utils.gates.gate import prepare_gate
from ansible_collections.progressive.delivery.plugins.module_utils.gates.providers.base import GateContext

STABLE = {"fleetsim.io/latency-ms": "20", "fleetsim.io/error-rate": "0.01"}
SCENARIOS = {
    "identical": ({}, "false-positive rate (gate fails)", "<= 5%"),
    "slow30": ({"fleetsim.io/latency-ms": "26"}, "power, canary 30% slower", ">= 90%"),
    "slow10": ({"fleetsim.io/latency-ms": "22"}, "power, canary 10% slower", "reported"),
    "errors2x": ({"fleetsim.io/error-rate": "0.02"}, "power, 2x the stable's error ratio", "reported"),
}
REPLICAS = 2  # pods per version
# The role's default weights: p50 alone fails the judge (60 < 75), p99 alone, noisier and coarser in the
# histogram's buckets, only makes it marginal (80).
GROUP_WEIGHTS = {"latency-p50": 40, "latency-p99": 20, "errors": 40}
SELECTOR = 'service="{app}", version="{{version}}"'


def judge_metrics(app: str) -> list[dict]:
    """The canary_release role's default judge metrics (roles/canary_release/defaults/main.yml) for one app."""
    selector = SELECTOR.format(app=app)
    buckets = "sum by (pod, le) (rate(http_request_duration_seconds_bucket{%s}[{interval}]))" % selector
    requests = "sum by (pod) (rate(http_requests_total{%s}[{interval}]))" % selector
    errors = "sum by (pod) (rate(http_requests_total{%s, code=~\"5..\"}[{interval}]))" % selector
    return [
        {"name": "latency-p50", "group": "latency-p50", "query": "histogram_quantile(0.5, %s)" % buckets},
        {"name": "latency-p99", "group": "latency-p99", "query": "histogram_quantile(0.99, %s)" % buckets},
        {"name": "error-ratio", "group": "errors", "critical": True, "tolerance": 0.2,
         "query": "(%s or %s * 0) / %s" % (errors, requests, requests)},
    ]


def manifests(app: str, canary: dict) -> list[dict]:
    service = harness.service(app)
    objects = [service]
    for version, pod_annotations in (("1", STABLE), ("2", dict(STABLE, **canary))):
        deployment = harness.deployment(app, version, REPLICAS, pod_annotations)
        deployment["metadata"]["name"] = "%s-v%s" % (app, version)
        objects.append(deployment)
    return objects


def wait_ready(client, pods: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = client.list("v1", "Pod", harness.NAMESPACE).get("items", [])
        ready = sum(1 for pod in items for c in pod.get("status", {}).get("conditions", [])
                    if c.get("type") == "Ready" and c.get("status") == "True")
        if ready >= pods:
            return
        time.sleep(1)
    raise RuntimeError("pods not Ready within %ds" % timeout)


def judge(url: str, app: str, end: float, window: float, step: float) -> dict:
    check = {"name": "judge", "provider": "prometheus_judge", "canary_version": "2", "baseline_version": "1",
             "window": "%gs" % window, "step": "%gs" % step, "group_weights": GROUP_WEIGHTS,
             "metrics": judge_metrics(app)}
    analysis = prepare_gate([check], GateContext(prometheus={"url": url}))
    analysis.runs[0].provider.now = lambda: end
    result = analysis.run()
    measurement = result.measurements[0].as_dict()
    return {"app": app, "verdict": result.verdict, "blame": result.blame, "score": measurement["value"],
            "metrics": measurement.get("metrics") or [], "message": measurement["message"]}


def compact(trial: dict) -> dict:
    """What the results file keeps of a trial: the verdict and each metric's evidence."""
    keep = ("name", "classification", "failed", "canary_median", "baseline_median", "canary_samples",
            "baseline_samples", "u_statistic", "p_value", "effect_size")
    return {"app": trial["app"], "verdict": trial["verdict"], "blame": trial["blame"], "score": trial["score"],
            "metrics": [{key: metric[key] for key in keep} for metric in trial["metrics"]]}


def summarize(trials: list[dict]) -> dict:
    count = len(trials)
    failed = sum(1 for t in trials if t["verdict"] == "fail")
    passed = sum(1 for t in trials if t["verdict"] == "pass")
    per_metric = {}
    for trial in trials:
        for metric in trial["metrics"]:
            entry = per_metric.setdefault(metric["name"], {"failed": 0, "nodata": 0, "samples": []})
            entry["failed"] += 1 if metric["failed"] else 0
            entry["nodata"] += 1 if metric["classification"] == "nodata" else 0
            entry["samples"].append(min(metric["canary_samples"], metric["baseline_samples"]))
    for entry in per_metric.values():
        samples = entry.pop("samples")
        entry["min_samples_seen"], entry["max_samples_seen"] = min(samples), max(samples)
    return {"trials": count, "fail": failed, "pass": passed, "inconclusive": count - failed - passed,
            "fail_rate": round(failed / count, 4), "not_pass_rate": round((count - passed) / count, 4),
            "per_metric": per_metric}


def run(options) -> dict:
    fleet_text = harness.fleet_yaml({"bench": (["dev"], ["r1"])}, requests_per_second=options.rps,
                                    clock_speed=options.clock_speed, pod_ready_delay_s=1.0)
    apps = {scenario: ["%s-%d" % (scenario, i) for i in range(options.apps)] for scenario in SCENARIOS}
    trials = {scenario: [] for scenario in SCENARIOS}
    with harness.Fleet(fleet_text, prometheus=True, name="judge") as fleet:
        url = fleet.info["prometheus_url"]
        cluster = fleet.members()[0]["name"]
        client = fleet.client(cluster)
        for scenario, names in apps.items():
            for app in names:
                for obj in manifests(app, SCENARIOS[scenario][0]):
                    client.create(obj)
        wait_ready(client, 2 * REPLICAS * options.apps * len(SCENARIOS))
        # Every window must lie after all pods were Ready and scraped at least once.
        start = time.time() + options.step + 2
        for round_index in range(options.rounds):
            end = start + (round_index + 1) * options.window
            time.sleep(max(0.0, end + 2.5 - time.time()))  # the last scrape of the window ingested
            for scenario, names in apps.items():
                for app in names:
                    trials[scenario].append(judge(url, app, end, options.window, options.step))
            print("round %d/%d judged" % (round_index + 1, options.rounds), flush=True)
    return {"trials": trials, "cluster": cluster}


def markdown(data: dict) -> str:
    settings = data["settings"]
    lines = [
        "# prometheus_judge: false-positive rate and detection power", "",
        "Measured by `bench/judge_power.py` on fleetsim with the real Prometheus (scrape every 1 s) at %s." % data[
            "measured_at"], "",
        "- %d trials per scenario (%d apps x %d disjoint windows), each a stable Deployment (version 1) and a canary "
        "Deployment (version 2) of %d pods each behind one Service" % (
            settings["trials_per_scenario"], settings["apps_per_scenario"], settings["rounds"], REPLICAS),
        "- window %gs, step %gs (one sample per pod per step: %d points x %d pods = %d samples per version)" % (
            settings["window_s"], settings["step_s"], settings["points_per_series"], REPLICAS,
            settings["points_per_series"] * REPLICAS),
        "- traffic: %g requests/s per Service at clock speed %g (%d answers per pod per sample)" % (
            settings["requests_per_second"], settings["clock_speed"], settings["answers_per_pod_per_sample"]),
        "- stable: 20 ms mean latency (lognormal, sigma 0.3), 1% errors; judge defaults: significance 0.01, "
        "tolerance 0.05 (latency) / 0.2 (errors), group weights latency-p50 40, latency-p99 20, errors 40, pass 95, "
        "marginal 75, "
        "error ratio critical, min_samples 10", "",
        "| scenario | measures | target | trials | fail | inconclusive | pass | gate fails | result |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for scenario, (canary, label, target) in SCENARIOS.items():
        row = data["scenarios"][scenario]
        lines.append("| %s | %s | %s | %d | %d | %d | %d | %.1f%% | %s |" % (
            scenario, label, target, row["trials"], row["fail"], row["inconclusive"], row["pass"],
            100 * row["fail_rate"], row["verdict"]))
    lines += ["", "Per metric (trials in which the metric failed / had no data; samples per version seen):", "",
              "| scenario | metric | failed | nodata | samples |", "| --- | --- | --- | --- | --- |"]
    for scenario in SCENARIOS:
        for name, entry in data["scenarios"][scenario]["per_metric"].items():
            lines.append("| %s | %s | %d | %d | %d-%d |" % (scenario, name, entry["failed"], entry["nodata"],
                                                          entry["min_samples_seen"], entry["max_samples_seen"]))
    example = data.get("example")
    if example:
        lines += ["", "An example trial (%s, verdict %s, score %s):" % (example["app"], example["verdict"],
                                                                        example["score"]), "", "```json",
                  json.dumps(example["metrics"], indent=1), "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=10, help="apps per scenario (side by side)")
    parser.add_argument("--rounds", type=int, default=4, help="disjoint windows judged per app")
    parser.add_argument("--window", type=float, default=30.0, help="judge window, real seconds")
    parser.add_argument("--step", type=float, default=3.0, help="sample interval, real seconds")
    parser.add_argument("--rps", type=float, default=80.0, help="requests per simulated second per Service")
    parser.add_argument("--clock-speed", type=float, default=10.0)
    options = parser.parse_args()
    started = time.monotonic()
    measured = run(options)
    points = int(options.window / options.step)
    scenarios = {}
    for scenario, trials in measured["trials"].items():
        row = summarize(trials)
        if scenario == "identical":
            row["verdict"] = "met" if row["fail_rate"] <= 0.05 else "NOT met"
        elif scenario == "slow30":
            row["verdict"] = "met" if row["fail_rate"] >= 0.9 else "NOT met"
        else:
            row["verdict"] = "reported"
        scenarios[scenario] = row
    data = {
        "settings": {"apps_per_scenario": options.apps, "rounds": options.rounds,
                     "trials_per_scenario": options.apps * options.rounds, "window_s": options.window,
                     "step_s": options.step, "points_per_series": points, "pods_per_version": REPLICAS,
                     "requests_per_second": options.rps, "clock_speed": options.clock_speed,
                     "answers_per_pod_per_sample": int(options.rps * options.clock_speed * options.step
                                                       / (2 * REPLICAS))},
        "scenarios": scenarios,
        "example": measured["trials"]["slow30"][0],
        "trials": {scenario: [compact(t) for t in trials] for scenario, trials in measured["trials"].items()},
        "duration_s": round(time.monotonic() - started, 1),
    }
    path = harness.write_result("judge_power", data)
    data["measured_at"] = json.loads(path.read_text())["measured_at"]
    (harness.RESULTS / "judge_power.md").write_text(markdown(data))
    for scenario, row in scenarios.items():
        print("%-10s fail %2d/%d  inconclusive %2d  pass %2d  (%s)" % (
            scenario, row["fail"], row["trials"], row["inconclusive"], row["pass"], row["verdict"]))
    print("wrote %s and judge_power.md (%.0fs)" % (path, data["duration_s"]))


if __name__ == "__main__":
    main()
