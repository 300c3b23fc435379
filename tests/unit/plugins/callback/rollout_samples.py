"""Module results shaped exactly as the release modules return them (see their RETURN docs): a release of
web 3 over stable 2 (N=2) that fails its error-ratio gate at step 1 and is rolled back."""

ARGS = {"namespace": "default", "app": "web", "version": "3"}
CHECKS = [{"name": "error-ratio", "provider": "prometheus", "query": 'sum(rate(http_requests_total{code=~"5.."}[1m]))',
           "success_condition": "result <= baseline * 1.2 + 0.01"},
          {"name": "latency-p90", "provider": "prometheus", "query": "histogram_quantile(0.9, ...)",
           "success_condition": "result <= max_latency", "vars": {"max_latency": "0.25"}}]


def deployments(stable, canary):
    return {"stable": {"name": "web", "version": "2", "role": "stable", "replicas": stable, "ready_replicas": stable},
            "canary": {"name": "web-3", "version": "3", "role": "canary", "replicas": canary, "ready_replicas": canary}}


def measurement(check, index, value, baseline, phase, second):
    return {"check": check, "provider": "prometheus", "index": index, "timestamp": "2026-11-26T11:30:%02d.000Z" % second,
            "phase": phase, "value": value, "baseline": baseline, "series": [], "message": "value %s" % value,
            "dry_run": False, "elapsed_ms": 3.0}


CANARY = ("canary", ARGS, {"changed": True, "name": "web-3", "service_name": "web-3", "version": "3",
                           "stable_version": "2", "stable": "web", "total_replicas": 2,
                           "actions": ["create Deployment web-3"], "phase": "Created",
                           "canary": deployments(2, 1)["canary"]}, False)
STEP_1 = ("scale_step", dict(ARGS, canary_replicas=1), {
    "changed": True, "version": "3", "stable_version": "2", "total_replicas": 2, "target": {"stable": 1, "canary": 1},
    "target_weight": 50, "moves": [], "before": deployments(2, 1), "after": deployments(1, 1), "step": 1,
    "phase": "Steady", "duration": 2.5}, False)
GATE_FAIL = ("gate_check", {"checks": CHECKS, "prometheus": {"url": "http://prometheus:9090"}}, {
    "changed": False, "failed": True, "msg": "gate failed: check 'error-ratio' failed", "verdict": "fail",
    "reason": "check 'error-ratio' failed: 1 of 1 measurements failed",
    "checks": [{"name": "error-ratio", "provider": "prometheus", "phase": "Failed", "dry_run": False,
                "message": "failed"},
               {"name": "latency-p90", "provider": "prometheus", "phase": "Running", "dry_run": False,
                "message": "stopped"}],
    "measurements": [measurement("latency-p90", 0, 0.041, None, "Successful", 5),
                     measurement("error-ratio", 0, 0.48, 0.0, "Failed", 6)],
    "duration": 6.0}, True)
ROLLBACK = ("release_rollback", dict(ARGS, reason="gate failed"), {
    "changed": True, "version": "3", "stable_version": "2", "total_replicas": 2, "actions": [],
    "before": deployments(1, 1), "after": {"stable": deployments(2, 0)["stable"], "canary": None},
    "rejected_versions": {"3": {"reason": "gate failed", "rejected_at": "2026-11-26T11:31:00Z", "by": "ci"}},
    "stable_ready_after": 1.5, "duration": 2.0}, False)
GATE_PASS = ("gate_check", {"checks": CHECKS}, {
    "changed": False, "verdict": "pass", "reason": "all checks passed",
    "checks": [{"name": "error-ratio", "provider": "prometheus", "phase": "Successful", "dry_run": False, "message": ""}],
    "measurements": [measurement("error-ratio", 0, 0.001, 0.002, "Successful", 7)], "duration": 3.0}, False)
STEP_2 = ("scale_step", dict(ARGS, canary_replicas=2),
          dict(STEP_1[2], before=deployments(1, 1), after=deployments(0, 2), step=2, target={"stable": 0, "canary": 2}),
          False)
FINISH = ("release_finish", ARGS, {"changed": True, "version": "3", "previous_version": "2", "total_replicas": 2,
                                   "actions": [], "phase": "Completed", "duration": 1.0}, False)

BAD_RELEASE = [CANARY, STEP_1, GATE_FAIL, ROLLBACK]
GOOD_RELEASE = [CANARY, STEP_1, GATE_PASS, STEP_2, GATE_PASS, FINISH]
