# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout plan as a table for a terminal: one line per cluster, a line per promotion gate, the totals,
the refusals and the critical path."""

from __future__ import annotations

HEADER = ("ENVIRONMENT", "WAVE", "CLUSTER", "NOW", "WILL DO", "STEPS", "POD READY", "ESTIMATE")
ACTIONS = {"skip": "skip: runs it already", "release": "release from scratch", "resume": "resume from step %s",
           "refused": "REFUSED"}


def duration(seconds):
    seconds = int(round(seconds or 0))
    return "%dm%02ds" % (seconds // 60, seconds % 60) if seconds >= 60 else "%ds" % seconds


def _now(now):
    if not now.get("readable"):
        return "unreadable"
    text = now["stable"] or "-"
    if now["canary"]:
        text += " -> %s (%s, %s)" % (now["canary"], now["phase"], now["split"])
    else:
        text += " (%s Ready)" % now["ready"]
    marks = [m for m in (("frozen" if now["frozen"] else None), ("lock %s" % now["lock"] if now["lock"] else None)) if m]
    return text + (" [%s]" % ", ".join(marks) if marks else "")


def _cluster_row(env, wave, c):
    action = ACTIONS[c["action"]] % c["resume_from_step"] if c["action"] == "resume" else ACTIONS[c["action"]]
    steps = " ".join(str(s["canary_pods"]) for s in c["steps"]) or "-"
    ready = "%ss%s" % (c["pod_ready"]["seconds"], "" if c["pod_ready"]["source"] == "default" else " (seen)")
    return (env, str(wave), c["cluster"], _now(c["now"]), action, steps, ready, duration(c["seconds"]))


def _gate_row(env):
    gate = env["promotion_gate"]
    text = "soak %ss (waits %s)" % (gate["soak_seconds"], duration(gate["wait_seconds"]))
    if gate["approval"]:
        text += " + manual approval (not counted)"
    return (env["group"], "gate", "from %s" % gate["from"], "", text, "", "", duration(gate["seconds"]))


def _rows(plan_set):
    rows = []
    for env in plan_set["environments"]:
        if env["action"] == "verified":
            rows.append((env["group"], "-", "(all)", "", "verified: runs it healthy everywhere, skipped", "", "", "0s"))
            continue
        if env["promotion_gate"]:
            rows.append(_gate_row(env))
        for wave in env["waves"]:
            rows.extend(_cluster_row(env["group"], wave["wave"], c) for c in wave["clusters"])
        rows.append((env["group"], "", "", "", "environment total", "", "", duration(env["seconds"])))
    return rows


def _table(rows):
    widths = [max(len(r[i]) for r in [HEADER] + rows) for i in range(len(HEADER))]
    return ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in [HEADER] + rows]


def lines(plan):
    """The plan document as printable lines."""
    out = ["rollout plan: %s %s in namespace %s - estimated %s%s" % (
        plan["app"], plan["version"], plan["namespace"], duration(plan["estimate_seconds"]),
        " (sets at the same time)" if plan["sets_in_parallel"] and len(plan["sets"]) > 1 else "")]
    for plan_set in plan["sets"]:
        out.append("set %s - estimated %s" % (plan_set["set"], duration(plan_set["seconds"])))
        out.extend(_table(_rows(plan_set)))
    out.append("refused: none" if not plan["refusals"] else "REFUSED - the rollout would stop here:")
    out.extend("  %s / %s / %s: %s" % (r["set"], r["environment"] or "(set)", r["cluster"], r["reason"])
               for r in plan["refusals"])
    path = ["%s (%s)" % (p["what"], duration(p["seconds"])) for p in plan["critical_path"]]
    out.append("critical path: " + (" -> ".join(path) or "nothing to do"))
    a = plan["assumptions"]
    assumed = (a["pod_ready_default_seconds"], a["module_task_seconds"], a["controller_task_seconds"])
    out.append("assumed: pod ready %ss where the cluster shows no history, %.2fs per module task, %.2fs per other task "
               "(make bench); manual approvals not counted" % assumed)
    return out
