"""The fleet's request metrics in the Prometheus text exposition format (version 0.0.4).

Two families, both labelled cluster, namespace, service, version, pod, code, and track for a pod that
has one (a scrape's relabelling of the pod label ``progressive.delivery/track``; an empty label is no
label to Prometheus, so pods without it carry none):

- ``http_requests_total`` (counter): requests answered by a pod.
- ``http_request_duration_seconds`` (histogram, the standard client-library buckets).

Simulated traffic adds whole batches per tick (``record``); the HTTP fronts add single requests
(``observe``). Series are never dropped, so counters never go backwards while the process lives
(a pod that goes away leaves a flat series, as a scraped pod's last sample would).
"""
from __future__ import annotations

import bisect
import dataclasses
from typing import Iterable, NamedTuple, Sequence

# prometheus client_golang / client_python DefBuckets.
DEFAULT_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0,
                                      2.5, 5.0, 7.5, 10.0)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class RequestLabels(NamedTuple):
    cluster: str
    namespace: str
    service: str
    version: str
    pod: str
    code: str
    track: str = ""


@dataclasses.dataclass
class _Series:
    count: int
    duration_sum: float
    bucket_counts: list[int]  # per bucket, NOT cumulative; the last entry is (> largest bound]


class RequestMetrics:
    def __init__(self, buckets: Sequence[float] = DEFAULT_BUCKETS):
        if list(buckets) != sorted(set(buckets)):
            raise ValueError("histogram buckets must be strictly increasing")
        self.buckets = tuple(float(b) for b in buckets)
        self._series: dict[RequestLabels, _Series] = {}

    def _get(self, labels: RequestLabels) -> _Series:
        series = self._series.get(labels)
        if series is None:
            series = _Series(0, 0.0, [0] * (len(self.buckets) + 1))
            self._series[labels] = series
        return series

    def observe(self, labels: RequestLabels, duration_s: float) -> None:
        """One request that took ``duration_s`` seconds."""
        series = self._get(labels)
        series.count += 1
        series.duration_sum += duration_s
        # A value equal to a bound belongs to that bucket (le = less or equal).
        series.bucket_counts[bisect.bisect_left(self.buckets, duration_s)] += 1

    def record(self, labels: RequestLabels, bucket_counts: Sequence[int],
               duration_sum: float) -> None:
        """A batch of requests: per-bucket counts (len(buckets) + 1, not cumulative, the last
        one above the largest bound) and the sum of their durations."""
        if len(bucket_counts) != len(self.buckets) + 1:
            raise ValueError(f"expected {len(self.buckets) + 1} bucket counts, "
                             f"got {len(bucket_counts)}")
        total = sum(bucket_counts)
        if total == 0:
            return
        if min(bucket_counts) < 0 or duration_sum < 0:
            raise ValueError("counts and durations cannot be negative")
        series = self._get(labels)
        series.count += total
        series.duration_sum += duration_sum
        for index, count in enumerate(bucket_counts):
            series.bucket_counts[index] += count

    def total(self, **match: str) -> int:
        """Request count over every series whose labels match (for tests and the CLI)."""
        return sum(s.count for labels, s in self._series.items() if _matches(labels, match))

    def render(self) -> str:
        lines = [
            "# HELP http_requests_total Requests answered by simulated pods.",
            "# TYPE http_requests_total counter",
        ]
        ordered = sorted(self._series.items())
        for labels, series in ordered:
            lines.append(f"http_requests_total{{{_format_labels(labels)}}} {series.count}")
        lines += [
            "# HELP http_request_duration_seconds Time simulated pods took to answer requests.",
            "# TYPE http_request_duration_seconds histogram",
        ]
        bounds = [_format_float(b) for b in self.buckets] + ["+Inf"]
        for labels, series in ordered:
            base = _format_labels(labels)
            cumulative = 0
            for bound, count in zip(bounds, series.bucket_counts):
                cumulative += count
                lines.append(f'http_request_duration_seconds_bucket{{{base},le="{bound}"}} '
                             f"{cumulative}")
            lines.append(f"http_request_duration_seconds_sum{{{base}}} "
                         f"{_format_float(series.duration_sum)}")
            lines.append(f"http_request_duration_seconds_count{{{base}}} {series.count}")
        return "\n".join(lines) + "\n"


def _matches(labels: RequestLabels, match: dict[str, str]) -> bool:
    return all(getattr(labels, key) == value for key, value in match.items())


def _format_labels(labels: RequestLabels) -> str:
    return ",".join(f'{name}="{_escape(value)}"' for name, value in zip(labels._fields, labels)
                    if value or name != "track")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _format_float(value: float) -> str:
    return repr(float(value))


def parse_exposition(text: str) -> Iterable[tuple[str, dict[str, str], float]]:
    """Parse sample lines of the text format (enough for tests and `fleetsim status`)."""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_and_labels, _, value = line.rpartition(" ")
        if "{" in name_and_labels:
            name, _, rest = name_and_labels.partition("{")
            labels = _parse_labels(rest[:-1])
        else:
            name, labels = name_and_labels, {}
        yield name, labels, float(value)


def _parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    i = 0
    while i < len(text):
        eq = text.index("=", i)
        key = text[i:eq].strip().lstrip(",")
        i = eq + 2  # skip ="
        value = []
        while text[i] != '"':
            if text[i] == "\\":
                i += 1
                value.append({"n": "\n"}.get(text[i], text[i]))
            else:
                value.append(text[i])
            i += 1
        labels[key] = "".join(value)
        i += 1
        if i < len(text) and text[i] == ",":
            i += 1
    return labels
