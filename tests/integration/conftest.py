"""Integration tests run on pytest-xdist workers, a file per worker at a time (scripts/run-tests.sh: --dist loadfile
--no-loadscope-reorder): the files go to the workers in the order collected here, the longest first, so the last
files to start are short ones and no worker is left running a long file alone while the others idle
(longest-processing-time-first). Without this, xdist queues files by their number of tests, which puts the long
single-test files (the examples, the board, the rehearsals) last.

SECONDS: a file's expected wall time under `make test` (4 workers on 2 cores, all lanes side by side): its CPU time
when run alone (2026-12-08) times ~2.5, plus the waits it does not spend computing; a file not listed counts as
DEFAULT_SECONDS. Only the order depends on these numbers: the short files go last, so that a worker that takes one
more file near the end (pytest-xdist queues a file as soon as fewer than three of a worker's tests are left) is
not held long while the others have stopped.
"""

import os

DEFAULT_SECONDS = 10
SECONDS = {
    "test_demo_story.py": 360,
    "test_multicluster_modules.py": 360,
    "test_rollout_progression.py": 300,
    "test_release_trust.py": 240,
    "test_operator_input.py": 200,
    "test_rehearse.py": 150,
    "test_plan.py": 130,
    "collection/test_collection_install.py": 120,
    "test_rehearse_drills.py": 110,
    "test_release_flow.py": 95,
    "test_platform_upgrade_fleet.py": 95,
    "test_release_failures.py": 75,
    "test_visibility_rollout.py": 60,
    "test_release_judge_baseline.py": 55,
    "test_release_resume.py": 55,
    "test_release_examples.py": 50,
    "test_release_api_cost.py": 45,
    "test_visibility_status.py": 45,
    "test_visibility_roles.py": 40,
    "test_roles_approval_gate.py": 40,
    "test_roles_preflight.py": 35,
    "test_status_finds_the_app.py": 30,
    "test_gate_check_prometheus_exporter.py": 30,
    "test_release_faults.py": 25,
    "test_gate_check_prometheus.py": 20,
    "k8s_core/test_core_against_fleetsim.py": 12,
    "test_gate_check_kubernetes.py": 12,
}
HERE = os.path.dirname(os.path.abspath(__file__))


def file_seconds(path):
    return SECONDS.get(os.path.relpath(str(path), HERE).replace(os.sep, "/"), DEFAULT_SECONDS)


def pytest_collection_modifyitems(items):
    # Stable: the tests of a file keep their order and stay together.
    items.sort(key=lambda item: -file_seconds(item.path))
