"""Shared pieces of the benchmarks of issue 10: a fleetsim fleet started with ``fleetsim up``, the
app deployed into it, modules run the way Ansible runs them, API request counts, process memory,
and the results files.

Every benchmark uses the same fixed waits (``WAITS``) so that the floors computed from them are
comparable across measurements; they are real seconds (clock speed 1, no jitter), so a floor is
plain arithmetic on the configured numbers.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLLECTIONS = REPO / ".venv" / "collections"
BIN = Path(sys.executable).parent
RESULTS = REPO / "bench" / "results"
sys.path.insert(0, str(COLLECTIONS))

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.client import get_client  # noqa: E402
from ansible_collections.progressive.delivery.plugins.module_utils.release.app_watch import wait_rolled_out  # noqa: E402

APP = "web"
NAMESPACE = "default"
STABLE_VERSION = "1"
N = 4  # pods of the app (issue 10: N = 4)

# The fixed waits of every benchmark (real seconds).
WAITS = {
    "pod_ready_delay_s": 3.0,   # fleetsim pod_ready_delay, jitter 0, clock speed 1
    "gate_initial_delay_s": 2.0,
    "gate_interval_s": 2.0,
    "gate_count": 2,            # measurements per gate: initial delay + (count - 1) x interval
    "soak_s": 5.0,              # environment promotion soak
}


def gate_seconds() -> float:
    return WAITS["gate_initial_delay_s"] + (WAITS["gate_count"] - 1) * WAITS["gate_interval_s"]


def fleet_yaml(sets: dict[str, tuple[list[str], list[str]]], requests_per_second: int = 50,
               clock_speed: float = 1.0, pod_ready_delay_s: float | None = None) -> str:
    delay = WAITS["pod_ready_delay_s"] if pod_ready_delay_s is None else pod_ready_delay_s
    lines = ["simulation:", f"  clock_speed: {clock_speed}", f"  pod_ready_delay: {int(delay * 1000)}ms",
             "  pod_ready_jitter: 0s", "  nodes_per_cluster: 2", f"  requests_per_second: {requests_per_second}",
             "environment_sets:"]
    for name, (environments, regions) in sets.items():
        lines += [f"  {name}:", f"    environments: [{', '.join(environments)}]",
                  f"    regions: [{', '.join(regions)}]"]
    return "\n".join(lines) + "\n"


class Fleet:
    """``fleetsim up`` in a temporary state directory; ``down`` and removal on exit."""

    def __init__(self, fleet_text: str, prometheus: bool = False, name: str = "bench"):
        self.workdir = Path(tempfile.mkdtemp(prefix=f"pd-bench-{name}-"))
        self.fleet_file = self.workdir / "fleet.yml"
        self.fleet_file.write_text(fleet_text)
        self.state_dir = self.workdir / "fleetsim"
        self.prometheus = prometheus
        self.info: dict = {}
        self.startup_s = 0.0

    def __enter__(self) -> "Fleet":
        started = time.monotonic()
        argv = [str(BIN / "fleetsim"), "up", "--fleet", str(self.fleet_file), "--state-dir", str(self.state_dir)]
        if self.prometheus:
            argv.append("--prometheus")
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"fleetsim up failed: {proc.stdout}{proc.stderr}")
        self.startup_s = time.monotonic() - started
        self.info = json.loads((self.state_dir / "fleet.json").read_text())
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run([str(BIN / "fleetsim"), "down", "--state-dir", str(self.state_dir)],
                       capture_output=True, timeout=120, check=False)
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def kubeconfig(self) -> str:
        return self.info["kubeconfig"]

    def members(self) -> list[dict]:
        return [c for c in self.info["clusters"] if c["role"] == "member"]

    def cluster(self, name: str) -> dict:
        return next(c for c in self.info["clusters"] if c["name"] == name)

    def client(self, name: str):
        return get_client({"kubeconfig": self.kubeconfig, "context": self.cluster(name)["context"]})

    def fleet_pid(self) -> int:
        return int(self.info["pid"])

    def request_counts(self, names: list[str] | None = None) -> dict[str, dict]:
        """GET {admin_url}/requests: API requests per cluster so far, by verb and resource."""
        query = "".join(f"&cluster={n}" for n in names or [])
        request = urllib.request.Request(f"{self.info['admin_url']}/requests?{query.lstrip('&')}",
                                         headers={"Authorization": f"Bearer {self.info['admin_token']}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["clusters"]


def deployment(app: str, version: str, replicas: int, annotations: dict | None = None) -> dict:
    labels = {"app": app, "version": version}
    template = {"labels": dict(labels)}
    if annotations:
        template["annotations"] = dict(annotations)
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": app, "namespace": NAMESPACE, "labels": dict(labels)},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": template, "spec": {"containers": [
                         {"name": app, "image": f"registry.example.com/{app}:{version}",
                          "ports": [{"name": "http", "containerPort": 8080}]}]}}}}


def service(app: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": NAMESPACE},
            "spec": {"selector": {"app": app}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}


def deploy_stable(fleet: Fleet, names: list[str], replicas: int = N, timeout: float = 300, app: str = APP) -> None:
    """Version 1 of the app (N pods) and its Service in each cluster, then wait until all are Ready."""
    clients = {name: fleet.client(name) for name in names}
    for client in clients.values():
        client.create(deployment(app, STABLE_VERSION, replicas))
        client.create(service(app))
    for client in clients.values():
        wait_rolled_out(client, client.get("apps/v1", "Deployment", NAMESPACE, app), timeout, sleep=0.5)


def run_module(module: str, args: dict, timeout: float = 600) -> tuple[dict, float]:
    """One module run as Ansible's module runner does it: a fresh interpreter executing the module
    file with its arguments. Returns (result, seconds)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    env = dict(os.environ, PYTHONPATH=str(COLLECTIONS))
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, str(REPO / "plugins" / "modules" / f"{module}.py"), handle.name],
                              env=env, capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        os.unlink(handle.name)
    elapsed = time.monotonic() - started
    try:
        return json.loads(proc.stdout), elapsed
    except ValueError:
        raise RuntimeError(f"{module} printed no result (rc {proc.returncode}): {proc.stdout}{proc.stderr}")


