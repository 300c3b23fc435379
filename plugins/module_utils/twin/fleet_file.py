# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet file of a twin: the real fleet's sets, environments and regions, so the simulator names every
cluster as the real one is named (<set>-<environment>-<region>, <set>-<environment>-config), with the
pod-ready delay the real clusters show."""

from __future__ import annotations

# The simulator's pod-ready delay is per set: the slowest cluster of the set sets it (a rehearsal that is
# too fast would promise a shorter rollout than production gives).
DEFAULT_JITTER = "0s"


def _set_delay(clusters, reads, default):
    seconds = [((reads.get(c) or {}).get("pod_ready") or {}).get("seconds") for c in clusters]
    seconds = [s for s in seconds if isinstance(s, (int, float))]
    return (max(seconds), "measured") if seconds else (default, "default")


def twin_fleet(sets, reads, namespaces, clock_speed=1.0, pod_ready_default=5.0):
    """(fleet file dict, {set: {'pod_ready_seconds', 'source'}}) for `sets`:
    {set: {'environments': [...], 'regions': [...], 'clusters': [...]}} (clusters: the set's member clusters)."""
    fleet = {"simulation": {"clock_speed": clock_speed, "pod_ready_jitter": DEFAULT_JITTER,
                            "namespaces": sorted(set(["default"] + list(namespaces)))},
             "environment_sets": {}}
    delays = {}
    for name, layout in sets.items():
        seconds, source = _set_delay(layout.get("clusters") or [], reads, pod_ready_default)
        delays[name] = {"pod_ready_seconds": round(seconds, 2), "source": source}
        fleet["environment_sets"][name] = {
            "environments": list(layout["environments"]), "regions": list(layout["regions"]),
            "simulation": {"pod_ready_delay": "%gs" % round(seconds, 2)},
        }
    return fleet, delays
