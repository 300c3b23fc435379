# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout board: one self-contained HTML page rendered from a rollout record.

No script, no font, no image from the network: CSS and SVG are inline, so the file can be attached
to a ticket or opened from an AWX artifact on a machine without internet. Sections: the outcome and
the reason for any rollback in plain words, the fleet grid (environment sets x environments x
regions, coloured by state), the timeline of steps, and the gate measurements per version against
their thresholds.

As a script (tests, CI, playbooks/board.yml): plugins/plugin_utils/board_cli.py.
"""

from __future__ import annotations

from html import escape

from ansible_collections.progressive.delivery.plugins.plugin_utils.report import charts
from ansible_collections.progressive.delivery.plugins.plugin_utils.report.plain_words import (
    failed_gate,
    format_value,
    metric_name,
    passed_gate,
    requests_words,
)

STATE_LABELS = {
    "untouched": "untouched", "verified": "verified", "in_progress": "in progress", "promoted": "promoted",
    "frozen": "frozen", "failed": "failed", "rolled_back": "rolled back",
}
STATE_COLOURS = {
    "untouched": "#eeeeee", "verified": "#c7e9c0", "in_progress": "#fdd49e", "promoted": "#74c476",
    "frozen": "#9ecae1", "failed": "#fb6a4a", "rolled_back": "#fc9272",
}
PLOTTED = ("error_rate", "latency", "pass_ratio")
OUTCOME_COLOURS = {"succeeded": "#31a354", "rolled_back": "#e6550d", "failed": "#de2d26", "frozen": "#3182bd",
                   "incomplete": "#fd8d3c", "in_progress": "#fd8d3c", "nothing_done": "#969696"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:14px;margin:14px 0 6px}
.meta{color:#555;font-size:13px} .badge{display:inline-block;padding:3px 10px;border-radius:12px;color:#fff;font-weight:600}
.reason{background:#fff1ec;border-left:5px solid #e6550d;padding:10px 14px;margin:8px 0;font-size:14px}
.reason.frozen{background:#eef5fb;border-color:#3182bd}
table{border-collapse:collapse;font-size:13px;background:#fff} th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0} td.num{text-align:right;font-variant-numeric:tabular-nums}
.grid td.cell{min-width:150px;height:54px} .cell .state{font-weight:600} .cell .small{font-size:11px;color:#333}
.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #bbb}
.sets{display:flex;flex-wrap:wrap;gap:20px} .charts{display:flex;flex-wrap:wrap;gap:16px}
svg .grid{stroke:#e5e5e5} svg .axis{font-size:11px;fill:#555} svg .ctitle{font-size:13px;font-weight:600;fill:#222}
svg.chart,svg.timeline{background:#fff;border:1px solid #ddd}
.collapsed{color:#555;font-style:italic;background:#f4f4f4;padding:6px 10px;border:1px dashed #ccc}
.live{background:#fff7e6;border:1px solid #fdae6b;padding:6px 10px;font-size:13px}
.fail{color:#de2d26;font-weight:600} .pass{color:#31a354;font-weight:600} .empty{color:#777;font-style:italic}
"""


def _e(value):
    return escape("" if value is None else str(value))


def _split_text(cluster):
    split = cluster.get("split")
    if not split:
        return ""
    return "stable %s / canary %s" % (split.get("stable"), split.get("canary"))


def state_text(cluster):
    """e.g. "in progress: step 2 of 4" - the state as the cell and the demo's table say it."""
    state = (cluster or {}).get("state", "untouched")
    text = STATE_LABELS.get(state, state)
    if state in ("in_progress", "failed", "frozen") and cluster.get("step"):
        text += ": step %s" % cluster["step"]
        if cluster.get("steps_total"):
            text += " of %s" % cluster["steps_total"]
    return text


def running_versions(cluster):
    """[(version, pods)] running in the cluster now, as the record knows it (stable first)."""
    cluster = cluster or {}
    state, split = cluster.get("state"), cluster.get("split") or {}
    canary = cluster.get("canary_version")
    if canary is None and state in ("in_progress", "failed", "frozen"):
        canary = cluster.get("version")
    stable = cluster.get("stable_version")
    if state == "promoted":
        return [(cluster.get("version"), cluster.get("total_replicas"))]
    if state == "rolled_back":
        return [(stable, cluster.get("total_replicas"))] if stable else []
    if canary and canary != stable:
        out = [(stable, split.get("stable"))] if stable and split.get("stable") != 0 else []
        return out + [(canary, split.get("canary"))]
    version = stable or cluster.get("version")
    return [(version, split.get("stable") if split else cluster.get("total_replicas"))] if version else []


