"""The generic strategy every kind starts from: object-meta validation, generation and status rules."""
from __future__ import annotations

import re

from ..errors import Cause, field_invalid, field_required, field_too_long

DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
               "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
               "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                   "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
QUALIFIED_NAME_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                      "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                      "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


def validate_dns_subdomain(path: str, value: str) -> list[Cause]:
    out = []
    if len(value) > 253:
        out.append(field_invalid(path, value, "must be no more than 253 characters"))
    if not DNS1123_SUBDOMAIN.match(value):
        out.append(field_invalid(path, value, SUBDOMAIN_MSG))
    return out


def validate_dns_label(path: str, value: str) -> list[Cause]:
    out = []
    if len(value) > 63:
        out.append(field_invalid(path, value, "must be no more than 63 characters"))
    if not DNS1123_LABEL.match(value):
        out.append(field_invalid(path, value, LABEL_MSG))
    return out


def validate_dns1035_label(path: str, value: str) -> list[Cause]:
    out = []
    if len(value) > 63:
        out.append(field_invalid(path, value, "must be no more than 63 characters"))
    if not DNS1035_LABEL.match(value):
        out.append(field_invalid(path, value, DNS1035_MSG))
    return out


def validate_qualified_name(path: str, key: str) -> list[Cause]:
    prefix, _, name = key.rpartition("/")
    out = []
    if prefix:
        if not DNS1123_SUBDOMAIN.match(prefix):
            out.append(field_invalid(path, key, "prefix part " + SUBDOMAIN_MSG))
    if not name:
        out.append(field_invalid(path, key, "name part must be non-empty"))
    elif len(name) > 63:
        out.append(field_invalid(path, key, "name part must be no more than 63 characters"))
    elif not QUALIFIED_NAME.match(name):
        out.append(field_invalid(path, key, QUALIFIED_NAME_MSG))
    return out


def validate_labels(path: str, labels: dict | None) -> list[Cause]:
    out: list[Cause] = []
    for k, v in (labels or {}).items():
        out += validate_qualified_name(path, k)
        if not isinstance(v, str):
            out.append(field_invalid(f"{path}", v, "label values must be strings"))
            continue
        if len(v) > 63:
            out.append(field_invalid(path, v, "must be no more than 63 characters"))
        if not LABEL_VALUE.match(v):
            out.append(field_invalid(path, v, LABEL_VALUE_MSG))
    return out


def validate_annotations(path: str, annotations: dict | None) -> list[Cause]:
    out: list[Cause] = []
    total = 0
    for k, v in (annotations or {}).items():
        out += validate_qualified_name(path, k.lower())
        total += len(k) + len(v if isinstance(v, str) else str(v))
    if total > 256 * 1024:
        out.append(field_too_long(path, 256 * 1024))
    return out


class Strategy:
    """Defaults shared by every kind; subclasses override what their strategy.go changes."""

    # metadata.generation is maintained (bumped on spec changes).
    has_generation = False
    # PUT of a missing object creates it (Endpoints, Events, Leases do this on a real server).
    allow_create_on_update = False
    # metadata.name validation: "subdomain" (most kinds), "label" (namespaces), "dns1035" (services).
    name_rule = "subdomain"
    # Field that carries "the spec" for generation purposes; None means everything but metadata/status.
    spec_fields: tuple[str, ...] | None = None

    # -- hooks (ctx is the Api, for allocators and lookups) ---------------------------------
    def default(self, obj: dict, ctx) -> None:
        """Apply the scheme defaults (SetDefaults_*); runs on every write before validation."""

    def prepare_for_create(self, obj: dict, ctx) -> None:
        """Reset fields the client may not set on create (status of kinds with a status subresource)."""

    def prepare_for_update(self, new: dict, old: dict, ctx) -> None:
        """Keep fields the main resource may not change (status when there is a status subresource)."""

    def validate(self, obj: dict, ctx) -> list[Cause]:
        return []

    def validate_update(self, new: dict, old: dict, ctx) -> list[Cause]:
        return self.validate(new, ctx)

    def validate_status(self, new: dict, old: dict, ctx) -> list[Cause]:
        """Checks of a write through the status (or finalize) subresource."""
        return []

    def after_delete(self, obj: dict, ctx) -> None:
        """Release what the object held (Service cluster IPs)."""

    def graceful_delete(self, obj: dict, grace: int | None) -> int | None:
        """Seconds of graceful deletion for this object, or None to delete at once."""
        return None

    # -- helpers ------------------------------------------------------------------------------
    def spec_of(self, obj: dict) -> dict:
        if self.spec_fields is not None:
            return {k: obj.get(k) for k in self.spec_fields}
        return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}

    def validate_name(self, name: str) -> list[Cause]:
        if self.name_rule == "label":
            return validate_dns_label("metadata.name", name)
        if self.name_rule == "dns1035":
            return validate_dns1035_label("metadata.name", name)
        if self.name_rule == "path":
            bad = [c for c in ("/", "%") if c in name] or ([name] if name in (".", "..") else [])
            return [field_invalid("metadata.name", name, f"may not contain '{bad[0]}'")] if bad else []
        return validate_dns_subdomain("metadata.name", name)

    def validate_meta(self, obj: dict, namespaced: bool) -> list[Cause]:
        meta = obj.get("metadata") or {}
        out: list[Cause] = []
        name = meta.get("name")
        if not name:
            out.append(field_required("metadata.name", "name or generateName is required"))
        else:
            out += self.validate_name(name)
        if namespaced and not meta.get("namespace"):
            out.append(field_required("metadata.namespace"))
        out += validate_labels("metadata.labels", meta.get("labels"))
        out += validate_annotations("metadata.annotations", meta.get("annotations"))
        return out


def template_labels_cause(path: str, selector: dict | None, labels: dict | None) -> list[Cause]:
    from ..selectors import from_label_selector
    if selector is not None and not from_label_selector(selector).matches(labels or {}):
        return [field_invalid(path, labels or {}, "`selector` does not match template `labels`")]
    return []


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def validate_nonneg(path: str, v) -> list[Cause]:
    if v is not None and is_int(v) and v < 0:
        return [field_invalid(path, v, "must be greater than or equal to 0")]
    return []
