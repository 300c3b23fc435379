#!/usr/bin/env python
"""Fleet scale: a 200-cluster fleet (4 environment sets x 5 environments x 10 regions) driven from one
controller with forks = 20. Targets: inventory parse + preflight under 10 s; controller peak RSS
under 1 GB.

Measured, each with ``ansible-playbook``/``ansible-inventory`` as a user runs them against the
progressive.delivery.fleet inventory of the running simulator:
  - inventory parse: ``ansible-inventory --list`` (the plugin reading the fleet file and fleet.json);
  - preflight: bench/scale/preflight.yml, release_preflight (the canary's dry run: app, N, other
    release, reject list, lock, every permission of the release) over every member cluster from one
    task (inventory parse included: that is what a user waits for before the first write);
  - one step: bench/scale/step.yml, ``scale_step`` moving one pod to the canary in every member
    cluster and waiting for Ready (after the same playbook created the canaries, also timed);
  - controller peak memory: the ansible-playbook process and all its workers and module processes,
    sampled from /proc every 0.2 s during each run (the fleet simulator is not counted), both as
    summed RSS and as PSS (proportional set size: a page shared by the forked workers counted once,
    what the tree really takes from the machine). The 1 GB target is judged on PSS; summed RSS is
    reported beside it because it counts every copy-on-write page once per worker.
The slowest tasks come from ansible.posix.profile_tasks.

    .venv/bin/python bench/scale.py [--sets 4 --environments 5 --regions 10] [--forks 20] [--json] [--check]
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import harness

TARGET_PREFLIGHT_S = 10.0
TARGET_RSS_MB = 1024.0
ENVIRONMENTS = ["dev", "test", "staging", "canary", "prod"]
REGIONS = ["us-east1", "us-east4", "us-central1", "us-west1", "us-west2", "europe-west1", "europe-west2",
           "europe-west3", "asia-east1", "asia-south1"]
SCALE_DIR = harness.REPO / "bench" / "scale"


def playbook(fleet: harness.Fleet, inventory, name: str, forks: int, *extra: str) -> dict:
    env = harness.ansible_env(ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
                              PROFILE_TASKS_TASK_OUTPUT_LIMIT="all",
                              ANSIBLE_DISPLAY_SKIPPED_HOSTS="0")
    argv = [str(harness.BIN / "ansible-playbook"), "-i", str(inventory), "-f", str(forks),
            str(SCALE_DIR / name), *extra]
    memory = {}
    code, seconds, peak, output = harness.run_sampled(argv, env, cwd=str(fleet.workdir),
                                                      log=fleet.workdir / (name + ".log"), memory=memory)
    if code != 0:
        failures = [line for line in output.splitlines() if line.startswith(("fatal:", "failed:", "ERROR"))]
        raise RuntimeError(f"{name} failed (rc {code}):\n" + "\n".join(failures[:5] or [output[-3000:]]))
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1), "peak_pss_mb": memory["peak_pss_mb"],
            "slowest_tasks": harness.task_profile(output)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=4)
    parser.add_argument("--environments", type=int, default=5)
    parser.add_argument("--regions", type=int, default=10)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    options = parser.parse_args()

    sets = {f"set{i + 1}": (ENVIRONMENTS[:options.environments], REGIONS[:options.regions])
            for i in range(options.sets)}
    # Pods get Ready quickly and traffic is light: this measures the controller, not the waits.
    text = harness.fleet_yaml(sets, requests_per_second=1, pod_ready_delay_s=0.3)
    with harness.Fleet(text, name="scale") as fleet:
        members = [c["name"] for c in fleet.members()]
        harness.deploy_stable(fleet, members)
        inventory = fleet.workdir / "inventory" / "fleet.yml"
        inventory.parent.mkdir()
        inventory.write_text("plugin: progressive.delivery.fleet\n"
                             f"fleet_file: {fleet.fleet_file}\nfleetsim_state_dir: {fleet.state_dir}\n")
        started = time.monotonic()
        parse_memory = {}
        code, parse_s, parse_rss, output = harness.run_sampled(
            [str(harness.BIN / "ansible-inventory"), "-i", str(inventory), "--list"], harness.ansible_env(),
            memory=parse_memory)
        if code != 0:
            raise RuntimeError(f"ansible-inventory failed: {output[-2000:]}")
        hosts = json.loads(output[output.index("{"):])["_meta"]["hostvars"]
        parse_s = time.monotonic() - started
        preflight = playbook(fleet, inventory, "preflight.yml", options.forks)
        canary = playbook(fleet, inventory, "step.yml", options.forks, "-e", "bench_phase=canary")
        step = playbook(fleet, inventory, "step.yml", options.forks, "-e", "bench_phase=step")

    peak = max(preflight["peak_rss_mb"], canary["peak_rss_mb"], step["peak_rss_mb"], parse_rss)
    peak_pss = max(preflight["peak_pss_mb"], canary["peak_pss_mb"], step["peak_pss_mb"], parse_memory["peak_pss_mb"])
    result = {
        "member_clusters": len(members), "inventory_hosts": len(hosts), "forks": options.forks,
        "fleet_startup_s": round(fleet.startup_s, 2),
        "inventory_parse_s": round(parse_s, 2), "preflight_s": preflight["seconds"],
        "preflight_ratio": round(preflight["seconds"] / TARGET_PREFLIGHT_S, 3),
        "preflight_target_s": TARGET_PREFLIGHT_S, "preflight_within_target": preflight["seconds"] < TARGET_PREFLIGHT_S,
        "canary_step_s": canary["seconds"], "scale_step_s": step["seconds"],
        "peak_rss_mb": peak, "peak_pss_mb": peak_pss, "rss_ratio": round(peak_pss / TARGET_RSS_MB, 3),
        "rss_target_mb": TARGET_RSS_MB, "rss_within_target": peak_pss < TARGET_RSS_MB,
        "memory_judged_on": "peak PSS of the controller's process tree (summed RSS counts shared pages per worker)",
        "profiles": {"preflight": preflight["slowest_tasks"], "canary": canary["slowest_tasks"],
                     "step": step["slowest_tasks"]},
    }
    harness.write_result("scale", result)
    if options.json:
        print(json.dumps({k: v for k, v in result.items() if k != "profiles"}))
    else:
        print("Scale: %d member clusters (%d inventory hosts), forks %d" % (len(members), len(hosts), options.forks))
        print("  inventory parse:          %6.2f s" % parse_s)
        print("  parse + preflight:        %6.2f s   target < %.0f s -> %s" % (
            preflight["seconds"], TARGET_PREFLIGHT_S,
            harness.verdict(preflight["seconds"], TARGET_PREFLIGHT_S)))
        print("  canary in every cluster:  %6.2f s" % canary["seconds"])
        print("  one step in every cluster:%6.2f s" % step["seconds"])
        print("  controller peak memory:   %6.0f MB PSS (%.0f MB summed RSS)  target < %.0f MB -> %s" % (
            peak_pss, peak, TARGET_RSS_MB, harness.verdict(peak_pss, TARGET_RSS_MB)))
        for row in preflight["slowest_tasks"][:3]:
            print("    preflight: %-60s %6.2f s" % (row["task"][:60], row["seconds"]))
    missed = not (result["preflight_within_target"] and result["rss_within_target"])
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