def ansible_env(**extra: str) -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="1",
               PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    env.update(extra)
    return env


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (MB), from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total / (1024 * 1024)


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process tree (MB): each shared page counted once across the tree,
    so Ansible's forked workers (sharing the controller's pages copy-on-write) are not counted N times."""
    total = 0
    for current in tree_pids(pid):
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except (OSError, ValueError, IndexError):
            continue
    return total / (1024 * 1024)


def run_sampled(argv: list[str], env: dict, cwd: str | None = None, timeout: float = 1200,
                log: Path | None = None, memory: dict | None = None) -> tuple[int, float, float, str]:
    """Run a command, sampling its process tree's RSS every 0.2 s.
    Returns (returncode, seconds, peak RSS MB, output); `memory`, when given, also gets the peak
    proportional set size ("peak_pss_mb")."""
    out = open(log, "w+") if log else tempfile.TemporaryFile("w+")
    started = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, text=True)
    peak = peak_pss = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        if memory is not None:
            peak_pss = max(peak_pss, tree_pss_mb(proc.pid))
        if time.monotonic() - started > timeout:
            proc.kill()
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    if memory is not None:
        memory["peak_pss_mb"] = round(peak_pss, 1)
    out.seek(0)
    text = out.read()
    out.close()
    return proc.wait(), elapsed, peak, text


TIMING_LINE = re.compile(r"\((\d+):(\d\d):(\d\d(?:\.\d+)?)\)\s+\d+:\d\d:\d\d(?:\.\d+)?\s+\*+\s*$")


def task_profile(output: str, top: int = 8) -> list[dict]:
    """Where a playbook's time went, from ansible.posix.profile_tasks' timing lines: the callback
    prints "(0:00:07.512)" when the next task starts, right after the results of the task whose
    header came last, so that is the task it timed. Seconds summed per task name, slowest first,
    with how many times the task ran and its share of the run. Time of tasks whose header is not
    shown (skipped everywhere) is counted as "(skipped tasks)". (The callback's own recap loses the
    tasks of include_tasks files, so it is not used.)"""
    totals: dict[str, list] = {}
    header = None
    for line in output.splitlines():
        if line.startswith("TASK ["):
            header = line[6:line.rfind("]")]
            continue
        if line.startswith(("PLAY [", "PLAY RECAP")):
            header = None
            continue
        match = TIMING_LINE.search(line)
        if not match:
            continue
        hours, minutes, seconds = match.groups()
        entry = totals.setdefault(header or "(skipped tasks)", [0.0, 0])
        entry[0] += int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        entry[1] += 1
        header = None
    overall = sum(seconds for seconds, _ in totals.values()) or 1.0
    rows = [{"task": name, "seconds": round(seconds, 2), "runs": runs, "share": round(seconds / overall, 3)}
            for name, (seconds, runs) in totals.items()]
    rows.sort(key=lambda row: -row["seconds"])
    return rows[:top]


def write_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = dict(data, benchmark=name, measured_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                waits=WAITS)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    met = value <= target if lower_is_better else value >= target
    return "met" if met else "NOT met"
