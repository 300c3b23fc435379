#!/usr/bin/env python
"""`make bench`: the five measurements of issue 10, each as a ratio measured in the same run, then
bench/results/summary.md with a plot (bench/results/summary.svg, drawn here: no plotting library).

    .venv/bin/python bench/run_all.py [--only api_cost,rollback_latency,scale,rollout_overhead]
                                      [--summary-only] [--check]

Each benchmark is its own script (run alone for one number); this runs them one after another
(never in parallel: they would measure each other), reads their bench/results/<name>.json and
prints every ratio against its target. --summary-only rebuilds the summary from the results
already there. --check exits 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from html import escape
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
# Cheapest first: a failure in a quick one shows before the long runs.
ORDER = ["api_cost", "rollback_latency", "rollout_overhead", "scale"]


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def rows(results: dict) -> list[dict]:
    """One row per target: name, value, target, unit, met, the ratio value/target (for the plot)."""
    out = []

    def add(key, label, value, target, unit, lower=True):
        if value is None:
            return
        out.append({"key": key, "label": label, "value": value, "target": target, "unit": unit,
                    "met": value <= target if lower else value >= target, "vs_target": value / target})

    rollout = results.get("rollout_overhead") or {}
    add("overhead", "1. rollout.yml wall / floor", rollout.get("overhead_ratio"), 1.2, "x")
    add("baseline", "2. rollout.yml / hand-written baseline", rollout.get("vs_baseline_ratio"), 0.6, "x")
    rollback = results.get("rollback_latency") or {}
    add("rollback", "3. rollback latency / pod ready delay", rollback.get("ratio"), 1.1, "x")
    api = results.get("api_cost") or {}
    add("api", "4. API requests per step per cluster",
        (api.get("requests_per_step_per_cluster") or {}).get("mean"), 10.0, "")
    scale = results.get("scale") or {}
    add("preflight", "5a. 200 clusters: inventory + preflight", scale.get("preflight_s"), 10.0, "s")
    # PSS: pages the forked workers share with the controller counted once (summed RSS is in scale.json).
    add("rss", "5b. 200 clusters: controller peak memory (PSS)", scale.get("peak_pss_mb", scale.get("peak_rss_mb")),
        1024.0, "MB")
    return out


def svg(table: list[dict], rollout: dict | None) -> str:
    """Two panels: each measurement against its target (1 = the target), and the rollout's wall
    times against the floor."""
    width, bar_x, bar_w, row_h = 860, 330, 470, 30
    cap = 3.0
    height = 60 + row_h * len(table) + (200 if rollout and rollout.get("ours") else 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="13">',
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="10" y="22" font-size="15" font-weight="bold">Measurement / target '
             '(left of the line: target met; bars capped at 3x)</text>']
    scale = bar_w / cap
    top = 40
    for index, row in enumerate(table):
        y = top + index * row_h
        length = min(row["vs_target"], cap) * scale
        color = "#2e7d32" if row["met"] else "#c62828"
        parts.append(f'<text x="10" y="{y + 18}">{escape(row["label"])}</text>')
        parts.append(f'<rect x="{bar_x}" y="{y + 5}" width="{length:.1f}" height="18" fill="{color}"/>')
        parts.append(f'<text x="{bar_x + length + 5:.1f}" y="{y + 19}">{row["value"]:g}{row["unit"]} '
                     f'(target {row["target"]:g}{row["unit"]})</text>')
    line_x = bar_x + scale
    parts.append(f'<line x1="{line_x}" y1="{top}" x2="{line_x}" y2="{top + row_h * len(table)}" '
                 'stroke="black" stroke-dasharray="4 3"/>')
    if rollout and rollout.get("ours"):
        y0 = top + row_h * len(table) + 30
        parts.append(f'<text x="10" y="{y0}" font-size="15" font-weight="bold">Rollout of '
                     f'{rollout["clusters"]} clusters: wall time (s)</text>')
        bars = [("floor (configured waits)", rollout["floor"]["critical_path_s"], "#607d8b"),
                ("playbooks/rollout.yml", rollout["ours"]["wall_s"], "#1565c0")]
        if rollout.get("baseline"):
            bars.append(("hand-written baseline", rollout["baseline"]["wall_s"], "#ef6c00"))
        longest = max(value for _, value, _ in bars)
        for index, (label, value, color) in enumerate(bars):
            y = y0 + 15 + index * 40
            length = value / longest * bar_w
            parts.append(f'<text x="10" y="{y + 20}">{escape(label)}</text>')
            parts.append(f'<rect x="{bar_x}" y="{y + 5}" width="{length:.1f}" height="24" fill="{color}"/>')
            parts.append(f'<text x="{bar_x + length + 5:.1f}" y="{y + 22}">{value:.0f} s</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def profile_lines(rows_: list[dict], limit: int = 5) -> list[str]:
    return ["| %s | %.1f s | %d | %.0f%% |" % (r["task"].replace("|", "/"), r["seconds"], r.get("runs", 1), r.get("share", 0) * 100)
            for r in rows_[:limit]]


def where_time_goes(results: dict, table: list[dict]) -> list[str]:
    missed = {row["key"] for row in table if not row["met"]}
    out = []
    rollout = results.get("rollout_overhead") or {}
    if missed & {"overhead", "baseline"} and rollout.get("ours"):
        ours = rollout["ours"]
        floor = rollout["floor"]["critical_path_s"]
        out += ["", "### Rollout: where the time goes",
                "", "Wall %.0f s against a floor of %.0f s: %.0f s are not configured waits. Task time summed by task "
                "name in the slowest set (%s), from ansible.posix.profile_tasks (a task's time spans all the "
                "clusters it runs on at once):" % (ours["wall_s"], floor, ours["wall_s"] - floor, ours["slowest_set"]),
                "", "| task | time | runs | share |", "| --- | --- | --- | --- |"] + profile_lines(ours["slowest_tasks"], 10)
        processes = ours.get("module_processes") or {}
        if processes.get("per_cluster"):
            out += ["", "Module processes (each a Python start-up with Ansible's module_utils): %s per member cluster, "
                    "%s per step per cluster (a step and its gate)." % (processes["per_cluster"],
                                                                       processes["per_step_per_cluster"])]
        waits = rollout.get("waits") or {}
        if waits:
            gate = waits["gate_initial_delay_s"] + (waits["gate_count"] - 1) * waits["gate_interval_s"]
            n, envs = rollout["n"], len(rollout["environments"])
            # A step and its gate are one task (scale_step with the gate's checks); the canary's gate is its own.
            waited = [("Gate on user traffic", "the canary's metric + pod-health gate", envs * gate),
                      ("Move to the target split", "steps with their gates",
                       (n - 1) * envs * waits["pod_ready_delay_s"] + n * envs * gate),
                      ("Ensure the canary Deployment", "canary creation", envs * waits["pod_ready_delay_s"])]
            bullets = []
            for prefix, what, floor_s in waited:
                spent = sum(r["seconds"] for r in ours["slowest_tasks"] if prefix in r["task"])
                if spent:
                    bullets.append("- %s: %.0f s in the slowest set, of which %.0f s are configured waits (%.0f s overhead)"
                                   % (what, spent, floor_s, spent - floor_s))
            out += [""] + bullets if bullets else []
        if rollout.get("baseline"):
            out += ["", "Baseline (hand-written), same view:", "", "| task | time | runs | share |",
                    "| --- | --- | --- | --- |"] + profile_lines(rollout["baseline"]["slowest_tasks"], 6)
    rollback = results.get("rollback_latency") or {}
    if "rollback" in missed:
        out += ["", "### Rollback: where the time goes", "",
                "Latency %.2f s = pod ready delay %.1f s + %.2f s. A module process that only starts and checks its "
                "arguments already takes %.2f s (Python start-up and imports, paid by every Ansible task); the rest "
                "is the rollback's reads and writes before the stable is scaled and the controllers' reaction."
                % (rollback["latency_s_median"], rollback["floor_s"], rollback["overhead_s"],
                   rollback["module_startup_s_median"])]
    api = results.get("api_cost") or {}
    if api.get("worst_step"):  # shown met or not: it is the request budget a change must keep
        worst = api["worst_step"]
        out += ["", "### API cost: where the requests go", "",
                "The costliest step (%d requests, canary to %d pods):" % (worst["requests"], worst["canary_replicas"]),
                "", "| task | verb resource | requests |", "| --- | --- | --- |"]
        for task in ("scale_step", "gate_check"):
            for key, count in sorted(worst[task]["by_verb_resource"].items(), key=lambda kv: -kv[1]):
                out.append("| %s | %s | %d |" % (task, key, count))
        out += ["", "The pod-health gate reads the Deployment's selector once, then lists the pods at the start of its "
                "window and once per measurement (gate count %d)." % api.get("gate_count", 0)]
    scale = results.get("scale") or {}
    if missed & {"preflight", "rss"} and scale:
        out += ["", "### Scale: where the time goes", "",
                "Inventory parse %.1f s; the rest of the %.1f s is the preflight's tasks over %d clusters with %d forks "
                "(every module task is a Python process per cluster):" % (
                    scale["inventory_parse_s"], scale["preflight_s"], scale["member_clusters"], scale["forks"]),
                "", "| task | time | runs | share |", "| --- | --- | --- | --- |"] + profile_lines(
                    scale["profiles"]["preflight"], 6)
    return out


def summary(results: dict, elapsed: float | None, notes: list[str] | None = None) -> str:
    table = rows(results)
    lines = ["# Benchmark summary (issue 10)", "",
             "Generated by `make bench` (bench/run_all.py) on %s%s. Every number below was measured in the same run; "
             "the JSON files next to this one hold the details." % (
                 time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 ", %.0f s in all" % elapsed if elapsed else ""),
             "", "![measurements against targets](summary.svg)", "",
             "| measurement | value | target | met |", "| --- | --- | --- | --- |"]
    for row in table:
        lines.append("| %s | %g%s | %s %g%s | %s |" % (row["label"], row["value"], row["unit"],
                                                     "<" if row["key"] in ("preflight", "rss") else "<=",
                                                     row["target"], row["unit"], "yes" if row["met"] else "**no**"))
    any_result = next((r for r in results.values() if r), {})
    waits = any_result.get("waits", {})
    if waits:
        lines += ["", "Fixed waits: " + ", ".join("%s %s" % (k, v) for k, v in waits.items()) + "."]
    rollout = results.get("rollout_overhead") or {}
    if rollout.get("ours"):
        lines += ["", "Rollout: %d clusters, floor %.0f s (per cluster %.0f s: N x pod ready delay + (N+1) x gate; "
                  "3 environments in sequence with the soak between; sets in parallel). rollout.yml %.0f s, baseline %s."
                  % (rollout["clusters"], rollout["floor"]["critical_path_s"], rollout["floor"]["per_cluster_s"],
                     rollout["ours"]["wall_s"],
                     "%.0f s" % rollout["baseline"]["wall_s"] if rollout.get("baseline") else "not run"),
                  "API requests per cluster over the whole rollout: rollout.yml %s, baseline %s." % (
                      rollout["ours"].get("api_requests_per_cluster"),
                      (rollout.get("baseline") or {}).get("api_requests_per_cluster", "-"))]
    lines += where_time_goes(results, table)
    met = [row["label"] for row in table if row["met"]]
    lines += ["", "Targets met: %d of %d." % (len(met), len(table))]
    if notes:
        lines += ["", "## Run notes", ""] + ["- %s" % note for note in notes]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated benchmarks (%s)" % ",".join(ORDER))
    parser.add_argument("--summary-only", action="store_true", help="rebuild the summary from bench/results")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--note", action="append", help="a line for the summary's run notes (load, interruptions)")
    options = parser.parse_args()

    names = ORDER if not options.only else [n.strip() for n in options.only.split(",")]
    unknown = [n for n in names if n not in ORDER]
    if unknown:
        parser.error("--only: unknown benchmark %s (choose from %s)" % (", ".join(unknown), ", ".join(ORDER)))
    started = time.monotonic()
    failures = []
    if not options.summary_only:
        for name in names:
            print("== %s" % name, flush=True)
            began = time.monotonic()
            code = subprocess.call([sys.executable, str(BENCH / f"{name}.py")], cwd=str(BENCH),
                                   env=dict(os.environ, PYTHONUNBUFFERED="1"))
            print("   (%s: %.0f s, exit %d)" % (name, time.monotonic() - began, code), flush=True)
            if code != 0:
                failures.append(name)
    results = {name: load(name) for name in ORDER}
    elapsed = None if options.summary_only else time.monotonic() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = rows(results)
    (RESULTS / "summary.svg").write_text(svg(table, results.get("rollout_overhead")))
    (RESULTS / "summary.md").write_text(summary(results, elapsed, options.note))
    print("\nRatios against the targets (bench/results/summary.md):")
    for row in table:
        print("  %-45s %8g%-2s target %s%g%-2s %s" % (row["label"], row["value"], row["unit"],
                                                     "<" if row["key"] in ("preflight", "rss") else "<=",
                                                     row["target"], row["unit"], "met" if row["met"] else "NOT met"))
    if failures:
        print("benchmarks that failed to run: %s" % ", ".join(failures), file=sys.stderr)
        return 1
    if options.check and any(not row["met"] for row in table):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
