# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long a rollout takes: the configured waits plus what every Ansible task costs the controller.

The waits come from the settings (gates, pauses, soak) and the cluster (pod-ready time). The cost of a task
is a constant measured by `make bench` (bench/results/rollout_overhead.json): a module task is a Python
process on the controller, slower the more clusters run one at the same time; a task that only templates
(set_fact, assert, debug, a skipped task) costs a few tens of milliseconds. The task counts below are those
of roles/canary_release, multicluster_release and environment_promotion as playbooks/rollout.yml runs them.
"""

from __future__ import annotations

# Measured by `make bench`: one module task on an otherwise idle controller, and what each other cluster
# running a module at the same time adds (9 at once on 2 cores: 1.35 s a task; bench/README.md). Task counts and the
# idle figures were checked against tests/integration/test_plan.py's measured rollout.
MODULE_TASK_S = 0.65
PARALLEL_MODULE_TASK_S = 0.09
CONTROLLER_TASK_S = 0.05
# ansible-playbook start (inventory parsed, collection loaded) and one smoke request through a front.
RUN_START_S = 1.5
SMOKE_REQUEST_S = 0.6
# Release timestamps have second precision: a soak measured from them waits half a second more on average.
SOAK_ROUNDING_S = 0.5

# (module tasks, controller tasks) of each part of a run.
TASKS = {
    "run": (1, 17),              # plan play at the start, report play at the end
    "environment": (1, 16),      # multicluster_release preflight of the stage (release_preflight: every cluster)
    "config_cluster": (4, 2),    # MCS X, MCI X, MCS B, then MCS B removed at the finish
    "gate_read": (1, 3),         # promotion gate: the previous environment read (again after a soak)
    "cluster": (1, 19),          # canary_release preflight: read (release_preflight made the dry run)
    "cluster_done": (1, 6),      # a cluster that already runs the version: read, then verified
    "verify": (1, 3),            # every cluster of the environment verified, one read for all
    "step": (1, 2),              # scale_step (with its gate when nothing runs between them)
    "gate": (1, 2),              # a step's gate as its own task (after a pause), gate_check
}


def module_task_seconds(parallel=1, task_seconds=None):
    """One module task with `parallel` clusters of a wave running theirs at the same time."""
    base = MODULE_TASK_S if task_seconds is None else float(task_seconds)
    return base + PARALLEL_MODULE_TASK_S * max(int(parallel) - 1, 0)


def tasks_seconds(part, module_s, times=1):
    modules, controller = TASKS[part]
    # A controller slower at running modules (busy, smaller) is slower at templating too, in proportion.
    return times * (modules * module_s + controller * CONTROLLER_TASK_S * module_s / MODULE_TASK_S)


def gate_seconds(waits):
    """One gate on user traffic: the initial delay, then count measurements interval apart (0 when disabled)."""
    if not waits["metric_gate"] and not waits["pod_health_gate"]:
        return 0.0
    return waits["gate_initial_delay"] + max(waits["gate_count"] - 1, 0) * waits["gate_interval"]


def batches(waves, total):
    """Cluster counts of each wave, as Ansible's serial makes them (a share: int(total * p / 100), at least 1;
    the last wave repeats until every cluster had its turn)."""
    sizes = []
    for wave in waves:
        text = str(wave).strip()
        sizes.append(max(int(total * float(text[:-1]) / 100), 1) if text.endswith("%") else int(text))
    out, done, index = [], 0, 0
    while done < total and sizes:
        size = min(sizes[min(index, len(sizes) - 1)], total - done)
        out.append(size)
        done, index = done + size, index + 1
    return out


def step_estimates(targets, canary_now, pod_ready, waits, module_s):
    """Each step still to take: the canary pods it reaches, the waits it makes and its estimated seconds."""
    gate = gate_seconds(waits)
    out, previous = [], canary_now
    for target in targets:
        # up_first: only a step that adds canary pods waits for them to be Ready.
        ready = pod_ready if target > previous else 0.0
        seconds = ready + waits["pause_seconds"] + gate + tasks_seconds("step", module_s)
        if gate and waits["pause_seconds"]:
            seconds += tasks_seconds("gate", module_s)  # gated in the step's own process unless a pause is between
        out.append({"canary_pods": target, "pod_ready_wait": ready, "pause": waits["pause_seconds"],
                    "gate_wait": gate, "seconds": round(seconds, 1)})
        previous = target
    return out


def cluster_seconds(action, pod_ready, waits, module_s, steps, asks_metric_preflight=True):
    """Seconds one cluster takes in its wave (its verify after the environment is counted there).

    asks_metric_preflight: false for a cluster whose metric preflight question an earlier cluster of the
    environment asked (multicluster_release asks it once per Prometheus and stable version).
    """
    if action == "skip":
        return tasks_seconds("cluster_done", module_s)
    if action not in ("release", "resume"):
        return 0.0
    seconds = tasks_seconds("cluster", module_s) + module_s  # preflight, then the canary module
    if waits["metric_gate"] and waits["metric_preflight"] and asks_metric_preflight:
        seconds += module_s
    if action == "release":
        seconds += pod_ready  # the canary starts with one pod
    if waits["smoke"]:
        seconds += module_s + waits["smoke_requests"] * SMOKE_REQUEST_S
    gate = gate_seconds(waits)
    if gate:
        seconds += gate + tasks_seconds("gate", module_s)
    seconds += sum(step["seconds"] for step in steps)
    if waits["finish"]:
        seconds += module_s
    return seconds


def promotion_seconds(wait, waits, module_s):
    """The promotion gate into an environment: read the previous one, soak for `wait`, read it again."""
    wait = wait + SOAK_ROUNDING_S if wait > 0 else 0.0
    seconds = tasks_seconds("gate_read", module_s, 2 if wait > 0 else 1) + wait
    if waits["promotion_metric"]:
        seconds += module_s
    return seconds
