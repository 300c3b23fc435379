"""Integration tests run on pytest-xdist workers, a file per worker at a time (scripts/run-tests.sh: --dist loadfile
--no-loadscope-reorder): the files go to the workers in the order collected here, the longest first, so the last
files to start are short ones and no worker is left running a long file alone while the others idle
(longest-processing-time-first). Without this, xdist queues files by their number of tests, which puts the long
single-test files (the examples, the board, the rehearsals) last.

SECONDS: a file's wall time under `make test` (4 workers on 2 cores, 2026-12-07, `--durations` in the
integration log); a file not listed counts as DEFAULT_SECONDS. Only the order depends on these numbers.
"""

import os

DEFAULT_SECONDS = 20
SECONDS = {
    "test_multicluster_modules.py": 360,
    "test_demo_story.py": 330,
    "test_rollout_progression.py": 245,
    "test_release_trust.py": 240,
    "test_operator_input.py": 200,
    "collection/test_collection_install.py": 160,
    "test_release_examples.py": 40,
    "test_rehearse_drills.py": 110,
    "test_plan.py": 105,
    "test_platform_upgrade_fleet.py": 85,
    "test_rehearse.py": 70,
    "test_release_flow.py": 70,
    "test_release_failures.py": 65,
    "test_release_judge_baseline.py": 50,
}
HERE = os.path.dirname(os.path.abspath(__file__))


def file_seconds(path):
    return SECONDS.get(os.path.relpath(str(path), HERE).replace(os.sep, "/"), DEFAULT_SECONDS)


def pytest_collection_modifyitems(items):
    # Stable: the tests of a file keep their order and stay together.
    items.sort(key=lambda item: -file_seconds(item.path))
