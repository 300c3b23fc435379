"""core/v1 kinds: Namespace, Pod, Service, Secret, Endpoints, Event, Node, ... strategies."""
from __future__ import annotations

import base64
import ipaddress

from ..errors import (Cause, ApiError, field_forbidden, field_invalid, field_not_supported, field_required)
from ..store import clone
from . import register
from .base import Strategy
from .pods import default_pod_spec, validate_pod_spec

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
NODE_PORT_RANGE = (30000, 32767)


class NamespaceStrategy(Strategy):
    name_rule = "label"

    def default(self, obj, ctx):
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]

    def prepare_for_create(self, obj, ctx):
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj["status"] = {"phase": "Active"}

    def prepare_for_update(self, new, old, ctx):
        # spec.finalizers changes only through /finalize.
        new["spec"] = clone(old.get("spec", {}))
        new["status"] = clone(old.get("status", {}))

    def validate(self, obj, ctx):
        labels = obj["metadata"].get("labels") or {}
        if labels.get("kubernetes.io/metadata.name") != obj["metadata"]["name"]:
            return [field_invalid("metadata.labels", labels, "label kubernetes.io/metadata.name must match "
                                                             "the namespace name")]
        return []


class PodStrategy(Strategy):
    has_generation = True

    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        default_pod_spec(spec)
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("serviceAccount", spec["serviceAccountName"])
        spec.setdefault("priority", 0)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        if "tolerations" not in spec:
            spec["tolerations"] = [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                 "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                 "tolerationSeconds": 300},
            ]

    def admit(self, obj, ctx):
        """The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): the pod's
        ServiceAccount must exist. The real plugin waits up to about a second for `default` (the
        serviceaccount controller creates it with the namespace), so only other names are refused."""
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace")
        if sa == "default" or not namespace or ctx.store.get("serviceaccounts", namespace, sa) is not None:
            return
        if ctx.store.get("namespaces", None, namespace) is None:
            return  # the namespace check answers 404 later
        name = meta.get("name") or meta.get("generateName") or "Unknown"
        raise ApiError(403, "Forbidden", f'pods "{name}" is forbidden: error looking up service account '
                                         f'{namespace}/{sa}: serviceaccount "{sa}" not found',
                       {"name": name, "kind": "pods"})

    def prepare_for_create(self, obj, ctx):
        obj["status"] = {"phase": "Pending", "qosClass": _qos_class(obj.get("spec") or {})}
        _mount_service_account_token(obj.get("spec") or {}, ctx, obj["metadata"].get("namespace"))

    def validate(self, obj, ctx):
        return validate_pod_spec("spec", obj.get("spec"))

    def validate_update(self, new, old, ctx):
        out = self.validate(new, ctx)
        # Only images (and a few other fields) may change in a pod's spec.
        def comparable(spec):
            s = clone(spec or {})
            for c in (s.get("containers") or []) + (s.get("initContainers") or []):
                c.pop("image", None)
            s.pop("activeDeadlineSeconds", None)
            s.pop("tolerations", None)
            s.pop("terminationGracePeriodSeconds", None)
            return s  # spec.nodeName only changes through pods/binding
        if comparable(new.get("spec")) != comparable(old.get("spec")):
            out.append(Cause("FieldValueForbidden", "spec",
                             "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
                             "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                             "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                             "(allow it to be set to 1 if it was previously negative)"))
        return out

    def graceful_delete(self, obj, grace):
        spec = obj.get("spec") or {}
        phase = (obj.get("status") or {}).get("phase")
        if not spec.get("nodeName") or phase in ("Succeeded", "Failed"):
            return None  # never scheduled or finished: no kubelet to wait for
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds", 30)
        return grace or None


SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


