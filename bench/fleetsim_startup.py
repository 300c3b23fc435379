#!/usr/bin/env python3
"""Benchmark (not a test): start-up time and idle memory of a 30-cluster simulated fleet.

Starts ``fleetsim up`` on a fleet of one environment set with 3 environments x 10 regions
(30 member clusters, plus the 3 config clusters every (set, environment) gets), measures the
time until ``up`` returns (every cluster answers /readyz), lets the fleet idle (simulated
traffic and controllers keep running), reads the fleet process's resident memory, then stops it.

Targets from issue 3: start-up under 10 s, idle RSS under 300 MB.

    .venv/bin/python bench/fleetsim_startup.py [--regions 10] [--idle 5] [--json] [--check]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_STARTUP_S = 10.0
TARGET_RSS_MB = 300.0
ENVIRONMENTS = ["dev", "staging", "prod"]
REGIONS = ["us-east1", "us-east4", "us-central1", "us-west1", "us-west2", "europe-west1",
           "europe-west2", "europe-west3", "asia-east1", "asia-northeast1", "asia-south1",
           "australia-southeast1"]


def fleet_file(regions: int) -> str:
    return (
        "environment_sets:\n"
        "  bench:\n"
        f"    environments: [{', '.join(ENVIRONMENTS)}]\n"
        f"    regions: [{', '.join(REGIONS[:regions])}]\n"
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def fleetsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fleetsim.cli", *args], capture_output=True,
                          text=True, timeout=300)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regions", type=int, default=10, choices=range(1, len(REGIONS) + 1),
                        metavar=f"1..{len(REGIONS)}", help="regions per environment (default 10)")
    parser.add_argument("--idle", type=float, default=5.0,
                        help="seconds to idle before measuring memory (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fleetsim-bench-") as tmp:
        state = Path(tmp) / "state"
        fleet = Path(tmp) / "fleet.yaml"
        fleet.write_text(fleet_file(args.regions))
        started = time.monotonic()
        up = fleetsim("up", "--fleet", str(fleet), "--state-dir", str(state))
        startup_s = time.monotonic() - started
        if up.returncode != 0:
            print(f"fleetsim up failed ({up.returncode}):\n{up.stdout}{up.stderr}", file=sys.stderr)
            return 2
        try:
            description = json.loads((state / "fleet.json").read_text())
            members = sum(1 for c in description["clusters"] if c["role"] == "member")
            total = len(description["clusters"])
            time.sleep(args.idle)
            memory_mb = rss_mb(description["pid"])
        finally:
            down = fleetsim("down", "--state-dir", str(state))
            if down.returncode != 0:
                print(f"fleetsim down failed: {down.stderr}", file=sys.stderr)

    ok_startup = startup_s < TARGET_STARTUP_S
    ok_memory = memory_mb < TARGET_RSS_MB
    if args.json:
        print(json.dumps({"clusters": total, "member_clusters": members,
                          "startup_s": round(startup_s, 2), "idle_rss_mb": round(memory_mb, 1),
                          "target_startup_s": TARGET_STARTUP_S, "target_rss_mb": TARGET_RSS_MB}))
    else:
        print(f"fleet: {total} clusters ({members} member + {total - members} config)")
        print(f"start-up: {startup_s:6.2f} s   target < {TARGET_STARTUP_S:.0f} s    "
              f"{'ok' if ok_startup else 'MISSED'}")
        print(f"idle RSS: {memory_mb:6.1f} MB  target < {TARGET_RSS_MB:.0f} MB  "
              f"{'ok' if ok_memory else 'MISSED'}  (after {args.idle:g} s idle)")
    return 1 if args.check and not (ok_startup and ok_memory) else 0


if __name__ == "__main__":
    sys.exit(main())
