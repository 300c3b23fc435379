"""The summary table of the reliability suite (tests/reliability/results.md).

Each scenario reports its trials, how many passed and how many invariant violations were seen.
Rows of scenarios that did not run this time (e.g. only the fast subset ran) are kept from the
previous file, with the time they ran, so the table always shows the latest result of each.
"""

import datetime
import os
import threading

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.md")
HEADER = ("| scenario | trials | passed | invariant violations | notes | ran at (UTC) |\n"
          "| --- | --- | --- | --- | --- | --- |\n")
_lock = threading.Lock()
_rows = {}


def record(scenario, trials, passed, violations=0, notes=""):
    """Add (or replace) one scenario's row for this session."""
    ran_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    with _lock:
        _rows[scenario] = (str(trials), str(passed), str(violations), notes.replace("|", "/").replace("\n", " "),
                           ran_at)


def _previous_rows():
    rows = {}
    if not os.path.exists(RESULTS):
        return rows
    with open(RESULTS) as handle:
        for line in handle:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 6 and cells[0] not in ("scenario", "---"):
                rows[cells[0]] = tuple(cells[1:])
    return rows


def write():
    """Merge this session's rows into results.md (called once at the end of the session)."""
    with _lock:
        if not _rows:
            return
        rows = _previous_rows()
        rows.update(_rows)
    lines = ["# Reliability suite results\n\n",
             "Written by `make reliability` (all scenarios) and the fast subset in `make test` "
             "(tests/reliability, marker `reliability_fast`). Do not edit by hand.\n\n", HEADER]
    for scenario in sorted(rows):
        lines.append("| %s | %s |\n" % (scenario, " | ".join(rows[scenario])))
    with open(RESULTS, "w") as handle:
        handle.writelines(lines)


class scenario(object):
    """Record one single-trial scenario whether it passes or fails:

        with results.scenario("rbac: ...") as row:
            ...
            row.notes = "what was seen"
            row.violations = len(report.violations)
    """

    def __init__(self, name):
        self.name = name
        self.notes = ""
        self.violations = 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            record(self.name, 1, 1, self.violations, self.notes)
        else:
            first_line = (str(exc).strip().splitlines() or [exc_type.__name__])[0][:200]
            record(self.name, 1, 0, self.violations, "FAILED: %s" % first_line)
        return False