def versions_text(cluster):
    """e.g. "2 (3 pods) + 3 (1 pod, 25%)"."""
    parts = []
    running = running_versions(cluster)
    total = sum(pods or 0 for _version, pods in running)
    for version, pods in running:
        text = str(version)
        if pods is not None:
            text += " (%s pod%s" % (pods, "" if pods == 1 else "s")
            if len(running) > 1 and total:
                text += ", %d%%" % round(100.0 * pods / total)
            text += ")"
        parts.append(text)
    return " + ".join(parts)


def _cell(cluster_name, cluster):
    state = (cluster or {}).get("state", "untouched")
    versions = versions_text(cluster)
    lines = ['<div class="state">%s</div>' % _e(state_text(cluster)),
             '<div class="small">%s</div>' % _e(cluster_name)]
    if versions:
        lines.append('<div class="small versions">runs %s</div>' % _e(versions))
    elif cluster and cluster.get("exists") is False:
        lines.append('<div class="small versions">app not here</div>')
    else:
        lines.append('<div class="small versions">not read</div>')
    if state == "rolled_back" and cluster.get("version"):
        lines.append('<div class="small">%s rolled back</div>' % _e(cluster["version"]))
    if cluster and cluster.get("last_verdict"):
        lines.append('<div class="small">last gate: %s</div>' % _e(cluster["last_verdict"]))
    running = ",".join(str(v) for v, _pods in running_versions(cluster))
    return '<td class="cell" data-cluster="%s" data-state="%s" data-versions="%s" style="background:%s">%s</td>' % (
        _e(cluster_name), _e(state), _e(running), STATE_COLOURS.get(state, "#fff"), "".join(lines))


def _app_here(cluster):
    """Whether the record knows the app runs (or ran in this run) in the cluster."""
    return bool(cluster) and (cluster.get("exists") is True or bool(running_versions(cluster))
                              or cluster.get("state") != "untouched")


def fleet_grid(record):
    """One table per environment set: environments as rows, regions as columns."""
    clusters = record.get("clusters") or {}
    fleet = list(record.get("fleet") or [])
    sets = []
    for entry in fleet:
        if entry.get("set") not in sets:
            sets.append(entry.get("set"))
    out = ['<div class="sets">']
    for set_name in sets:
        members = [e for e in fleet if e.get("set") == set_name]
        environments, regions = [], []
        for e in members:
            if e.get("environment") not in environments:
                environments.append(e.get("environment"))
            if e.get("region") not in regions:
                regions.append(e.get("region"))
        by_place = dict(((e.get("environment"), e.get("region")), e["cluster"]) for e in members)
        if not any(_app_here(clusters.get(e["cluster"])) for e in members):
            read = [e for e in members if (clusters.get(e["cluster"]) or {}).get("exists") is False]
            out.append('<p class="collapsed set-collapsed">environment set %s (%d clusters in %s): %s</p>' % (
                _e(set_name or "(none)"), len(members), _e(", ".join(str(env) for env in environments)),
                "the app does not run in any of them" if len(read) == len(members) else "the app is not part of this run"))
            continue
        out.append('<div><h3>environment set %s</h3><table class="grid"><tr><th></th>%s</tr>'
                   % (_e(set_name or "(none)"), "".join("<th>%s</th>" % _e(r or "-") for r in regions)))
        for env in environments:
            names = [by_place[(env, region)] for region in regions if (env, region) in by_place]
            if not any(_app_here(clusters.get(name)) for name in names):
                read = all((clusters.get(name) or {}).get("exists") is False for name in names)
                out.append('<tr><th>%s</th><td class="collapsed" colspan="%d">%d clusters (%s): %s</td></tr>' % (
                    _e(env or "-"), len(regions), len(names), _e(", ".join(names)),
                    "the app does not run in them" if read else "not part of this run (not read)"))
                continue
            row = ['<tr><th>%s</th>' % _e(env or "-")]
            for region in regions:
                name = by_place.get((env, region))
                row.append(_cell(name, clusters.get(name)) if name else '<td></td>')
            out.append("".join(row) + "</tr>")
        out.append("</table></div>")
    out.append("</div>")
    meaning = {
        "untouched": "not changed by this run (shows what runs there)", "verified": "already ran the version",
        "in_progress": "canary running, step k of n", "promoted": "the version became the stable",
        "frozen": "held at its split for a person", "failed": "a step or gate failed",
        "rolled_back": "the stable serves again",
    }
    legend = "".join('<span><i style="background:%s"></i><b>%s</b> %s</span>' % (
        STATE_COLOURS[s], _e(STATE_LABELS[s]), _e(meaning[s])) for s in STATE_LABELS)
    return "".join(out) + '<p class="legend">cell colours: %s</p>' % legend


