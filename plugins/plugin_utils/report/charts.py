# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inline SVG for the board: gate measurements against their thresholds, and the step timeline.

Plain SVG strings, no script and no external resource, so the board stays one self-contained file.
"""

from __future__ import annotations

import datetime
from html import escape

from ansible_collections.progressive.delivery.plugins.plugin_utils.report.plain_words import format_value

# One colour per version line; the threshold is always dashed red.
VERSION_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
THRESHOLD_COLOUR = "#d62728"
STEP_COLOURS = {"canary": "#6baed6", "step": "#3182bd", "gate": "#31a354", "finish": "#756bb1",
                "rollback": "#e6550d", "info": "#bdbdbd"}
FAILED_COLOUR = "#de2d26"


def parse_time(text):
    """Epoch seconds of an RFC 3339 UTC timestamp ("2026-11-26T11:30:00.123Z"), or None."""
    if not isinstance(text, str) or len(text) < 19:
        return None
    try:
        moment = datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    fraction = text[19:].rstrip("Z")
    seconds = moment.timestamp()
    if fraction.startswith(".") and fraction[1:].isdigit():
        seconds += float("0" + fraction)
    return seconds


def _scale(lo, hi, out_lo, out_hi):
    span = (hi - lo) or 1.0
    return lambda v: out_lo + (v - lo) * (out_hi - out_lo) / span


class _ChartFrame(object):
    """Where a measurement chart draws: ranks along x (one slot per measurement), values up y from 0."""

    left, right, top, bottom = 64, 16, 28, 48

    def __init__(self, width, height, count, y_max):
        self.width, self.height, self.count, self.y_max = width, height, count, y_max
        self.step_x = (width - self.left - self.right) / float(count)
        self.y = _scale(0.0, y_max, height - self.bottom, self.top)

    def x(self, rank):
        return self.left + self.step_x * (rank + 0.5)


def measurement_chart(title, metric, points, width=560, height=230):
    """One chart of a metric: the canary version's values, the stable version's (the baselines) and the
    threshold each measurement was judged against (a dashed step line), in the order measured.

    points: dicts with t (epoch), step, version, value, baseline, baseline_version, threshold, phase.
    The x axis is the measurement's rank (labelled with its step), not its time: gates run minutes apart
    while their measurements are seconds apart, and a time axis would squeeze each gate to a point.
    """
    points = sorted(points, key=lambda p: (p.get("t") or 0))
    values = [v for p in points for v in (p.get("value"), p.get("baseline"), p.get("threshold")) if v is not None]
    if not values:
        return '<p class="empty">%s: no numeric measurement</p>' % escape(title)
    frame = _ChartFrame(width, height, len(points), max(values) * 1.15 or 1.0)
    out = ['<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">'
           % (width, height, width, height),
           '<title>%s</title>' % escape(title),
           '<text x="%d" y="16" class="ctitle">%s</text>' % (frame.left, escape(title))]
    out.extend(_axes(frame, metric, points))
    legend_x = _version_lines(out, frame, metric, points)
    out.extend(_threshold_line(frame, points, legend_x))
    out.append("</svg>")
    return "".join(out)


def _axes(frame, metric, points):
    """The horizontal grid with value labels, and the step of every few measurements under the x axis."""
    out = []
    y, left, right = frame.y, frame.left, frame.width - frame.right
    for i in range(5):
        v = frame.y_max * i / 4.0
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>' % (left, right, y(v), y(v)))
        out.append('<text x="%d" y="%.1f" class="axis" text-anchor="end">%s</text>'
                   % (left - 4, y(v) + 4, escape(format_value(metric, v))))
    label_every = max(1, frame.count // 12)
    for rank, p in enumerate(points):
        if rank % label_every == 0 and p.get("step") is not None:
            out.append('<text x="%.1f" y="%d" class="axis" text-anchor="middle">s%s</text>'
                       % (frame.x(rank), frame.height - frame.bottom + 14, escape(str(p["step"]))))
    return out


def _version_lines(out, frame, metric, points):
    """A line and marks per version (the stables' first, wide and pale), each in the legend; returns where the
    legend continues."""
    series = {}
    stables = set()
    for rank, p in enumerate(points):
        if p.get("value") is not None:
            series.setdefault(str(p.get("version")), []).append((rank, p["value"], p.get("phase")))
        if p.get("baseline") is not None:
            stables.add(str(p.get("baseline_version")))
            series.setdefault(str(p.get("baseline_version")), []).append((rank, p["baseline"], None))
    x, y = frame.x, frame.y
    legend_x, legend_y = frame.left, frame.height - 12
    ordered = sorted(series.items(), key=lambda item: (item[0] not in stables, item[0]))
    for index, (version, pts) in enumerate(ordered):
        colour = VERSION_COLOURS[index % len(VERSION_COLOURS)]
        if len(pts) > 1:
            # The stable's line is wide and pale underneath, so equal values still show both versions.
            width_and_opacity = "5\" stroke-opacity=\"0.45" if version in stables else "2"
            out.append('<polyline fill="none" stroke="%s" stroke-width="%s" points="%s"/>'
                       % (colour, width_and_opacity, " ".join("%.1f,%.1f" % (x(r), y(v)) for r, v, _phase in pts)))
        for r, v, phase in pts:
            mark = FAILED_COLOUR if phase == "Failed" else colour
            out.append('<circle cx="%.1f" cy="%.1f" r="%d" fill="%s"><title>version %s: %s</title></circle>'
                       % (x(r), y(v), 5 if phase == "Failed" else 3, mark, escape(version),
                          escape(format_value(metric, v))))
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" class="axis">version %s</text>'
                   % (legend_x, legend_y - 9, colour, legend_x + 14, legend_y, escape(version)))
        legend_x += 100
    return legend_x


def _threshold_line(frame, points, legend_x):
    """The dashed step line of the thresholds (each measurement had its own, baseline-relative) and its legend."""
    limits = [(rank, p["threshold"]) for rank, p in enumerate(points) if p.get("threshold") is not None]
    if not limits:
        return []
    legend_y = frame.height - 12
    path = []
    for rank, v in limits:
        path.append("%.1f,%.1f" % (frame.x(rank) - frame.step_x / 2, frame.y(v)))
        path.append("%.1f,%.1f" % (frame.x(rank) + frame.step_x / 2, frame.y(v)))
    return ['<polyline fill="none" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4" points="%s"/>'
            % (THRESHOLD_COLOUR, " ".join(path)),
            '<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-dasharray="6 4"/>'
            '<text x="%d" y="%d" class="axis">threshold</text>'
            % (legend_x, legend_x + 18, legend_y - 4, legend_y - 4, THRESHOLD_COLOUR, legend_x + 22, legend_y)]


def timeline(steps, width=960, lane=26):
    """Lanes per cluster, one bar per step (start to end), coloured by kind; failed steps in red."""
    timed = [(s, parse_time(s.get("started_at")), parse_time(s.get("ended_at"))) for s in steps]
    timed = [(s, a if a is not None else b, b) for s, a, b in timed if b is not None]
    if not timed:
        return '<p class="empty">no step recorded</p>'
    clusters = []
    for s, _start, _end in timed:
        if s["cluster"] not in clusters:
            clusters.append(s["cluster"])
    left, right, top = 220, 16, 8
    t0 = min(start for _step, start, _end in timed)
    t1 = max(end for _step, _start, end in timed)
    x = _scale(t0, t1 if t1 > t0 else t0 + 1, left, width - right)
    height = top + lane * len(clusters) + 24
    out = ['<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">'
           % (width, height, width, height), "<title>timeline of steps</title>"]
    for row, cluster in enumerate(clusters):
        cy = top + row * lane
        out.append('<text x="%d" y="%d" class="axis" text-anchor="end">%s</text>' % (left - 6, cy + 16, escape(cluster)))
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" class="grid"/>' % (left, width - right, cy + lane - 2, cy + lane - 2))
    for s, a, b in timed:
        row = clusters.index(s["cluster"])
        failed = s.get("status") == "failed" or s.get("verdict") == "fail"
        colour = FAILED_COLOUR if failed else STEP_COLOURS.get(s["kind"], "#999")
        label = s["kind"] + (" %s" % s["step"] if s.get("step") and s["kind"] == "step" else "")
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" rx="2" fill="%s"><title>%s %s: %s (%.1fs)</title></rect>'
                   % (x(a), top + row * lane + 3, max(3.0, x(b) - x(a)), lane - 8, colour, escape(s["cluster"]),
                      escape(label), escape(s.get("verdict") or s.get("status") or ""), s.get("duration") or 0))
    out.append('<text x="%d" y="%d" class="axis">%ds from the first step</text>' % (left, height - 6, round(t1 - t0)))
    out.append("</svg>")
    return "".join(out)
