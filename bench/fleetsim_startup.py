#!/usr/bin/env python3
"""Benchmark (not a test): start-up time and idle memory of a 30-cluster simulated fleet.

Starts ``fleetsim up`` on a fleet of one environment set with 3 environments x 10 regions
(30 member clusters, plus the 3 config clusters every (set, environment) gets), measures the
time until ``up`` returns (every cluster answers /readyz), lets the fleet idle (simulated
traffic and controllers keep running), reads the fleet process's resident memory, then stops it.

Targets from issue 3: start-up under 10 s, idle RSS under 300 MB.

With ``--apps N`` it then deploys N apps (a 3-replica Deployment and a Service each) into every
member cluster through the HTTP API, waits until every app answers through its cluster's front,
and reports the memory and the cost of one metrics scrape under that load (no target).

    .venv/bin/python bench/fleetsim_startup.py [--regions 10] [--idle 5] [--apps 2] [--json] [--check]
"""
from __future__ import annotations

import argparse
import json
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
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


def deploy_apps(description: dict, apps: int) -> None:
    """N Deployments (3 replicas) and Services per member cluster, through each cluster's API."""
    context = ssl.create_default_context(cafile=description["ca_file"])
    for cluster in description["clusters"]:
        if cluster["role"] != "member":
            continue
        for index in range(apps):
            name = f"app-{index}"
            labels = {"app": name, "version": "v1"}
            post(cluster, "/apis/apps/v1/namespaces/default/deployments", context, {
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                "spec": {"replicas": 3, "selector": {"matchLabels": labels},
                         "template": {"metadata": {"labels": labels},
                                      "spec": {"containers": [{"name": name,
                                                               "image": f"bench/{name}:v1"}]}}}})
            post(cluster, "/api/v1/namespaces/default/services", context, {
                "apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}})


def post(cluster: dict, path: str, context: ssl.SSLContext, body: dict) -> None:
    request = urllib.request.Request(
        f"{cluster['api_url']}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {cluster['token']}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30, context=context):
        pass


def wait_until_served(description: dict, apps: int, timeout: float = 120.0) -> float:
    """Seconds until every app answers 200 through its cluster's front."""
    started = time.monotonic()
    waiting = [(c["front_url"], f"app-{i}") for c in description["clusters"]
               if c["role"] == "member" for i in range(apps)]
    while waiting:
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{len(waiting)} apps still not served after {timeout:.0f}s")
        still = []
        for front, name in waiting:
            try:
                with urllib.request.urlopen(f"{front}/default/{name}/", timeout=10):
                    pass
            except (urllib.error.URLError, OSError):
                still.append((front, name))
        waiting = still
        if waiting:
            time.sleep(0.5)
    return time.monotonic() - started


def scrape(metrics_url: str) -> tuple[float, int]:
    """Seconds one GET of the metrics endpoint takes, and how many samples it returned."""
    started = time.monotonic()
    with urllib.request.urlopen(metrics_url, timeout=30) as response:
        text = response.read().decode()
    took = time.monotonic() - started
    return took, sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def fleetsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fleetsim.cli", *args], capture_output=True,
                          text=True, timeout=300)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regions", type=int, default=10, choices=range(1, len(REGIONS) + 1),
                        metavar=f"1..{len(REGIONS)}", help="regions per environment (default 10)")
    parser.add_argument("--idle", type=float, default=5.0,
                        help="seconds to idle before measuring memory (default 5)")
    parser.add_argument("--apps", type=int, default=0,
                        help="then deploy this many apps per member cluster and measure again")
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
            loaded = {}
            if args.apps:
                deploy_apps(description, args.apps)
                loaded["apps_served_s"] = round(wait_until_served(description, args.apps), 2)
                time.sleep(args.idle)
                loaded["loaded_rss_mb"] = round(rss_mb(description["pid"]), 1)
                scrape_s, samples = scrape(description["metrics_url"])
                loaded.update(scrape_ms=round(scrape_s * 1000, 1), metric_samples=samples)
        finally:
            down = fleetsim("down", "--state-dir", str(state))
            if down.returncode != 0:
                print(f"fleetsim down failed: {down.stderr}", file=sys.stderr)

    ok_startup = startup_s < TARGET_STARTUP_S
    ok_memory = memory_mb < TARGET_RSS_MB
    if args.json:
        print(json.dumps({"clusters": total, "member_clusters": members,
                          "startup_s": round(startup_s, 2), "idle_rss_mb": round(memory_mb, 1),
                          "target_startup_s": TARGET_STARTUP_S, "target_rss_mb": TARGET_RSS_MB,
                          **loaded}))
    else:
        print(f"fleet: {total} clusters ({members} member + {total - members} config)")
        print(f"start-up: {startup_s:6.2f} s   target < {TARGET_STARTUP_S:.0f} s    "
              f"{'ok' if ok_startup else 'MISSED'}")
        print(f"idle RSS: {memory_mb:6.1f} MB  target < {TARGET_RSS_MB:.0f} MB  "
              f"{'ok' if ok_memory else 'MISSED'}  (after {args.idle:g} s idle)")
        if loaded:
            print(f"with {args.apps} apps x 3 pods per member cluster: all served after "
                  f"{loaded['apps_served_s']:.1f} s, RSS {loaded['loaded_rss_mb']:.1f} MB, one "
                  f"metrics scrape {loaded['scrape_ms']:.0f} ms ({loaded['metric_samples']} samples)")
    return 1 if args.check and not (ok_startup and ok_memory) else 0


if __name__ == "__main__":
    sys.exit(main())