def _mount_service_account_token(spec: dict, ctx, namespace: str | None = None) -> None:
    """The ServiceAccount admission plugin: a projected token volume mounted into every container,
    unless the pod or (when the pod does not say) its ServiceAccount sets automountServiceAccountToken
    false. The sources are those of the recorded reference cluster (fixtures/real/pods_list_selector.json)."""
    automount = spec.get("automountServiceAccountToken")
    if automount is None and namespace:
        sa = ctx.store.get("serviceaccounts", namespace, spec.get("serviceAccountName") or "default")
        automount = (sa or {}).get("automountServiceAccountToken")
    if automount is False:
        return
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    if any(m.get("mountPath") == SA_MOUNT_PATH for c in containers for m in c.get("volumeMounts") or []):
        return
    name = "kube-api-access-" + "".join(ctx.rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
    spec.setdefault("volumes", []).append({"name": name, "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                      "fieldPath": "metadata.namespace"}}]}},
        {"configMap": {"name": "openshift-service-ca.crt", "items": [{"key": "service-ca.crt",
                                                                       "path": "service-ca.crt"}]}},
    ], "defaultMode": 420}})
    for c in containers:
        c.setdefault("volumeMounts", []).append({"name": name, "readOnly": True, "mountPath": SA_MOUNT_PATH})


def _qos_class(spec: dict) -> str:
    requests = limits = False
    guaranteed = True
    for c in spec.get("containers") or []:
        res = c.get("resources") or {}
        if res.get("requests"):
            requests = True
        if res.get("limits"):
            limits = True
        lim = res.get("limits") or {}
        req = res.get("requests") or lim
        if not (lim.get("cpu") and lim.get("memory") and req.get("cpu") == lim.get("cpu")
                and req.get("memory") == lim.get("memory")):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


class ServiceStrategy(Strategy):
    name_rule = "dns1035"

    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for p in spec.get("ports") or []:
            if isinstance(p, dict):
                p.setdefault("protocol", "TCP")
                if "targetPort" not in p and "port" in p:
                    p["targetPort"] = p["port"]
        if spec["type"] in ("ClusterIP", "NodePort", "LoadBalancer"):
            spec.setdefault("internalTrafficPolicy", "Cluster")
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        if spec["type"] == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        if spec.get("sessionAffinity") == "ClientIP":
            spec.setdefault("sessionAffinityConfig", {"clientIP": {"timeoutSeconds": 10800}})

    def prepare_for_create(self, obj, ctx):
        obj["status"] = {"loadBalancer": {}}

    def prepare_for_update(self, new, old, ctx):
        spec, old_spec = new.setdefault("spec", {}), old.get("spec") or {}
        # Allocated values carry over when the client leaves them out (as kubectl apply does).
        for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            if k not in spec and k in old_spec and spec.get("type", "ClusterIP") != "ExternalName":
                spec[k] = clone(old_spec[k])
        old_ports = {(p.get("port"), p.get("protocol", "TCP")): p for p in old_spec.get("ports") or []}
        for p in spec.get("ports") or []:
            o = old_ports.get((p.get("port"), p.get("protocol", "TCP")))
            if o and "nodePort" in o and "nodePort" not in p and spec.get("type") in ("NodePort", "LoadBalancer"):
                p["nodePort"] = o["nodePort"]

    def allocate(self, obj, ctx, dry_run):
        spec = obj["spec"]
        if spec["type"] == "ExternalName":
            return
        alloc = ctx.allocations.setdefault("service-ips", set())
        if spec.get("clusterIP") in (None, ""):
            ip = _free_ip(ctx, alloc)
            spec["clusterIP"] = ip
        if spec["clusterIP"] != "None" and not dry_run:
            alloc.add(spec["clusterIP"])
            _record_ip_address(obj, ctx)
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        if spec["type"] in ("NodePort", "LoadBalancer"):
            ports = ctx.allocations.setdefault("node-ports", set())
            for p in spec.get("ports") or []:
                if not p.get("nodePort"):
                    for _ in range(1000):
                        candidate = ctx.rng.randint(*NODE_PORT_RANGE)
                        if candidate not in ports:
                            break
                    p["nodePort"] = candidate
                if not dry_run:
                    ports.add(p["nodePort"])

    def after_delete(self, obj, ctx):
        spec = obj.get("spec") or {}
        ctx.allocations.setdefault("service-ips", set()).discard(spec.get("clusterIP"))
        ip = spec.get("clusterIP")
        if ip and ip != "None" and ctx.registry.find(IP_ADDRESSES) is not None:
            ctx.defer(lambda: ctx.store.get(IP_ADDRESSES, None, ip) is not None and
                      ctx.delete(IP_ADDRESSES, None, ip))
        for p in spec.get("ports") or []:
            ctx.allocations.setdefault("node-ports", set()).discard(p.get("nodePort"))

    def validate(self, obj, ctx):
        spec = obj.get("spec") or {}
        out: list[Cause] = []
        stype = spec.get("type")
        if stype not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
            out.append(field_not_supported("spec.type", stype, ["ClusterIP", "ExternalName", "LoadBalancer",
                                                                "NodePort"]))
        ports = spec.get("ports") or []
        if not ports and spec.get("clusterIP") != "None" and stype != "ExternalName":
            out.append(field_required("spec.ports"))
        seen = set()
        for i, p in enumerate(ports):
            if len(ports) > 1 and not p.get("name"):
                out.append(field_required(f"spec.ports[{i}].name"))
            port = p.get("port")
            if port is None:
                out.append(field_required(f"spec.ports[{i}].port"))
            elif not isinstance(port, int) or not 0 < port < 65536:
                out.append(field_invalid(f"spec.ports[{i}].port", port, "must be between 1 and 65535, inclusive"))
            if p.get("protocol") not in ("TCP", "UDP", "SCTP"):
                out.append(field_not_supported(f"spec.ports[{i}].protocol", p.get("protocol"),
                                               ["SCTP", "TCP", "UDP"]))
            key = (port, p.get("protocol"))
            if key in seen:
                out.append(Cause("FieldValueDuplicate", f"spec.ports[{i}]",
                                 f"Duplicate value: core.ServicePort{{Name:\"{p.get('name', '')}\", "
                                 f"Protocol:\"{p.get('protocol')}\", Port:{port}}}"))
            seen.add(key)
        if spec.get("sessionAffinity") not in ("None", "ClientIP"):
            out.append(field_not_supported("spec.sessionAffinity", spec.get("sessionAffinity"),
                                           ["ClientIP", "None"]))
        ip = spec.get("clusterIP")
        if ip not in (None, "", "None"):
            try:
                addr = ipaddress.ip_address(ip)
                if addr not in SERVICE_CIDR:
                    out.append(field_invalid("spec.clusterIPs", [ip], "failed to allocate IP "
                                             f"{ip}: the provided IP ({ip}) is not in the valid range. The range "
                                             f"of valid IPs is {SERVICE_CIDR}"))
            except ValueError:
                out.append(field_invalid("spec.clusterIPs[0]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or "
                                                                   "2001:db8::ffff)"))
        return out

    def validate_update(self, new, old, ctx):
        out = self.validate(new, ctx)
        ospec, nspec = old.get("spec") or {}, new.get("spec") or {}
        if ospec.get("clusterIP") and nspec.get("clusterIP") not in (None, ospec.get("clusterIP")) and \
                nspec.get("type") != "ExternalName":
            out.append(field_invalid("spec.clusterIPs[0]", nspec.get("clusterIP"),
                                     "may not change once set"))
        return out


