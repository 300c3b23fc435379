#!/usr/bin/env python
"""Orchestration overhead of playbooks/rollout.yml, and the same rollout hand-written without the
collection (bench/baseline/), on one 27-cluster fleet: 3 environment sets x 3 environments
(dev, staging, prod) x 3 regions, N = 4 pods, fixed waits (harness.WAITS), the real Prometheus.

Targets: our wall time / floor <= 1.2 (measurement 1); our wall time <= 0.6 x the baseline's
(measurement 2).

Both run the three environment sets at once (one ansible-playbook per set, as three AWX jobs
would), environments in promotion order, the regions of an environment as one wave. Each
release is of its own app on the same fleet (``web`` for the collection, ``api`` for the
baseline), both version 1 at N pods before, so neither run starts from the other's leftovers.

Floor (critical path of one set; the sets run in parallel):
    per cluster  = N x pod ready delay (the canary's first pod, then steps 2..N; step 1 only
                   scales the stable down) + (N + 1) x gate (after the canary and after each step;
                   gate = initial delay + (count - 1) x interval)
    per set      = environments x per cluster + (environments - 1) x soak
Everything else (Ansible, module start-up, API calls, Prometheus queries, MCS/MCI) is overhead.

    .venv/bin/python bench/rollout_overhead.py [--only ours|baseline] [--sets 3] [--regions 3]
        [--log-dir DIR] [--json] [--check]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

import harness

TARGET_OVERHEAD = 1.2
TARGET_VS_BASELINE = 0.6
SETS = ["alpha", "beta", "gamma"]
ENVIRONMENTS = ["dev", "staging", "prod"]
REGIONS = ["us-east1", "europe-west1", "asia-east1"]
PROFILE_CALLBACK = "ansible.posix.profile_tasks"
PROCESS_CALLBACK = "module_processes"  # bench/callback_plugins: module processes per cluster and per step


def floor_seconds() -> dict:
    w = harness.WAITS
    per_cluster = harness.N * w["pod_ready_delay_s"] + (harness.N + 1) * harness.gate_seconds()
    per_set = len(ENVIRONMENTS) * per_cluster + (len(ENVIRONMENTS) - 1) * w["soak_s"]
    return {"per_cluster_s": per_cluster, "per_set_s": per_set, "critical_path_s": per_set}


def our_vars() -> dict:
    w = harness.WAITS
    return {
        "multicluster_release_app": "web", "multicluster_release_version": "2",
        "multicluster_release_waves": ["100%"],
        "canary_release_image": "registry.example.com/web:2",
        "canary_release_prometheus_url": "{{ fleet_prometheus_url }}",
        "canary_release_metric_window": "10s",
        "canary_release_gate_initial_delay": "%gs" % w["gate_initial_delay_s"],
        "canary_release_gate_interval": "%gs" % w["gate_interval_s"],
        "canary_release_gate_count": w["gate_count"],
        "canary_release_gate_inconclusive_limit": 1,
        "canary_release_smoke_requests": 3,
        "canary_release_wait_timeout": 300,
        "multicluster_release_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
        "multicluster_release_mcs_smoke_url": "{{ fleet_front_url }}/{namespace}/{service}/",
        "environment_promotion_soak_seconds": int(w["soak_s"]),
    }


def baseline_inventory(fleet: harness.Fleet) -> dict:
    groups: dict = {}
    for cluster in fleet.members():
        group = groups.setdefault(f"{cluster['set']}_{cluster['environment']}", {"hosts": {}})
        group["hosts"][cluster["name"]] = {
            "baseline_context": cluster["context"], "baseline_front_url": cluster["front_url"],
            "baseline_config_context": fleet.cluster(cluster["config_cluster"])["context"]}
    return {"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                             "baseline_kubeconfig": fleet.kubeconfig,
                             "baseline_prometheus_url": fleet.info["prometheus_url"]},
                    "children": groups}}


def baseline_vars() -> dict:
    w = harness.WAITS
    return {"baseline_app": "api", "baseline_gate_initial_delay": int(w["gate_initial_delay_s"]),
            "baseline_gate_interval": int(w["gate_interval_s"]), "baseline_gate_count": w["gate_count"],
            "baseline_soak_seconds": int(w["soak_s"])}


def run_sets(fleet: harness.Fleet, name: str, command, log_dir: Path | None = None) -> dict:
    """One ansible-playbook per environment set, all at once; wall time until the last one ends.
    With log_dir, each set's playbook output is kept there (the fleet's work directory is removed)."""
    logs, procs, counts = {}, {}, {}
    started = time.monotonic()
    for set_name in SETS:
        counts[set_name] = fleet.workdir / f"{name}-{set_name}-processes.json"
        env = harness.ansible_env(ANSIBLE_CALLBACKS_ENABLED=f"{PROFILE_CALLBACK},{PROCESS_CALLBACK}",
                                  ANSIBLE_CALLBACK_PLUGINS=str(Path(__file__).resolve().parent / "callback_plugins"),
                                  PD_BENCH_MODULE_PROCESSES=str(counts[set_name]),
                                  PROFILE_TASKS_TASK_OUTPUT_LIMIT="all", ANSIBLE_DISPLAY_SKIPPED_HOSTS="0")
        logs[set_name] = open(fleet.workdir / f"{name}-{set_name}.log", "w+")
        procs[set_name] = subprocess.Popen(command(set_name), env=env, cwd=str(fleet.workdir),
                                           stdout=logs[set_name], stderr=subprocess.STDOUT, text=True)
    peak, ends = 0.0, {}
    while len(ends) < len(procs):
        for set_name, proc in procs.items():
            if set_name not in ends and proc.poll() is not None:
                ends[set_name] = time.monotonic() - started
        peak = max([peak] + [harness.tree_rss_mb(p.pid) for p in procs.values() if p.poll() is None])
        time.sleep(0.2)
    wall = time.monotonic() - started
    outputs = {}
    for set_name, handle in logs.items():
        handle.seek(0)
        outputs[set_name] = handle.read()
        handle.close()
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)
        for set_name, text in outputs.items():
            (log_dir / f"{name}-{set_name}.log").write_text(text)
    failed = {s: p.returncode for s, p in procs.items() if p.returncode != 0}
    if failed:
        first = next(iter(failed))
        lines = [line for line in outputs[first].splitlines() if line.startswith(("fatal:", "failed:", "ERROR"))]
        raise RuntimeError(f"{name} failed for sets {failed}:\n" + "\n".join(lines[:5] or [outputs[first][-3000:]]))
    slowest = max(ends, key=ends.get)
    return {"wall_s": round(wall, 2), "per_set_s": {s: round(t, 2) for s, t in ends.items()},
            "controller_peak_rss_mb": round(peak, 1), "module_processes": module_processes(fleet, counts.values()),
            "slowest_set": slowest, "slowest_tasks": harness.task_profile(outputs[slowest], top=25)}


def module_processes(fleet: harness.Fleet, paths) -> dict:
    """Module processes (callback_plugins/module_processes.py) per member cluster and per step of a cluster."""
    members = {c["name"] for c in fleet.members()}
    per_cluster, steps, in_steps = [], 0, 0
    for path in paths:
        counted = json.loads(Path(path).read_text())
        per_cluster += [n for host, n in counted["per_host"].items() if host in members]
        steps += counted["steps"]
        in_steps += counted["processes_in_steps"]
    return {"per_cluster": round(sum(per_cluster) / len(per_cluster), 1) if per_cluster else None,
            "per_step_per_cluster": round(in_steps / steps, 2) if steps else None, "steps": steps}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["ours", "baseline"], help="run one side only (no ratio 2)")
    parser.add_argument("--sets", type=int, default=3, help="environment sets (3 for the issue's 27 clusters)")
    parser.add_argument("--regions", type=int, default=3, help="regions per environment")
    parser.add_argument("--log-dir", type=Path, help="keep each playbook's output (profile_tasks timings) here")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    options = parser.parse_args()

    SETS[:] = SETS[:options.sets]
    REGIONS[:] = REGIONS[:options.regions]
    floor = floor_seconds()
    sets = {name: (ENVIRONMENTS, REGIONS) for name in SETS}
    ours = baseline = None
    with harness.Fleet(harness.fleet_yaml(sets), prometheus=True, name="rollout") as fleet:
        members = [c["name"] for c in fleet.members()]
        harness.deploy_stable(fleet, members, app="web")
        harness.deploy_stable(fleet, members, app="api")
        requests_before = fleet.request_counts()
        if options.only != "baseline":
            inventory = fleet.workdir / "inventory" / "fleet.yml"
            inventory.parent.mkdir()
            inventory.write_text("plugin: progressive.delivery.fleet\n"
                                 f"fleet_file: {fleet.fleet_file}\nfleetsim_state_dir: {fleet.state_dir}\n")
            extra = fleet.workdir / "ours.json"
            extra.write_text(json.dumps(our_vars()))
            ours = run_sets(fleet, "ours", lambda s: [
                str(harness.BIN / "ansible-playbook"), "-i", str(inventory), str(harness.REPO / "playbooks" / "rollout.yml"),
                "-e", f"environment_promotion_set={s}", "-e", f"@{extra}"], options.log_dir)
            after = fleet.request_counts()
            ours["api_requests_per_cluster"] = round(sum(after[m]["total"] - requests_before[m]["total"]
                                                          for m in members) / len(members), 1)
            requests_before = after
        if options.only != "ours":
            inventory = fleet.workdir / "baseline.yml"
            inventory.write_text(yaml.safe_dump(baseline_inventory(fleet)))
            extra = fleet.workdir / "baseline.json"
            extra.write_text(json.dumps(baseline_vars()))
            baseline = run_sets(fleet, "baseline", lambda s: [
                str(harness.BIN / "ansible-playbook"), "-i", str(inventory),
                str(harness.REPO / "bench" / "baseline" / "rollout.yml"),
                "-e", f"@{harness.REPO / 'bench' / 'baseline' / 'vars.yml'}", "-e", f"@{extra}",
                "-e", f"baseline_set={s}"], options.log_dir)
            after = fleet.request_counts()
            baseline["api_requests_per_cluster"] = round(sum(after[m]["total"] - requests_before[m]["total"]
                                                              for m in members) / len(members), 1)

    result = {"clusters": len(members), "sets": SETS, "environments": ENVIRONMENTS, "regions": REGIONS,
              "n": harness.N, "waits": harness.WAITS, "floor": floor, "ours": ours, "baseline": baseline,
              "fleet_startup_s": round(fleet.startup_s, 2)}
    if ours:
        ratio = ours["wall_s"] / floor["critical_path_s"]
        result.update(overhead_ratio=round(ratio, 3), overhead_target=TARGET_OVERHEAD,
                      overhead_within_target=ratio <= TARGET_OVERHEAD)
    if ours and baseline:
        versus = ours["wall_s"] / baseline["wall_s"]
        result.update(vs_baseline_ratio=round(versus, 3), vs_baseline_target=TARGET_VS_BASELINE,
                      vs_baseline_within_target=versus <= TARGET_VS_BASELINE,
                      baseline_overhead_ratio=round(baseline["wall_s"] / floor["critical_path_s"], 3))
    harness.write_result("rollout_overhead", result)
    if options.json:
        print(json.dumps({k: v for k, v in result.items() if k not in ("ours", "baseline")}))
    else:
        print("Rollout of %d clusters (%d sets x %d environments x %d regions), N=%d; floor %.0f s (per cluster %.0f s)"
              % (len(members), len(SETS), len(ENVIRONMENTS), len(REGIONS), harness.N, floor["critical_path_s"],
                 floor["per_cluster_s"]))
        if ours:
            print("  playbooks/rollout.yml: %.1f s  -> overhead ratio %.2f   target <= %.1f -> %s"
                  % (ours["wall_s"], result["overhead_ratio"], TARGET_OVERHEAD,
                     harness.verdict(result["overhead_ratio"], TARGET_OVERHEAD)))
            counted = ours["module_processes"]
            print("  module processes: %s per cluster, %s per step per cluster (%d steps)"
                  % (counted["per_cluster"], counted["per_step_per_cluster"], counted["steps"]))
        if baseline:
            print("  hand-written baseline: %.1f s  (%.2f x floor)" % (baseline["wall_s"],
                                                                       baseline["wall_s"] / floor["critical_path_s"]))
        if ours and baseline:
            print("  ours / baseline %.2f   target <= %.1f -> %s" % (
                result["vs_baseline_ratio"], TARGET_VS_BASELINE,
                harness.verdict(result["vs_baseline_ratio"], TARGET_VS_BASELINE)))
        for side in (ours, baseline):
            if side:
                for row in side["slowest_tasks"][:3]:
                    print("    %-8s %-70s %6.2f s" % ("ours" if side is ours else "baseline", row["task"][:70],
                                                     row["seconds"]))
    missed = (ours and not result["overhead_within_target"]) or (
        ours and baseline and not result["vs_baseline_within_target"])
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
