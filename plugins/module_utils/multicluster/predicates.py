# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait predicates of the multi-cluster objects (object dict or None -> Verdict)."""

from __future__ import annotations

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.predicates import Verdict, get_condition


def _observed(obj):
    """True once the status was written for the object's current generation."""
    generation = (obj.get("metadata") or {}).get("generation")
    observed = (obj.get("status") or {}).get("observedGeneration")
    return generation is None or (observed is not None and observed >= generation)


def derived_services(obj):
    """[{link, cluster, derivedService}] of an MCS status."""
    return list(((obj or {}).get("status") or {}).get("clusters") or [])


def mcs_synced(expected_links):
    """Done when the MCS status shows a derived Service in every expected cluster (every cluster
    the status reports when expected_links is None); fails fast on Synced=False."""

    def predicate(obj):
        if obj is None:
            return Verdict(False, False, "waiting for the MultiClusterService to exist")
        if not _observed(obj):
            return Verdict(False, False, "waiting for the controller to observe generation %s"
                           % obj["metadata"].get("generation"))
        synced = get_condition(obj, "Synced")
        if synced is not None and synced.get("status") == "False":
            return Verdict(False, True, "%s: %s" % (synced.get("reason"), synced.get("message")))
        have = sorted(entry.get("link") for entry in derived_services(obj))
        if expected_links is not None and have != sorted(expected_links):
            missing = sorted(set(expected_links) - set(have))
            extra = sorted(set(have) - set(expected_links))
            return Verdict(False, False, "derived Services: waiting for %s%s" % (
                ", ".join(missing) or "none", ("; still in %s" % ", ".join(extra)) if extra else ""))
        if synced is None:
            return Verdict(False, False, "waiting for the Synced condition")
        return Verdict(True, False, "derived Services in %s" % (", ".join(have) or "no cluster"))

    return predicate


def mci_ready(backend_count):
    """Done when the MCI has a VIP, a backend service per distinct backend and network endpoint groups."""

    def predicate(obj):
        if obj is None:
            return Verdict(False, False, "waiting for the MultiClusterIngress to exist")
        status = obj.get("status") or {}
        resources = status.get("CloudResources") or {}
        backends = resources.get("BackendServices") or []
        negs = resources.get("NetworkEndpointGroups") or []
        if not status.get("VIP"):
            return Verdict(False, False, "waiting for the load balancer VIP")
        if len(backends) < backend_count:
            return Verdict(False, False, "waiting for backend services: %d of %d" % (len(backends), backend_count))
        if not negs:
            return Verdict(False, False, "waiting for network endpoint groups (no cluster serves the backends yet)")
        return Verdict(True, False, "VIP %s, %d backend service(s), %d network endpoint group(s)"
                       % (status["VIP"], len(backends), len(negs)))

    return predicate


def export_ready(obj):
    """Done when Ready=True; fails fast when the export is not Valid (no such Service, ExternalName)."""
    if obj is None:
        return Verdict(False, False, "waiting for the ServiceExport to exist")
    valid = get_condition(obj, "Valid")
    if valid is not None and valid.get("status") == "False":
        return Verdict(False, True, "not valid (%s): %s" % (valid.get("reason"), valid.get("message")))
    ready = get_condition(obj, "Ready")
    if ready is None:
        return Verdict(False, False, "condition Ready not reported yet")
    text = "Ready=%s (%s: %s)" % (ready.get("status"), ready.get("reason"), ready.get("message"))
    return Verdict(ready.get("status") == "True", False, text)
