# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes naming rules (label keys and values, object names) and the names this domain derives.

The API server rejects bad names with a 422 after part of a release may already be written; checking
them up front keeps every write behind validation.
"""

from __future__ import annotations

import hashlib
import re

from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument

# k8s.io/apimachinery/pkg/util/validation: qualified names and label values.
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")  # RFC 1035 (Service names)
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")  # RFC 1123 (namespace names)

LABEL_VALUE_MAX = 63
DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253


def check_label_value(field, value, required=True):
    """Raise InvalidArgument unless value is a valid, non-empty Kubernetes label value."""
    value = "" if value is None else str(value)
    if not value:
        if required:
            raise InvalidArgument(field, "must be set (a Kubernetes label value such as 'v2' or '1.4.0')")
        return value
    if len(value) > LABEL_VALUE_MAX or not _LABEL_VALUE.match(value):
        raise InvalidArgument(
            field,
            "%r is not a valid Kubernetes label value: use at most 63 characters [A-Za-z0-9-_.], "
            "starting and ending with a letter or digit" % value,
        )
    return value


def check_label_key(field, key):
    """Raise InvalidArgument unless key is a valid label key ('name' or 'prefix/name')."""
    key = "" if key is None else str(key)
    prefix, _sep, name = key.rpartition("/")
    ok = bool(name) and len(name) <= 63 and bool(_NAME_PART.match(name))
    if prefix:
        ok = ok and len(prefix) <= DNS_SUBDOMAIN_MAX and bool(_DNS_SUBDOMAIN.match(prefix))
    if not ok:
        raise InvalidArgument(
            field,
            "%r is not a valid Kubernetes label key: use 'name' or 'prefix/name' where name has at most "
            "63 characters [A-Za-z0-9-_.] (for example 'app' or 'app.kubernetes.io/version')" % key,
        )
    return key


def check_object_name(field, name, dns_label=False):
    """Raise InvalidArgument unless name is a valid object name (DNS subdomain, or DNS label for Services)."""
    name = "" if name is None else str(name)
    if dns_label:
        ok = len(name) <= DNS_LABEL_MAX and bool(_DNS_LABEL.match(name))
        rule = "a DNS label: at most 63 lowercase letters, digits and '-', starting with a letter"
    else:
        ok = len(name) <= DNS_SUBDOMAIN_MAX and bool(_DNS_SUBDOMAIN.match(name))
        rule = "a DNS subdomain: lowercase letters, digits, '-' and '.'"
    if not ok:
        raise InvalidArgument(field, "%r is not a valid object name; it must be %s" % (name, rule))
    return name


def check_namespace(field, name):
    """Raise InvalidArgument unless name is a valid namespace name (an RFC 1123 label)."""
    name = "" if name is None else str(name)
    if len(name) > DNS_LABEL_MAX or not _DNS1123_LABEL.match(name):
        raise InvalidArgument(field, "%r is not a valid namespace name: at most 63 lowercase letters, digits and '-', "
                                     "starting and ending with a letter or digit" % name)
    return name


def dns_label_from(*parts):
    """Join parts into a valid DNS label ('web', '2.1.0' -> 'web-2-1-0'); a hash keeps long ones unique."""
    raw = "-".join(str(p) for p in parts if p not in (None, ""))
    label = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-")
    label = re.sub(r"-{2,}", "-", label)
    if not label or not label[0].isalpha():
        label = "v-" + label if label else "release"
    # Upper case folded or a cut make distinct inputs collide; a short hash of the input keeps them apart.
    if len(label) > DNS_LABEL_MAX or raw.lower() != raw:
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:6]
        label = label[: DNS_LABEL_MAX - 7].rstrip("-") + "-" + digest
    return label


def canary_name(app, version):
    """Default name of the canary Deployment and its Service: '<app>-<version>' as a DNS label."""
    return dns_label_from(app, version)


def baseline_name(app):
    """Name of the app's baseline Deployment (one at a time: it runs the stable version)."""
    return dns_label_from(app, "baseline")


def release_record_name(app):
    """Name of the app's release record ConfigMap (reject list and lock)."""
    return dns_label_from(app, "release")