def _verdict_html(step):
    verdict = step.get("verdict")
    if verdict:
        return '<span class="%s">%s</span>' % ("pass" if verdict == "pass" else "fail", _e(verdict))
    if step.get("status") == "failed":
        return '<span class="fail">failed</span>'
    return _e(step.get("status"))


def timeline_legend():
    kinds = [(charts.STEP_COLOURS[k], label) for k, label in (
        ("info", "read the cluster"), ("canary", "canary created"), ("step", "split moved"), ("gate", "gate passed"),
        ("finish", "promoted"), ("rollback", "rollback"))]
    kinds.append((charts.FAILED_COLOUR, "failed step or gate"))
    return '<p class="legend">bars: %s</p>' % "".join(
        '<span><i style="background:%s"></i>%s</span>' % (colour, _e(label)) for colour, label in kinds)


def steps_table(record):
    rows = ['<table><tr><th>#</th><th>ended (UTC)</th><th>cluster</th><th>what</th><th>version</th><th>step</th>'
            '<th>split stable/canary</th><th>canary %</th><th>verdict</th><th>duration</th><th>detail</th></tr>']
    for s in record.get("steps") or []:
        split = s.get("split_after") or {}
        detail = s.get("reason") or s.get("message") or ""
        if s.get("kind") == "gate":  # what was observed, not the gate's condition
            detail = failed_gate(s) if s.get("verdict") != "pass" else passed_gate(s)
        rows.append("<tr><td class=num>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=num>%s</td>"
                    "<td class=num>%s</td><td class=num>%s</td><td>%s</td><td class=num>%s</td><td>%s</td></tr>" % (
                        s["seq"], _e((s.get("ended_at") or "")[11:19]), _e(s["cluster"]), _e(s["kind"]),
                        _e(s.get("version")), _e(s.get("step") or ""),
                        _e("%s/%s" % (split.get("stable"), split.get("canary")) if split else ""),
                        _e(s.get("canary_weight") if s.get("canary_weight") is not None else ""),
                        _verdict_html(s), _e("%.1fs" % s["duration"] if s.get("duration") is not None else ""),
                        _e(detail[:300])))
    rows.append("</table>")
    return "".join(rows)


def measurement_points(record):
    """{(check label, metric): [points]} over every gate of the run, in time order."""
    groups = {}
    for step in record.get("steps") or []:
        for m in step.get("measurements") or []:
            # Error rates and latencies are plotted; other values (pass ratios, restarts) stay in the table.
            metric = "pass_ratio" if m.get("requests") else m.get("metric")
            if metric not in PLOTTED or (m.get("value") is None and m.get("baseline") is None):
                continue
            # The same check runs again at every step with the version in its name: one chart per cluster and gate.
            key = (step.get("cluster"), metric)
            groups.setdefault(key, []).append({
                "t": charts.parse_time(m.get("timestamp")), "value": m.get("value"), "baseline": m.get("baseline"),
                "threshold": m.get("threshold"), "phase": m.get("phase"), "version": m.get("version"),
                "baseline_version": m.get("baseline_version"), "check": m.get("check"), "step": step.get("step"),
                "comparison": m.get("comparison"), "requests": m.get("requests"),
            })
    return groups


