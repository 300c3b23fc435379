# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builders of the objects the multi-cluster modules manage, from module options.

Each builder validates its options first (InvalidInput naming the option) and returns the object
in the exact shape the API server stores, so comparing it with what is there tells whether a
change is needed (idempotence) and shows a meaningful diff.
"""

from __future__ import annotations

import re

from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.errors import InvalidInput

MCS_API_VERSION = "networking.gke.io/v1"
MCS_KIND = "MultiClusterService"
MCI_API_VERSION = "networking.gke.io/v1"
MCI_KIND = "MultiClusterIngress"
EXPORT_API_VERSION = "multicluster.x-k8s.io/v1alpha1"
EXPORT_KIND = "ServiceExport"

PROTOCOLS = ("TCP", "UDP", "SCTP")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def metadata(name, namespace, annotations=None):
    _check_dns_label(name, "name")
    _check_dns_label(namespace, "namespace")
    meta = {"name": name, "namespace": namespace}
    if annotations:
        meta["annotations"] = string_map(annotations, "annotations")
    return meta


def string_map(value, field):
    if not isinstance(value, dict):
        raise InvalidInput(field, "must be a mapping of strings, got %s" % type(value).__name__)
    out = {}
    for key, item in value.items():
        if isinstance(item, bool) or item is None or isinstance(item, (dict, list)):
            raise InvalidInput("%s.%s" % (field, key), "must be a string (quote it in YAML), got %r" % (item,))
        out[str(key)] = str(item)
    return out


def _check_dns_label(value, field):
    if not isinstance(value, str) or len(value) > 63 or not _DNS_LABEL.match(value):
        raise InvalidInput(field, "%r is not a valid name: lowercase letters, digits and '-', starting and "
                                  "ending with a letter or digit, at most 63 characters" % (value,))


def service_ports(ports, field="ports"):
    """Service ports as the API stores them: name (when given), protocol, port, targetPort."""
    if not ports:
        raise InvalidInput(field, "list at least one port, e.g. [{name: http, port: 8080}]")
    out, names, numbers = [], set(), set()
    for index, port in enumerate(ports):
        where = "%s[%d]" % (field, index)
        number = port.get("port")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 65535:
            raise InvalidInput(where + ".port", "%r is not a port number (1-65535)" % (number,))
        protocol = port.get("protocol") or "TCP"
        if protocol not in PROTOCOLS:
            raise InvalidInput(where + ".protocol", "%r is not one of %s" % (protocol, ", ".join(PROTOCOLS)))
        name = port.get("name")
        if name is None and len(ports) > 1:
            raise InvalidInput(where + ".name", "is required when there are several ports (Kubernetes needs "
                                                "a name per port to tell them apart)")
        if name is not None:
            if not _PORT_NAME.match(name) or len(name) > 15:
                raise InvalidInput(where + ".name", "%r is not a valid port name (lowercase letters, digits "
                                                    "and '-', at most 15 characters)" % (name,))
            if name in names:
                raise InvalidInput(where + ".name", "%r is used by another port; port names must be unique"
                                   % name)
            names.add(name)
        if (number, protocol) in numbers:
            raise InvalidInput(where + ".port", "%d/%s is listed twice" % (number, protocol))
        numbers.add((number, protocol))
        target = port.get("target_port")
        if target is None:
            target = number
        elif isinstance(target, str) and target.isdigit():
            target = int(target)
        if isinstance(target, int) and not 1 <= target <= 65535:
            raise InvalidInput(where + ".target_port", "%r is not a port number (1-65535)" % (target,))
        entry = {"protocol": protocol, "port": number, "targetPort": target}
        if name is not None:
            entry = dict(name=name, **entry)
        out.append(entry)
    return out


def selector_map(selector, field="selector"):
    if not selector:
        raise InvalidInput(field, "give at least one label, e.g. {app: web}; an MCS without a selector selects "
                                  "no pods")
    out = string_map(selector, field)
    for key, value in out.items():
        if not _LABEL_VALUE.match(value) or len(value) > 63:
            raise InvalidInput("%s.%s" % (field, key), "%r is not a valid label value" % value)
    return out


def multicluster_service(name, namespace, selector, ports, clusters=None, annotations=None):
    spec = {"template": {"spec": {"selector": selector_map(selector), "ports": service_ports(ports)}}}
    if clusters is not None:
        spec["clusters"] = [{"link": link} for link in clusters]
    return {"apiVersion": MCS_API_VERSION, "kind": MCS_KIND, "metadata": metadata(name, namespace, annotations),
            "spec": spec}


def backend(value, field):
    """An MCI backend {serviceName, servicePort} from either spelling of its keys."""
    if not isinstance(value, dict):
        raise InvalidInput(field, "must be a mapping {serviceName: <MultiClusterService>, servicePort: <port>}")
    service = value.get("serviceName", value.get("service_name"))
    port = value.get("servicePort", value.get("service_port"))
    if not isinstance(service, str) or not service:
        raise InvalidInput(field + ".serviceName", "name the MultiClusterService this backend sends to")
    if port is None or isinstance(port, bool) or isinstance(port, (dict, list)):
        raise InvalidInput(field + ".servicePort", "give the MultiClusterService port (number or name)")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    return {"serviceName": service, "servicePort": port}


def ingress_rules(rules, field="rules"):
    """MCI rules in the API shape: [{host?, http: {paths: [{path, backend}]}}]."""
    out = []
    for index, rule in enumerate(rules or []):
        where = "%s[%d]" % (field, index)
        if not isinstance(rule, dict):
            raise InvalidInput(where, "must be a mapping with http.paths (and optionally host)")
        unknown = sorted(set(rule) - set(["host", "http"]))
        if unknown:
            raise InvalidInput(where, "unknown key(s) %s; a rule has host and http.paths" % ", ".join(unknown))
        paths = (rule.get("http") or {}).get("paths") if isinstance(rule.get("http"), dict) else None
        if not paths or not isinstance(paths, list):
            raise InvalidInput(where + ".http.paths", "list at least one {path, backend}")
        entry = {}
        if rule.get("host"):
            entry["host"] = str(rule["host"])
        built = []
        for number, path in enumerate(paths):
            path_field = "%s.http.paths[%d]" % (where, number)
            if not isinstance(path, dict) or "backend" not in path:
                raise InvalidInput(path_field, "must be a mapping {path: /*, backend: {serviceName, servicePort}}")
            item = {"backend": backend(path["backend"], path_field + ".backend")}
            if path.get("path"):
                item = dict(path=str(path["path"]), **item)
            built.append(item)
        entry["http"] = {"paths": built}
        out.append(entry)
    return out


def multicluster_ingress(name, namespace, default_backend=None, rules=None, annotations=None):
    template_spec = {}
    if default_backend is not None:
        template_spec["backend"] = backend(default_backend, "default_backend")
    built_rules = ingress_rules(rules)
    if built_rules:
        template_spec["rules"] = built_rules
    if not template_spec:
        raise InvalidInput("default_backend", "give a default_backend or at least one rule; an MCI without "
                                              "backends serves nothing")
    return {"apiVersion": MCI_API_VERSION, "kind": MCI_KIND, "metadata": metadata(name, namespace, annotations),
            "spec": {"template": {"spec": template_spec}}}


def ingress_backends(mci):
    """(field, backend) of every backend an MCI object names, in spec order."""
    spec = ((mci.get("spec") or {}).get("template") or {}).get("spec") or {}
    out = []
    if spec.get("backend"):
        out.append(("default_backend", spec["backend"]))
    for index, rule in enumerate(spec.get("rules") or []):
        for number, path in enumerate((rule.get("http") or {}).get("paths") or []):
            out.append(("rules[%d].http.paths[%d].backend" % (index, number), path["backend"]))
    return out


def service_export(name, namespace, annotations=None):
    return {"apiVersion": EXPORT_API_VERSION, "kind": EXPORT_KIND, "metadata": metadata(name, namespace, annotations)}
