"""meta.k8s.io/v1 Table output (what `kubectl get` asks for): the real server's printer columns
for the common kinds (pkg/printers/internalversion), CRD additionalPrinterColumns, and the
default Name / Created At table otherwise."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from ..selectors import format_label_selector


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60 * 2:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rem = s % 60
        return f"{minutes}m{rem}s" if rem else f"{minutes}m"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h{rem}m" if rem else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d{rem}h" if rem else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y{dy}d" if dy else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def _age(obj: dict, now: datetime, field: str = "creationTimestamp") -> str:
    ts = (obj.get("metadata") or {}).get(field)
    if not ts:
        return "<unknown>"
    try:
        t = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return "<unknown>"
    return human_duration((now - t).total_seconds())


def _since(ts: str | None, now: datetime) -> str:
    if not ts:
        return "<unknown>"
    try:
        t = datetime.strptime(ts[:19] + "Z", "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return "<unknown>"
    return human_duration((now - t).total_seconds())


def _col(name: str, typ: str = "string", desc: str = "", priority: int = 0, fmt: str = "") -> dict:
    return {"name": name, "type": typ, "format": fmt, "description": desc, "priority": priority}


NAME_COL = _col("Name", fmt="name", desc="Name must be unique within a namespace. Is required when creating "
                                         "resources, although some resources may allow a client to request the "
                                         "generation of an appropriate name automatically. Name is primarily "
                                         "intended for creation idempotence and configuration definition. Cannot "
                                         "be updated. More info: https://kubernetes.io/docs/concepts/overview/"
                                         "working-with-objects/names#names")
AGE_COL = _col("Age", desc="CreationTimestamp is a timestamp representing the server time when this object was "
                           "created. It is not guaranteed to be set in happens-before order across separate "
                           "operations. Clients may not set this value. It is represented in RFC3339 form and is "
                           "in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
                           "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"
                           "#metadata")


def _containers(obj: dict) -> tuple[str, str]:
    spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    cs = spec.get("containers") or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


def _selector(obj: dict) -> str:
    sel = (obj.get("spec") or {}).get("selector")
    if sel is None:
        return "<none>"
    return format_label_selector(sel) or "<none>"


def _pod_row(pod: dict, now) -> list:
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    cs = status.get("containerStatuses") or []
    total = len(spec.get("containers") or [])
    ready = sum(1 for c in cs if c.get("ready"))
    restarts = sum(c.get("restartCount", 0) for c in cs)
    reason = status.get("reason") or status.get("phase") or "Unknown"
    last_restart = None
    for c in cs:
        state = c.get("state") or {}
        if "waiting" in state and state["waiting"].get("reason"):
            reason = state["waiting"]["reason"]
        elif "terminated" in state:
            t = state["terminated"]
            reason = t.get("reason") or (f"Signal:{t['signal']}" if t.get("signal") else
                                         f"ExitCode:{t.get('exitCode', 0)}")
        last = (c.get("lastState") or {}).get("terminated") or {}
        if last.get("finishedAt") and (last_restart is None or last["finishedAt"] > last_restart):
            last_restart = last["finishedAt"]
    if reason == "Running" and any(cond.get("type") == "Ready" and cond.get("status") == "True"
                                   for cond in status.get("conditions") or []):
        reason = "Running"
    elif reason == "Running" and ready < total:
        reason = "Running"
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Terminating" if status.get("reason") != "NodeLost" else "Unknown"
    restarts_text = str(restarts)
    if restarts and last_restart:
        restarts_text = f"{restarts} ({_since(last_restart, now)} ago)"
    gates = spec.get("readinessGates") or []
    gates_text = "<none>"
    if gates:
        conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        gates_text = f"{sum(1 for g in gates if conds.get(g.get('conditionType')) == 'True')}/{len(gates)}"
    return [pod["metadata"]["name"], f"{ready}/{total}", reason, restarts_text, _age(pod, now),
            status.get("podIP") or "<none>", spec.get("nodeName") or "<none>",
            status.get("nominatedNodeName") or "<none>", gates_text]


POD_COLUMNS = [NAME_COL, _col("Ready", desc="The aggregate readiness state of this pod for accepting traffic."),
               _col("Status", desc="The aggregate status of the containers in this pod."),
               _col("Restarts", desc="The number of times the containers in this pod have been restarted and when "
                                     "the last container in this pod has restarted."),
               AGE_COL, _col("IP", priority=1, desc="IP address allocated to the pod."),
               _col("Node", priority=1, desc="Name of the node where the pod is running."),
               _col("Nominated Node", priority=1, desc="Name of the node nominated for this pod by the scheduler."),
               _col("Readiness Gates", priority=1, desc="Pod readiness gates.")]


def _deploy_row(d: dict, now) -> list:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    names, images = _containers(d)
    return [d["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
            status.get("updatedReplicas", 0), status.get("availableReplicas", 0), _age(d, now), names, images,
            _selector(d)]


DEPLOY_COLUMNS = [NAME_COL, _col("Ready", desc="Number of the pod with ready state"),
                  _col("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment "
                                                "that have the desired template spec."),
                  _col("Available", "integer", "Total number of available pods (ready for at least "
                                               "minReadySeconds) targeted by this deployment."),
                  AGE_COL, _col("Containers", priority=1, desc="Names of each container in the template."),
                  _col("Images", priority=1, desc="Images referenced by each container in the template."),
                  _col("Selector", priority=1, desc="Label selector for pods.")]


def _rs_row(rs: dict, now) -> list:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    names, images = _containers(rs)
    return [rs["metadata"]["name"], spec.get("replicas", 0), status.get("replicas", 0),
            status.get("readyReplicas", 0), _age(rs, now), names, images, _selector(rs)]


RS_COLUMNS = [NAME_COL, _col("Desired", "integer", "Number of desired pods."),
              _col("Current", "integer", "Number of actual replicas."),
              _col("Ready", "integer", "The number of ready replicas for this replica set."), AGE_COL,
              _col("Containers", priority=1, desc="Names of each container in the template."),
              _col("Images", priority=1, desc="Images referenced by each container in the template."),
              _col("Selector", priority=1, desc="Label selector for pods.")]


def _svc_row(svc: dict, now) -> list:
    spec = svc.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in ingress) or (
        ",".join(spec.get("externalIPs") or []) or ("<pending>" if stype == "LoadBalancer" else "<none>"))
    if stype == "ExternalName":
        external = spec.get("externalName", "<none>")
    ports = []
    for p in spec.get("ports") or []:
        text = f"{p.get('port')}"
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        ports.append(f"{text}/{p.get('protocol', 'TCP')}")
    sel = spec.get("selector")
    sel_text = ",".join(f"{k}={v}" for k, v in sorted(sel.items())) if sel else "<none>"
    return [svc["metadata"]["name"], stype, spec.get("clusterIP") or "<none>", external,
            ",".join(ports) or "<none>", _age(svc, now), sel_text]


SVC_COLUMNS = [NAME_COL, _col("Type", desc="The type of the service."),
               _col("Cluster-IP", desc="The cluster IP of the service."),
               _col("External-IP", desc="The external IP of the service."),
               _col("Port(s)", desc="The ports of the service."), AGE_COL,
               _col("Selector", priority=1, desc="Label selector for pods.")]


def _ns_row(ns: dict, now) -> list:
    return [ns["metadata"]["name"], (ns.get("status") or {}).get("phase", ""), _age(ns, now)]


NS_COLUMNS = [NAME_COL, _col("Status", desc="The status of the namespace"), AGE_COL]


def _node_row(node: dict, now) -> list:
    status = node.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    state = "Ready" if ready and ready.get("status") == "True" else "NotReady"
    if (node.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    labels = (node.get("metadata") or {}).get("labels") or {}
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/")) or ["<none>"]
    info = status.get("nodeInfo") or {}
    addrs = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    return [node["metadata"]["name"], state, ",".join(roles), _age(node, now), info.get("kubeletVersion", ""),
            addrs.get("InternalIP", "<none>"), addrs.get("ExternalIP", "<none>"), info.get("osImage", "<unknown>"),
            info.get("kernelVersion", "<unknown>"), info.get("containerRuntimeVersion", "<unknown>")]


NODE_COLUMNS = [NAME_COL, _col("Status", desc="The status of the node"), _col("Roles", desc="The roles of the node"),
                AGE_COL, _col("Version", desc="Kubelet Version reported by the node."),
                _col("Internal-IP", priority=1, desc="List of internal IPs of the node."),
                _col("External-IP", priority=1, desc="List of external IPs of the node."),
                _col("OS-Image", priority=1, desc="OS image reported by the node."),
                _col("Kernel-Version", priority=1, desc="Kernel version reported by the node."),
                _col("Container-Runtime", priority=1, desc="Container runtime and version reported by the node.")]


def _event_row(ev: dict, now) -> list:
    io = ev.get("involvedObject") or {}
    last = ev.get("lastTimestamp") or ev.get("eventTime") or (ev.get("metadata") or {}).get("creationTimestamp")
    first = ev.get("firstTimestamp") or ev.get("eventTime") or (ev.get("metadata") or {}).get("creationTimestamp")
    source = (ev.get("source") or {}).get("component", "") or ev.get("reportingComponent", "")
    host = (ev.get("source") or {}).get("host")
    if host:
        source = f"{source}, {host}"
    return [_since(last, now), ev.get("type", ""), ev.get("reason", ""),
            f"{(io.get('kind') or '').lower()}/{io.get('name', '')}", io.get("fieldPath", ""), source,
            (ev.get("message") or "").strip(), _since(first, now), ev.get("count", 1), ev["metadata"]["name"]]


EVENT_COLUMNS = [_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"),
                 _col("Subobject", priority=1), _col("Source", priority=1), _col("Message"),
                 _col("First Seen", priority=1), _col("Count", priority=1), _col("Name", priority=1)]


def _ep_row(ep: dict, now) -> list:
    addrs = []
    for s in ep.get("subsets") or []:
        for a in s.get("addresses") or []:
            for p in s.get("ports") or [{}]:
                addrs.append(f"{a.get('ip')}:{p.get('port')}" if p.get("port") else a.get("ip"))
    text = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
    return [ep["metadata"]["name"], text or "<none>", _age(ep, now)]


EP_COLUMNS = [NAME_COL, _col("Endpoints", desc="Endpoints of the resource."), AGE_COL]


def _cm_row(cm: dict, now) -> list:
    return [cm["metadata"]["name"], len(cm.get("data") or {}) + len(cm.get("binaryData") or {}), _age(cm, now)]


def _secret_row(s: dict, now) -> list:
    return [s["metadata"]["name"], s.get("type", ""), len(s.get("data") or {}), _age(s, now)]


def _ds_row(ds: dict, now) -> list:
    st = ds.get("status") or {}
    names, images = _containers(ds)
    ns = (((ds.get("spec") or {}).get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    return [ds["metadata"]["name"], st.get("desiredNumberScheduled", 0), st.get("currentNumberScheduled", 0),
            st.get("numberReady", 0), st.get("updatedNumberScheduled", 0), st.get("numberAvailable", 0),
            ",".join(f"{k}={v}" for k, v in sorted(ns.items())) or "<none>", _age(ds, now), names, images,
            _selector(ds)]


DS_COLUMNS = [NAME_COL, _col("Desired", "integer"), _col("Current", "integer"), _col("Ready", "integer"),
              _col("Up-to-date", "integer"), _col("Available", "integer"), _col("Node Selector"), AGE_COL,
              _col("Containers", priority=1), _col("Images", priority=1), _col("Selector", priority=1)]


def _sts_row(s: dict, now) -> list:
    names, images = _containers(s)
    return [s["metadata"]["name"], f"{(s.get('status') or {}).get('readyReplicas', 0)}/"
                                   f"{(s.get('spec') or {}).get('replicas', 0)}", _age(s, now), names, images]


def _slice_row(s: dict, now) -> list:
    ports = ",".join(str(p.get("port")) for p in s.get("ports") or []) or "<unset>"
    addrs = [a for e in s.get("endpoints") or [] for a in e.get("addresses") or []]
    text = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
    return [s["metadata"]["name"], s.get("addressType", ""), ports, text or "<unset>", _age(s, now)]


def _crd_row(crd: dict, now) -> list:
    return [crd["metadata"]["name"], crd["metadata"].get("creationTimestamp", "")]


def _lease_row(lease: dict, now) -> list:
    return [lease["metadata"]["name"], (lease.get("spec") or {}).get("holderIdentity") or "", _age(lease, now)]


def _sa_row(sa: dict, now) -> list:
    return [sa["metadata"]["name"], len(sa.get("secrets") or []), _age(sa, now)]


def _pdb_row(pdb: dict, now) -> list:
    spec, status = pdb.get("spec") or {}, pdb.get("status") or {}
    return [pdb["metadata"]["name"], str(spec["minAvailable"]) if "minAvailable" in spec else "N/A",
            str(spec["maxUnavailable"]) if "maxUnavailable" in spec else "N/A",
            status.get("disruptionsAllowed", 0), _age(pdb, now)]


def _ingress_row(ing: dict, now) -> list:
    spec = ing.get("spec") or {}
    hosts = ",".join(r.get("host", "") for r in spec.get("rules") or [] if r.get("host")) or "*"
    lb = ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    address = ",".join(i.get("ip") or i.get("hostname", "") for i in lb)
    ports = "80, 443" if spec.get("tls") else "80"
    return [ing["metadata"]["name"], spec.get("ingressClassName") or "<none>", hosts, address, ports, _age(ing, now)]


def _binding_row(b: dict, now) -> list:
    ref = b.get("roleRef") or {}
    subjects = b.get("subjects") or []

    def names(kind):
        return ", ".join((f"{s.get('namespace')}/{s.get('name')}" if kind == "ServiceAccount" else s.get("name", ""))
                         for s in subjects if s.get("kind") == kind)
    return [b["metadata"]["name"], f"{ref.get('kind')}/{ref.get('name')}", _age(b, now), names("User"),
            names("Group"), names("ServiceAccount")]


def _revision_row(r: dict, now) -> list:
    owner = next((o for o in (r["metadata"].get("ownerReferences") or []) if o.get("controller")), None)
    controller = f"{owner['kind'].lower()}.{owner['apiVersion'].split('/')[0]}/{owner['name']}" if owner else "<none>"
    return [r["metadata"]["name"], controller, r.get("revision", 0), _age(r, now)]


def _job_row(job: dict, now) -> list:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    state = "Complete" if conds.get("Complete") == "True" else "Failed" if conds.get("Failed") == "True" else (
        "Suspended" if spec.get("suspend") else "Running")
    completions = f"{status.get('succeeded', 0)}/{spec.get('completions', 1)}"
    names, images = _containers(job)
    return [job["metadata"]["name"], state, completions, _since(status.get("startTime"), now) if status.get(
        "startTime") else "", _age(job, now), names, images, _selector(job)]


BINDING_COLUMNS = [NAME_COL, _col("Role"), AGE_COL, _col("Users", priority=1), _col("Groups", priority=1),
                   _col("ServiceAccounts", priority=1)]

def _cronjob_row(cj: dict, now) -> list:
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    tpl = {"spec": ((spec.get("jobTemplate") or {}).get("spec") or {})}
    names, images = _containers(tpl)
    last = _since(status["lastScheduleTime"], now) if status.get("lastScheduleTime") else "<none>"
    return [cj["metadata"]["name"], spec.get("schedule", ""), spec.get("timeZone") or "<none>",
            "True" if spec.get("suspend") else "False", len(status.get("active") or []), last, _age(cj, now),
            names, images, _selector(tpl)]


def _pv_row(pv: dict, now) -> list:
    spec, status = pv.get("spec") or {}, pv.get("status") or {}
    modes = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    claim = spec.get("claimRef") or {}
    return [pv["metadata"]["name"], (spec.get("capacity") or {}).get("storage", ""),
            ",".join(modes.get(m, m) for m in spec.get("accessModes") or []),
            spec.get("persistentVolumeReclaimPolicy", ""), status.get("phase", ""),
            f"{claim.get('namespace')}/{claim.get('name')}" if claim else "", spec.get("storageClassName", ""),
            spec.get("volumeAttributesClassName") or "<unset>", status.get("reason", ""), _age(pv, now),
            spec.get("volumeMode", "")]


def _rc_row(rc: dict, now) -> list:
    spec, status = rc.get("spec") or {}, rc.get("status") or {}
    names, images = _containers(rc)
    sel = spec.get("selector") or {}
    return [rc["metadata"]["name"], spec.get("replicas", 1), status.get("replicas", 0),
            status.get("readyReplicas", 0), _age(rc, now), names, images,
            ",".join(f"{k}={v}" for k, v in sorted(sel.items())) or "<none>"]


def _cs_row(cs: dict, now) -> list:
    cond = next((c for c in cs.get("conditions") or [] if c.get("type") == "Healthy"), {})
    status = "Healthy" if cond.get("status") == "True" else "Unhealthy" if cond else "Unknown"
    return [cs["metadata"]["name"], status, cond.get("message", ""), cond.get("error", "")]


def _events_v1_row(ev: dict, now) -> list:
    from ..strategies.events_view import to_core
    return _event_row({**to_core(ev), "metadata": ev.get("metadata", {})}, now)


PRINTERS: dict[str, tuple[list, Callable]] = {
    "events.events.k8s.io": (EVENT_COLUMNS, _events_v1_row),
    "leases.coordination.k8s.io": ([NAME_COL, _col("Holder"), AGE_COL], _lease_row),
    "serviceaccounts": ([NAME_COL, _col("Secrets", "integer"), AGE_COL], _sa_row),
    "poddisruptionbudgets.policy": ([NAME_COL, _col("Min Available"), _col("Max Unavailable"),
                                     _col("Allowed Disruptions", "integer"), AGE_COL], _pdb_row),
    "ingresses.networking.k8s.io": ([NAME_COL, _col("Class"), _col("Hosts"), _col("Address"), _col("Ports"),
                                     AGE_COL], _ingress_row),
    "rolebindings.rbac.authorization.k8s.io": (BINDING_COLUMNS, _binding_row),
    "clusterrolebindings.rbac.authorization.k8s.io": (BINDING_COLUMNS, _binding_row),
    "controllerrevisions.apps": ([NAME_COL, _col("Controller"), _col("Revision", "integer"), AGE_COL],
                                 _revision_row),
    "jobs.batch": ([NAME_COL, _col("Status"), _col("Completions"), _col("Duration"), AGE_COL,
                    _col("Containers", priority=1), _col("Images", priority=1), _col("Selector", priority=1)],
                   _job_row),
    "pods": (POD_COLUMNS, _pod_row),
    "cronjobs.batch": ([NAME_COL, _col("Schedule"), _col("Timezone"), _col("Suspend", "boolean"),
                        _col("Active", "integer"), _col("Last Schedule"), AGE_COL, _col("Containers", priority=1),
                        _col("Images", priority=1), _col("Selector", priority=1)], _cronjob_row),
    "persistentvolumes": ([NAME_COL, _col("Capacity"), _col("Access Modes"), _col("Reclaim Policy"),
                           _col("Status"), _col("Claim"), _col("StorageClass"), _col("VolumeAttributesClass"),
                           _col("Reason"), AGE_COL, _col("VolumeMode", priority=1)], _pv_row),
    "replicationcontrollers": ([NAME_COL, _col("Desired", "integer"), _col("Current", "integer"),
                                _col("Ready", "integer"), AGE_COL, _col("Containers", priority=1),
                                _col("Images", priority=1), _col("Selector", priority=1)], _rc_row),
    "componentstatuses": ([NAME_COL, _col("Status"), _col("Message"), _col("Error")], _cs_row),
    "deployments.apps": (DEPLOY_COLUMNS, _deploy_row),
    "replicasets.apps": (RS_COLUMNS, _rs_row),
    "services": (SVC_COLUMNS, _svc_row),
    "namespaces": (NS_COLUMNS, _ns_row),
    "nodes": (NODE_COLUMNS, _node_row),
    "events": (EVENT_COLUMNS, _event_row),
    "endpoints": (EP_COLUMNS, _ep_row),
    "configmaps": ([NAME_COL, _col("Data", "integer"), AGE_COL], _cm_row),
    "secrets": ([NAME_COL, _col("Type"), _col("Data", "integer"), AGE_COL], _secret_row),
    "daemonsets.apps": (DS_COLUMNS, _ds_row),
    "statefulsets.apps": ([NAME_COL, _col("Ready"), AGE_COL, _col("Containers", priority=1),
                           _col("Images", priority=1)], _sts_row),
    "endpointslices.discovery.k8s.io": ([NAME_COL, _col("AddressType"), _col("Ports"), _col("Endpoints"), AGE_COL],
                                        _slice_row),
    "customresourcedefinitions.apiextensions.k8s.io": ([NAME_COL, _col("Created At", "date")], _crd_row),
}


def _json_path(obj: Any, path: str) -> Any:
    cur = obj
    for part in path.strip().lstrip(".").split("."):
        if not part:
            continue
        if "[" in part:
            name, _, idx = part.partition("[")
            cur = cur.get(name) if isinstance(cur, dict) else None
            try:
                cur = cur[int(idx.rstrip("]"))] if isinstance(cur, list) else None
            except (ValueError, IndexError):
                return None
        else:
            cur = cur.get(part) if isinstance(cur, dict) else None
        if cur is None:
            return None
    return cur


def _crd_printer(rt) -> tuple[list, Callable]:
    cols = rt.extra.get("printer_columns") or []
    defs = [NAME_COL] + [_col(c["name"], c.get("type", "string"), c.get("description", ""), c.get("priority", 0),
                              c.get("format", "")) for c in cols]
    if not cols:
        defs.append(_col("Age", "date", AGE_COL["description"]))

    def row(obj, now):
        cells = [obj["metadata"]["name"]]
        for c in cols:
            v = _json_path(obj, c.get("jsonPath", ""))
            if c.get("type") == "date" and isinstance(v, str):
                v = _since(v, now)
            cells.append(v)
        if not cols:
            cells.append(_age(obj, now))
        return cells
    return defs, row


def _default_printer() -> tuple[list, Callable]:
    return [NAME_COL, _col("Created At", "date", AGE_COL["description"])], \
        lambda obj, now: [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp")]


def printer_for(rt) -> tuple[list, Callable]:
    if rt.is_crd:
        return _crd_printer(rt)
    return PRINTERS.get(rt.name) or _default_printer()


def _row_object(obj: dict, rt, include: str) -> dict | None:
    if include == "None":
        return None
    if include == "Object":
        full = dict(obj)
        full.setdefault("kind", rt.kind)
        full.setdefault("apiVersion", rt.api_version)
        return full
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def to_table(rt, objs: list[dict], now: datetime, list_meta: dict | None = None, include: str = "Metadata",
             with_columns: bool = True) -> dict:
    cols, row = printer_for(rt)
    rows = []
    for obj in objs:
        r = {"cells": row(obj, now)}
        o = _row_object(obj, rt, include)
        if o is not None:
            r["object"] = o
        rows.append(r)
    table = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta or {}}
    table["columnDefinitions"] = cols if with_columns else None
    table["rows"] = rows
    return table