def measurements_section(record):
    groups = measurement_points(record)
    if not groups:
        return '<p class="empty">no gate measured anything yet</p>'
    out = ['<div class="charts">']
    for (cluster, metric), points in sorted(groups.items()):
        chart = charts.measurement_chart("%s in %s" % (metric_name(metric), cluster), metric, points)
        if metric == "pass_ratio" and points[-1].get("requests"):
            chart = '<div>%s<p class="meta">last: %s</p></div>' % (chart, _e(requests_words(points[-1]["requests"])))
        out.append(chart)
    out.append("</div><h3>measurements</h3><table><tr><th>time (UTC)</th><th>cluster</th><th>check</th><th>step</th>"
               "<th>version</th><th>value</th><th>stable</th><th>threshold</th><th>phase</th></tr>")
    for step in record.get("steps") or []:
        for m in step.get("measurements") or []:
            metric = m.get("metric")
            threshold = ""
            if m.get("requests"):
                metric = "pass_ratio"
            if m.get("threshold") is not None:
                threshold = "%s %s" % (m.get("comparison"), format_value(metric, m["threshold"]))
            phase_class = "fail" if m.get("phase") == "Failed" else ("pass" if m.get("phase") == "Successful" else "")
            out.append("<tr><td>%s</td><td>%s</td><td>%s</td><td class=num>%s</td><td>%s</td><td class=num>%s</td>"
                       "<td class=num>%s</td><td class=num>%s</td><td class='%s'>%s</td></tr>" % (
                           _e((m.get("timestamp") or "")[11:19]), _e(step["cluster"]), _e(m.get("check")),
                           _e(step.get("step") or ""), _e(m.get("version")),
                           _e(requests_words(m["requests"]) if m.get("requests") else
                              format_value(metric, m.get("value")) if m.get("value") is not None else m.get("raw_value")),
                           _e(format_value(metric, m["baseline"]) if m.get("baseline") is not None else ""),
                           _e(threshold), phase_class, _e(m.get("phase"))))
    out.append("</table>")
    return "".join(out)


def reasons_section(record):
    out = []
    for rollback in record.get("rollbacks") or []:
        out.append('<div class="reason"><b>Rolled back in %s:</b> %s</div>' % (_e(rollback["cluster"]), _e(rollback["reason"])))
    for decision in record.get("decisions") or []:
        if decision.get("decision") == "freeze":
            out.append('<div class="reason frozen"><b>Frozen in %s:</b> %s</div>' % (_e(decision["cluster"]), _e(decision["reason"])))
    failed = [name for name, c in (record.get("clusters") or {}).items() if c.get("state") == "failed"]
    for name in failed:
        stops = [d for d in record.get("decisions") or [] if d["cluster"] == name and d["decision"] == "stop"]
        if stops:
            out.append('<div class="reason"><b>Stopped in %s:</b> %s</div>' % (_e(name), _e(stops[-1]["reason"])))
    return "".join(out)


def render(record, refresh=None):
    """The board's HTML for a record (a dict shaped like docs/schemas/rollout-record.schema.json).

    refresh: seconds after which the page reloads itself (the live board while the run goes on), or None.
    """
    run = record.get("run") or {}
    outcome = run.get("outcome") or "in_progress"
    apps = ", ".join("%s %s" % (a.get("app"), a.get("version")) for a in record.get("apps") or []) or "no release"
    title = "Rollout board: %s" % apps
    duration = run.get("duration")
    head = ('<h1>%s</h1><p class="meta"><span class="badge" style="background:%s">%s</span> &nbsp; playbook %s'
            ' &middot; started %s &middot; finished %s%s &middot; run %s</p><p>%s</p>' % (
                _e(title), OUTCOME_COLOURS.get(outcome, "#777"), _e(outcome.replace("_", " ")),
                _e(run.get("playbook") or "-"), _e(run.get("started_at") or "-"), _e(run.get("finished_at") or "not yet"),
                _e(" (%.0fs)" % duration if isinstance(duration, (int, float)) else ""), _e(run.get("id")),
                _e(run.get("summary") or "")))
    live = ""
    if run.get("rehearsal"):
        # A rehearsal's board must never be taken for production's.
        head = ('<p class="live"><b>REHEARSAL</b> on a simulated twin of the fleet (playbooks/rehearse.yml): '
                'nothing here ran on the real clusters.</p>') + head
    if refresh:
        live = ('<p class="live">Live: the run is still going on; this page reloads every %ss '
                '(last written %s UTC).</p>' % (_e(refresh), _e(_last_event(record))))
    body = [head, live, reasons_section(record),
            "<h2>Fleet</h2>", fleet_grid(record),
            "<h2>Timeline</h2>", charts.timeline(record.get("steps") or []), timeline_legend(), steps_table(record),
            "<h2>Gate measurements</h2>", measurements_section(record)]
    reload = '<meta http-equiv="refresh" content="%d">' % int(refresh) if refresh else ""
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>%s</title>%s'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">'
            '<style>%s</style></head><body>%s</body></html>\n' % (_e(title), reload, CSS, "".join(body)))


def _last_event(record):
    steps = record.get("steps") or []
    return ((steps[-1].get("ended_at") if steps else (record.get("run") or {}).get("started_at")) or "")[11:19]
