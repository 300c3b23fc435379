# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks that a MultiClusterIngress only names MultiClusterServices and ports that exist."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.errors import InvalidInput
from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.objects import (
    MCS_API_VERSION,
    MCS_KIND,
    ingress_backends,
)


def template_ports(mcs):
    return (((mcs.get("spec") or {}).get("template") or {}).get("spec") or {}).get("ports") or []


def port_matches(port, wanted):
    """A servicePort names an MCS port by number or by name, as GKE resolves it."""
    if isinstance(wanted, int):
        return port.get("port") == wanted
    return port.get("name") == wanted or str(port.get("port")) == str(wanted)


def describe_ports(ports):
    return ", ".join("%s (%s)" % (p.get("port"), p["name"]) if p.get("name") else str(p.get("port"))
                     for p in ports) or "no ports"


def check_backends(client, mci):
    """InvalidInput naming the backend field for a missing MCS or a port it does not expose."""
    namespace = mci["metadata"]["namespace"]
    services = {}
    for field, backend in ingress_backends(mci):
        name = backend["serviceName"]
        if name not in services:
            services[name] = client.get(MCS_API_VERSION, MCS_KIND, namespace, name)
        mcs = services[name]
        if mcs is None:
            raise InvalidInput(field + ".serviceName", "MultiClusterService %s/%s does not exist on context '%s'. "
                                                       "Create it first (progressive.delivery.multicluster_service) "
                                                       "or fix the name." % (namespace, name, client.context))
        ports = template_ports(mcs)
        if not any(port_matches(port, backend["servicePort"]) for port in ports):
            raise InvalidInput(field + ".servicePort", "%r is not a port of MultiClusterService %s/%s, which "
                                                       "exposes: %s. Use one of those (number or name)."
                               % (backend["servicePort"], namespace, name, describe_ports(ports)))
