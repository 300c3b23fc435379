# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout plan drawn as a timeline before the run: one self-contained HTML page from the plan document
(docs/schemas/rollout-plan.schema.json), in the board's styles.

Lanes in the order the rollout goes (set, environment in promotion order, wave, cluster), one bar per cluster
from its wave's start for its estimated seconds, a bar per promotion gate; the critical path (every gate and
each wave's slowest cluster) drawn dark and outlined, refused clusters red.
"""

from __future__ import annotations

from html import escape

from ansible_collections.progressive.delivery.plugins.plugin_utils.report import board, charts

LANE, LEFT, RIGHT, TOP = 24, 300, 16, 8
PLANNED_COLOUR = "#9ecae1"
CRITICAL_COLOUR = "#08519c"
GATE_COLOUR = "#31a354"
SKIP_COLOUR = "#d9d9d9"


def _duration(seconds):
    seconds = int(round(seconds or 0))
    return "%dm%02ds" % (seconds // 60, seconds % 60) if seconds >= 60 else "%ds" % seconds


def _environment_bars(set_name, env, start):
    """(bars, end): the gate, then each wave's clusters side by side from the wave's start."""
    bars, t = [], start
    gate = env.get("promotion_gate")
    if gate:
        bars.append({"label": "%s / %s: promotion gate" % (set_name, env["group"]), "start": t, "seconds": gate["seconds"],
                     "kind": "gate", "critical": True, "note": "from %s, soak %ss" % (gate["from"], gate["soak_seconds"])})
        t += gate["seconds"]
    for wave in env.get("waves") or []:
        for c in wave["clusters"]:
            kind = {"refused": "refused", "skip": "skip"}.get(c["action"], "cluster")
            bars.append({"label": "%s / %s / w%d: %s" % (set_name, env["group"], wave["wave"], c["cluster"]),
                         "start": t, "seconds": c["seconds"], "kind": kind, "critical": c["cluster"] == wave["slowest"],
                         "note": c.get("reason") or c["action"]})
        t += wave["seconds"]
    return bars, max(t, start + env["seconds"])


def plan_bars(plan):
    """Every bar of the plan with its start (seconds from the run's start); sets one after the other unless the
    plan runs them in parallel."""
    bars, offset = [], 0.0
    for plan_set in plan.get("sets") or []:
        # What the set spends outside its environments (the run's start) comes first.
        t = offset + max(plan_set["seconds"] - sum(e["seconds"] for e in plan_set["environments"]), 0.0)
        for env in plan_set["environments"]:
            if env["action"] == "verified":
                bars.append({"label": "%s / %s: verified, skipped" % (plan_set["set"], env["group"]), "start": t,
                             "seconds": 0.0, "kind": "skip", "critical": False, "note": "runs the version already"})
                continue
            env_bars, t = _environment_bars(plan_set["set"], env, t)
            bars.extend(env_bars)
        if not plan.get("sets_in_parallel"):
            offset += plan_set["seconds"]
    return bars


def _colour(lane_bar):
    if lane_bar["kind"] == "refused":
        return charts.FAILED_COLOUR
    if lane_bar["kind"] == "skip":
        return SKIP_COLOUR
    if lane_bar["kind"] == "gate":
        return GATE_COLOUR
    return CRITICAL_COLOUR if lane_bar["critical"] else PLANNED_COLOUR


def _ticks(end, x, top, bottom):
    """Vertical grid lines at a round number of seconds, at most ten, labelled under the lanes."""
    step = next((s for s in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600) if end / s <= 10), 7200)
    out, t = [], step
    while t < end:
        out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="grid"/>' % (x(t), x(t), top, bottom))
        out.append('<text x="%.1f" y="%d" class="axis" text-anchor="middle">%s</text>' % (x(t), bottom + 12, _duration(t)))
        t += step
    return out


def timeline_svg(plan, width=1000):
    bars = plan_bars(plan)
    if not bars:
        return '<p class="empty">nothing planned</p>'
    end = max([plan.get("estimate_seconds") or 0.0] + [b["start"] + b["seconds"] for b in bars])
    per_second = (width - LEFT - RIGHT) / float(end or 1.0)

    def x(seconds):
        return LEFT + seconds * per_second

    height = TOP + LANE * len(bars) + 36
    out = ['<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">'
           % (width, height, width, height), "<title>the rollout plan as a timeline</title>"]
    out.extend(_ticks(end, x, TOP, TOP + LANE * len(bars)))
    for row, lane_bar in enumerate(bars):
        y = TOP + row * LANE
        outline = ' stroke="#000" stroke-width="1.5"' if lane_bar["critical"] else ""
        out.append('<text x="%d" y="%d" class="axis" text-anchor="end">%s</text>' % (LEFT - 6, y + 15, escape(lane_bar["label"])))
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="2" fill="%s"%s><title>%s: %s (%s)</title></rect>'
                   % (x(lane_bar["start"]), y + 3, max(3.0, x(lane_bar["start"] + lane_bar["seconds"]) - x(lane_bar["start"])), LANE - 8,
                      _colour(lane_bar), outline, escape(lane_bar["label"]), escape(str(lane_bar["note"])), _duration(lane_bar["seconds"])))
        out.append('<text x="%.1f" y="%d" class="axis">%s</text>'
                   % (x(lane_bar["start"] + lane_bar["seconds"]) + 4, y + 15, _duration(lane_bar["seconds"])))
    out.append('<text x="%d" y="%d" class="axis">estimated %s from the start of the run</text>'
               % (LEFT, height - 6, _duration(plan.get("estimate_seconds"))))
    out.append("</svg>")
    return "".join(out)


def legend():
    kinds = [(CRITICAL_COLOUR, "cluster on the critical path (its wave's slowest)"), (PLANNED_COLOUR, "cluster"),
             (GATE_COLOUR, "promotion gate (on the critical path)"), (SKIP_COLOUR, "skipped: runs the version already"),
             (charts.FAILED_COLOUR, "refused")]
    return '<p class="legend">bars: %s</p>' % "".join(
        '<span><i style="background:%s"></i>%s</span>' % (colour, escape(label)) for colour, label in kinds)


def render(plan):
    """The plan's HTML page: the estimate, the refusals, the timeline and the critical path."""
    title = "Rollout plan: %s %s" % (plan.get("app"), plan.get("version"))
    head = ('<h1>%s</h1><p class="meta">namespace %s &middot; planned %s &middot; estimated %s%s</p>'
            % (escape(title), escape(str(plan.get("namespace"))), escape(str(plan.get("generated_at"))),
               _duration(plan.get("estimate_seconds")), " (sets at the same time)" if plan.get("sets_in_parallel") else ""))
    refusals = "".join('<p class="reason">REFUSED %s / %s / %s: %s</p>' % tuple(
        escape(str(r.get(k) or "(set)")) for k in ("set", "environment", "cluster", "reason"))
        for r in plan.get("refusals") or [])
    path = " &rarr; ".join("%s (%s)" % (escape(p["what"]), _duration(p["seconds"])) for p in plan.get("critical_path") or [])
    body = [head, refusals, "<h2>Timeline (estimated)</h2>", timeline_svg(plan), legend(),
            "<h2>Critical path</h2><p>%s</p>" % (path or "nothing to do")]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>%s</title>'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
            '<style>%s</style></head><body>%s</body></html>\n' % (escape(title), board.CSS, "".join(body)))
