# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster links of a MultiClusterService (``<region or zone>/<cluster name>``) and the fleet
membership they are checked against.

GKE keeps fleet membership in the GKE Hub API (``gcloud container fleet memberships list``); a
playbook passes it as ``known_clusters``. A config cluster may also publish it in the ConfigMap
``kube-public/fleet-memberships`` (one key per member cluster name, the value its location) - the
fleetsim config clusters do - and then the modules read it there.
"""

from __future__ import annotations

import re

from ansible_collections.progressive.delivery.plugins.module_utils.multicluster.errors import InvalidInput

MEMBERSHIPS_NAMESPACE = "kube-public"
MEMBERSHIPS_CONFIGMAP = "fleet-memberships"

# GCP locations (us-east1, europe-west1-b) and GKE cluster names (RFC 1035 labels).
_LOCATION = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_CLUSTER = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


def parse_link(link, field):
    """(location, cluster) of one link; InvalidInput naming the field when malformed."""
    if not isinstance(link, str) or link.count("/") != 1:
        raise InvalidInput(field, "%r is not a cluster link; write it as <region or zone>/<cluster name>, "
                                  "e.g. us-east1/prod-us-east1" % (link,))
    location, cluster = link.split("/")
    if not _LOCATION.match(location):
        raise InvalidInput(field, "%r: %r is not a GCP region or zone (lowercase letters, digits and '-')"
                           % (link, location))
    if not _CLUSTER.match(cluster):
        raise InvalidInput(field, "%r: %r is not a GKE cluster name (a lowercase letter first, then letters, "
                                  "digits and '-', at most 63 characters)" % (link, cluster))
    return location, cluster


def memberships_from_configmap(configmap):
    """Links of the member clusters listed in a fleet-memberships ConfigMap (None when absent)."""
    if configmap is None:
        return None
    data = configmap.get("data") or {}
    return sorted("%s/%s" % (location, name) for name, location in data.items())


def fleet_memberships(client, known_clusters=None):
    """(links, source): the member links to check against and where they came from.

    ``known_clusters`` wins; else the config cluster's ConfigMap; else (None, None): links are
    only checked for shape.
    """
    if known_clusters:
        links = []
        for index, link in enumerate(known_clusters):
            parse_link(link, "known_clusters[%d]" % index)
            links.append(link)
        return sorted(set(links)), "known_clusters"
    configmap = client.get("v1", "ConfigMap", MEMBERSHIPS_NAMESPACE, MEMBERSHIPS_CONFIGMAP)
    links = memberships_from_configmap(configmap)
    if links is None:
        return None, None
    return links, "ConfigMap %s/%s" % (MEMBERSHIPS_NAMESPACE, MEMBERSHIPS_CONFIGMAP)


def check_links(links, members, source, field="clusters"):
    """Every link well formed, listed once and (when the membership is known) a member."""
    seen = set()
    for index, link in enumerate(links):
        where = "%s[%d]" % (field, index)
        parse_link(link, where)
        if link in seen:
            raise InvalidInput(where, "%r is listed twice; list each cluster once" % link)
        seen.add(link)
        if members is not None and link not in members:
            raise InvalidInput(where, "%r is not a member cluster of this fleet (from %s: %s). Fix the link "
                                      "(<region or zone>/<cluster name>) or register the cluster in the fleet "
                                      "first." % (link, source, ", ".join(members) or "none"))