IP_ADDRESSES = "ipaddresses.networking.k8s.io"


def _record_ip_address(service: dict, ctx) -> None:
    """The IP allocator's IPAddress object (networking.k8s.io/v1) for a Service's cluster IP."""
    ip = service["spec"]["clusterIP"]
    if ctx.registry.find(IP_ADDRESSES) is None or ctx.store.get(IP_ADDRESSES, None, ip) is not None:
        return
    meta = service["metadata"]
    ctx.defer(lambda: ctx.store.get(IP_ADDRESSES, None, ip) is None and ctx.create(IP_ADDRESSES, {
        "apiVersion": "networking.k8s.io/v1", "kind": "IPAddress",
        "metadata": {"name": ip, "labels": {"ipaddress.kubernetes.io/ip-family": "IPv4",
                                            "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io"}},
        "spec": {"parentRef": {"group": "", "resource": "services", "namespace": meta.get("namespace"),
                               "name": meta.get("name")}}}, field_manager="kube-apiserver"))


def _free_ip(ctx, alloc: set) -> str:
    base = int(SERVICE_CIDR.network_address)
    size = SERVICE_CIDR.num_addresses
    for _ in range(10000):
        # The real allocator prefers the upper part of the range for dynamic allocation.
        candidate = str(ipaddress.ip_address(base + ctx.rng.randint(16, size - 2)))
        if candidate not in alloc:
            return candidate
    raise ApiError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full")


