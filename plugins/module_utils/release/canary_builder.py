# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the canary Deployment and the canary-only Service from the stable Deployment.

The canary is the stable's pod template with the new image(s), the new version label and the
caller's overrides, so everything else the stable runs with (probes, resources, env, volumes,
service account) carries over unchanged.
"""

from __future__ import annotations

import copy
import hashlib
import json

from ansible_collections.progressive.delivery.plugins.module_utils.release import state as st
from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument

MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "progressive.delivery"

# Lists in a pod template whose items are identified by name: overrides merge into them by name.
_NAMED_LISTS = ("containers", "initContainers", "env", "ports", "volumes", "volumeMounts", "imagePullSecrets")


def merge_overrides(base, overrides, path="template_overrides"):
    """Deep-merge overrides into base (a copy): dicts key by key, named lists item by name, None deletes."""
    result = copy.deepcopy(base)
    for key, value in (overrides or {}).items():
        where = "%s.%s" % (path, key)
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge_overrides(result[key], value, where)
        elif key in _NAMED_LISTS and isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_named(result[key], value, where)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_named(base_items, override_items, path):
    merged = [copy.deepcopy(i) for i in base_items]
    index = dict((i.get("name"), n) for n, i in enumerate(merged) if isinstance(i, dict))
    for item in override_items:
        if not isinstance(item, dict) or not item.get("name"):
            raise InvalidArgument(path, "each item must be a mapping with a 'name' (items merge by name)")
        if item["name"] in index:
            n = index[item["name"]]
            merged[n] = merge_overrides(merged[n], item, "%s[%s]" % (path, item["name"]))
        else:
            merged.append(copy.deepcopy(item))
    return merged


def resolve_images(pod_spec, image=None, container=None, images=None):
    """{container: image} from the options: images as given, or image for container (or the only container)."""
    if images:
        return dict(images)
    if not image:
        return {}
    names = [c.get("name") for c in pod_spec.get("containers") or []]
    if container:
        return {container: image}
    if len(names) != 1:
        raise InvalidArgument(
            "container",
            "the stable pod template has %d containers (%s); set container to the one that gets the new image, "
            "or set images per container" % (len(names), ", ".join(str(n) for n in names)),
        )
    return {names[0]: image}


def apply_images(pod_spec, images):
    """Set container images: images maps container name -> image ('*' = every container)."""
    containers = pod_spec.get("containers") or []
    names = [c.get("name") for c in containers]
    for name, image in (images or {}).items():
        if name == "*":
            for c in containers:
                c["image"] = image
            continue
        if name not in names:
            raise InvalidArgument(
                "images",
                "container %r is not in the stable pod template (containers: %s); use one of those names"
                % (name, ", ".join(str(n) for n in names)),
            )
        for c in containers:
            if c.get("name") == name:
                c["image"] = image
    return pod_spec


def template_hash(template):
    """Stable digest of the template this module asked for (the server adds defaults, so compare this)."""
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def canary_selector(stable, version_label, version):
    """The stable's selector narrowed to the canary version, so the two never select each other's pods."""
    selector = copy.deepcopy(stable["spec"].get("selector") or {})
    match_labels = dict(selector.get("matchLabels") or {})
    match_labels[version_label] = version
    selector["matchLabels"] = match_labels
    exprs = [e for e in selector.get("matchExpressions") or [] if e.get("key") != version_label]
    if exprs:
        selector["matchExpressions"] = exprs
    else:
        selector.pop("matchExpressions", None)
    return selector


def build_canary_deployment(stable, name, version, version_label, images, replicas, total, stable_version,
                            overrides=None, now=None, progress_deadline_seconds=None):
    """The canary Deployment for version, derived from the stable Deployment (a dict from the API)."""
    template = copy.deepcopy(stable["spec"]["template"])
    template = merge_overrides(template, overrides)
    tmeta = template.setdefault("metadata", {})
    tmeta["labels"] = dict(tmeta.get("labels") or {})
    tmeta["labels"][version_label] = version
    apply_images(template.setdefault("spec", {}), images)
    digest = template_hash(template if progress_deadline_seconds is None else
                           {"template": template, "progressDeadlineSeconds": progress_deadline_seconds})

    smeta = stable["metadata"]
    labels = dict(smeta.get("labels") or {})
    labels[version_label] = version
    labels[MANAGED_BY] = MANAGER
    started = st.timestamp(now)
    annotations = {
        st.ROLE: st.ROLE_CANARY,
        st.PHASE: st.CREATED,
        st.STEP: "0",
        st.STARTED_AT: started,
        st.UPDATED_AT: started,
        st.TOTAL_REPLICAS: str(total),
        st.STABLE_NAME: smeta["name"],
        st.STABLE_VERSION: stable_version,
        st.TEMPLATE_HASH: digest,
    }
    spec = dict((k, copy.deepcopy(v)) for k, v in stable["spec"].items() if k not in ("replicas", "selector", "template", "paused"))
    spec.update({"replicas": replicas, "selector": canary_selector(stable, version_label, version), "template": template})
    if progress_deadline_seconds is not None:
        # A canary that never gets Ready fails at this deadline (ProgressDeadlineExceeded) instead of wait_timeout.
        spec["progressDeadlineSeconds"] = progress_deadline_seconds
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": smeta.get("namespace"), "labels": labels, "annotations": annotations},
        "spec": spec,
    }


def service_ports_from(app_service, template):
    """Ports for the canary Service: the app Service's ports, else the template's container ports."""
    if app_service and (app_service.get("spec") or {}).get("ports"):
        ports = []
        for p in app_service["spec"]["ports"]:
            port = dict((k, p[k]) for k in ("name", "port", "targetPort", "protocol", "appProtocol") if k in p)
            ports.append(port)
        return ports
    ports = []
    for c in (template.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            port = {"port": p["containerPort"], "targetPort": p["containerPort"], "protocol": p.get("protocol", "TCP")}
            if p.get("name"):
                port["name"] = p["name"]
            ports.append(port)
    if not ports:
        raise InvalidArgument(
            "service_name",
            "no port to expose: the app has no Service with ports and the pod template declares no containerPort; "
            "create the app's Service first or set create_service: false",
        )
    return ports


def build_canary_service(canary, name, app_label, app, version_label, version, app_service=None):
    """A ClusterIP Service selecting only the canary's pods (app and version), for smoke tests."""
    labels = {app_label: app, version_label: version, MANAGED_BY: MANAGER}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": canary["metadata"].get("namespace"),
            "labels": labels,
            "annotations": {st.ROLE: st.ROLE_CANARY_SERVICE},
        },
        "spec": {
            "type": "ClusterIP",
            "selector": {app_label: app, version_label: version},
            "ports": service_ports_from(app_service, canary["spec"]["template"]),
        },
    }
