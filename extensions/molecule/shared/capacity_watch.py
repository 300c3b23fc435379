#!/usr/bin/env python
"""Capacity watcher for the molecule scenarios: follows the app's pods in every member cluster of a
fleetsim fleet (started with `fleetsim up`) and, when stopped with SIGTERM, writes a JSON report of
every instant at which the ready pods of the app, all versions together, fell below the floor.

    capacity_watch.py --fleet-json STATE/fleet.json --namespace default --app web --floor 3 \
        --report STATE/capacity.json --ready-file STATE/capacity.ready

It reuses tests/support/capacity_watcher.py (the release modules' watcher) over HTTP watches, and
touches --ready-file once every cluster's watch has started, so the scenario starts releasing only
when nothing can be missed.
"""

import argparse
import json
import os
import signal
import sys
import threading

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))
sys.path.insert(0, os.path.join(REPO, ".venv", "collections"))

from capacity_watcher import CapacityWatcher  # noqa: E402  (path set above)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--fleet-json", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--app", required=True)
    parser.add_argument("--floor", type=int, required=True, help="N - max_unavailable")
    parser.add_argument("--report", required=True)
    parser.add_argument("--ready-file", required=True)
    args = parser.parse_args()

    with open(args.fleet_json) as handle:
        fleet = json.load(handle)
    watchers = {}
    for cluster in fleet["clusters"]:
        if cluster["role"] != "member":
            continue
        client = get_client({"kubeconfig": fleet["kubeconfig"], "context": cluster["context"]})
        watchers[cluster["name"]] = CapacityWatcher.over_http(client, args.namespace, args.app, args.floor).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with open(args.ready_file, "w") as handle:
        handle.write("watching %s\n" % ", ".join(sorted(watchers)))
    stop.wait()

    report = {"floor": args.floor, "clusters": {}, "violations": 0}
    for name, watcher in sorted(watchers.items()):
        result = watcher.stop()
        report["clusters"][name] = {
            "initial_ready": result.initial_ready, "min_ready": result.min_ready,
            "changes": len(result.changes), "violations": result.violations, "gaps": result.gaps,
            "summary": result.describe(),
        }
        report["violations"] += len(result.violations)
    with open(args.report, "w") as handle:
        json.dump(report, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