class SecretStrategy(Strategy):
    def default(self, obj, ctx):
        obj.setdefault("type", "Opaque")
        string_data = obj.pop("stringData", None)
        if isinstance(string_data, dict):
            data = obj.setdefault("data", {})
            for k, v in string_data.items():
                data[k] = base64.b64encode(str(v).encode()).decode()

    def validate(self, obj, ctx):
        out = []
        for k, v in (obj.get("data") or {}).items():
            try:
                base64.b64decode(v, validate=True)
            except Exception:  # noqa: BLE001
                out.append(field_invalid(f"data[{k}]", "<secret contents redacted>", "illegal base64 data"))
        return out

    def validate_update(self, new, old, ctx):
        out = self.validate(new, ctx)
        if new.get("type") != old.get("type"):
            out.append(field_invalid("type", new.get("type"), "field is immutable"))
        if old.get("immutable") and (new.get("data") != old.get("data")):
            out.append(field_forbidden("data", "field is immutable when `immutable` is set"))
        return out


class ConfigMapStrategy(Strategy):
    def validate_update(self, new, old, ctx):
        out = self.validate(new, ctx)
        if old.get("immutable") and (new.get("data") != old.get("data") or
                                     new.get("binaryData") != old.get("binaryData")):
            out.append(field_forbidden("data", "field is immutable when `immutable` is set"))
        return out


class EndpointsStrategy(Strategy):
    allow_create_on_update = True


class EventStrategy(Strategy):
    def validate(self, obj, ctx):
        out = []
        if not obj.get("involvedObject"):
            out.append(field_required("involvedObject"))
        if obj["metadata"].get("namespace") and (obj.get("involvedObject") or {}).get("namespace") not in (
                None, "", obj["metadata"]["namespace"]):
            out.append(field_invalid("involvedObject.namespace", obj["involvedObject"]["namespace"],
                                     "does not match event.namespace"))
        return out


class NodeStrategy(Strategy):
    def default(self, obj, ctx):
        obj.setdefault("spec", {})


class ServiceAccountStrategy(Strategy):
    pass


register("namespaces", NamespaceStrategy())
register("pods", PodStrategy())
register("services", ServiceStrategy())
register("secrets", SecretStrategy())
register("configmaps", ConfigMapStrategy())
register("endpoints", EndpointsStrategy())
register("events", EventStrategy())
register("nodes", NodeStrategy())
register("serviceaccounts", ServiceAccountStrategy())


class ReplicationControllerStrategy(Strategy):
    """core/v1 ReplicationController (SetDefaults_ReplicationController, ValidateReplicationController)."""
    has_generation = True

    def default(self, obj, ctx):
        spec = obj.setdefault("spec", {})
        spec.setdefault("replicas", 1)
        spec.setdefault("minReadySeconds", 0)
        template = spec.get("template")
        labels = ((template or {}).get("metadata") or {}).get("labels") if isinstance(template, dict) else None
        if labels:
            if not spec.get("selector"):
                spec["selector"] = dict(labels)
            if not obj["metadata"].get("labels"):
                obj["metadata"]["labels"] = dict(labels)
        if isinstance(template, dict) and isinstance(template.get("spec"), dict):
            from .pods import default_pod_spec
            default_pod_spec(template["spec"])

    def prepare_for_create(self, obj, ctx):
        obj["status"] = {"replicas": 0}

    def validate(self, obj, ctx):
        from .pods import validate_pod_template
        spec = obj.get("spec") or {}
        out = []
        replicas = spec.get("replicas")
        if isinstance(replicas, int) and replicas < 0:
            out.append(field_invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
        selector = spec.get("selector") or {}
        if not selector:
            out.append(field_required("spec.selector"))
        template = spec.get("template")
        if not isinstance(template, dict):
            out.append(field_required("spec.template"))
            return out
        labels = (template.get("metadata") or {}).get("labels") or {}
        if selector and not all(labels.get(k) == v for k, v in selector.items()):
            shown = "map[string]string{" + ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items())) + "}"
            out.append(field_invalid("spec.template.metadata.labels", shown,
                                     "`selector` does not match template `labels`"))
        out += validate_pod_template("spec.template", template, ("Always",))
        return out


register("replicationcontrollers", ReplicationControllerStrategy())
