"""Label selectors (equality and set-based) and field selectors, parsed and matched like
k8s.io/apimachinery/pkg/labels and pkg/fields."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ApiError, bad_request


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str                 # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict) -> bool:
        has = self.key in labels
        val = labels.get(self.key)
        if self.op == "=":
            return has and val == self.values[0]
        if self.op == "!=":
            return not has or val != self.values[0]
        if self.op == "in":
            return has and val in self.values
        if self.op == "notin":
            return not has or val not in self.values
        if self.op == "exists":
            return has
        return not has  # "!"

    def __str__(self) -> str:
        if self.op in ("=", "!="):
            return f"{self.key}{self.op}{self.values[0]}"
        if self.op in ("in", "notin"):
            return f"{self.key} {self.op} ({','.join(sorted(self.values))})"
        if self.op == "exists":
            return self.key
        return f"!{self.key}"


class LabelSelector:
    def __init__(self, requirements: list[Requirement] | None = None, nothing: bool = False):
        self.requirements = requirements or []
        self.nothing = nothing  # a nil selector in some APIs selects nothing

    def matches(self, labels: dict | None) -> bool:
        if self.nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def empty(self) -> bool:
        return not self.requirements and not self.nothing

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


_TOKEN = re.compile(r"\s*(\(|\)|,|==|=|!=|!|[^\s(),=!]+)")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise bad_request(f"unable to parse requirement: found '{text[pos:]}'")
        out.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _check_key(key: str) -> None:
    if not _LABEL_KEY.match(key) or len(key.split("/")[-1]) > 63:
        raise bad_request(f"unable to parse requirement: invalid label key \"{key}\": name part must consist of "
                          f"alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                          f"character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                          f"'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


def _check_value(value: str) -> None:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise bad_request(f"unable to parse requirement: values[0][{value}]: Invalid value: \"{value}\": a valid "
                          f"label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                          f"and must start and end with an alphanumeric character")


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse "app=web,tier in (a,b),!legacy" (400 BadRequest on bad syntax)."""
    if not text or not text.strip():
        return LabelSelector()
    toks = _tokens(text)
    reqs: list[Requirement] = []
    i = 0

    def expect_value(j: int) -> str:
        if j >= len(toks) or toks[j] in ("(", ")", ",", "=", "==", "!=", "!"):
            return ""
        return toks[j]

    while i < len(toks):
        tok = toks[i]
        if tok == "!":
            if i + 1 >= len(toks):
                raise bad_request("unable to parse requirement: found '', expected: identifier")
            key = toks[i + 1]
            _check_key(key)
            reqs.append(Requirement(key, "!"))
            i += 2
        else:
            key = tok
            _check_key(key)
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if nxt is None or nxt == ",":
                reqs.append(Requirement(key, "exists"))
                i += 1
            elif nxt in ("=", "==", "!="):
                value = expect_value(i + 2)
                _check_value(value)
                reqs.append(Requirement(key, "!=" if nxt == "!=" else "=", (value,)))
                i += 3 if value else 2
            elif nxt in ("in", "notin"):
                if i + 2 >= len(toks) or toks[i + 2] != "(":
                    raise bad_request(f"unable to parse requirement: found '{toks[i + 2] if i + 2 < len(toks) else ''}'"
                                      f", expected: '('")
                j = i + 3
                values: list[str] = []
                while j < len(toks) and toks[j] != ")":
                    if toks[j] != ",":
                        _check_value(toks[j])
                        values.append(toks[j])
                    j += 1
                if j >= len(toks):
                    raise bad_request("unable to parse requirement: found '', expected: ')'")
                reqs.append(Requirement(key, nxt, tuple(values)))
                i = j + 1
            else:
                raise bad_request(f"unable to parse requirement: found '{nxt}', expected: "
                                  f"in, notin, =, ==, !=, gt, lt")
        if i < len(toks):
            if toks[i] != ",":
                raise bad_request(f"unable to parse requirement: found '{toks[i]}', expected: ','")
            i += 1
    return LabelSelector(reqs)


def from_label_selector(sel: dict | None) -> LabelSelector:
    """A metav1.LabelSelector (matchLabels/matchExpressions) as a LabelSelector; None selects nothing."""
    if sel is None:
        return LabelSelector(nothing=True)
    reqs = [Requirement(k, "=", (v,)) for k, v in sorted((sel.get("matchLabels") or {}).items())]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in sel.get("matchExpressions") or []:
        op = ops.get(expr.get("operator"))
        if op is None:
            raise ValueError(f"{expr.get('operator')!r} is not a valid label selector operator")
        reqs.append(Requirement(expr["key"], op, tuple(expr.get("values") or ())))
    return LabelSelector(reqs)


def format_label_selector(sel: dict | None) -> str:
    """metav1.FormatLabelSelector: "app=web,version=v1" (used by the Scale subresource)."""
    if sel is None:
        return "<none>"
    s = str(from_label_selector(sel))
    return s or ""


def label_selector_matches(sel: dict | None, labels: dict | None) -> bool:
    return from_label_selector(sel).matches(labels)


# -- field selectors ------------------------------------------------------------------------------

COMMON_FIELDS = ("metadata.name", "metadata.namespace")
# Field labels each resource supports beyond metadata.name/namespace (pkg/registry/*/strategy.go).
RESOURCE_FIELDS = {
    "pods": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
             "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"),
    "events": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
               "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
               "reason", "reportingComponent", "source", "type"),
    "events.events.k8s.io": ("regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
                             "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath",
                             "reason", "reportingController", "type"),
    "secrets": ("type",),
    "nodes": ("spec.unschedulable",),
    "namespaces": ("status.phase",),
    "replicasets.apps": ("status.replicas",),
    "services": ("spec.clusterIP", "spec.type"),
    "jobs.batch": ("status.successful",),
}


def _field_value(obj: dict, path: str) -> str:
    if path == "source" and obj.get("kind") == "Event":
        return (obj.get("source") or {}).get("component", "") or obj.get("reportingComponent", "")
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    if isinstance(cur, list):
        return ",".join(str(c.get("ip", c)) if isinstance(c, dict) else str(c) for c in cur)
    return str(cur)


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    op: str   # "=" or "!="
    value: str

    def matches(self, obj: dict) -> bool:
        have = _field_value(obj, self.field)
        return have == self.value if self.op == "=" else have != self.value


class FieldSelector:
    def __init__(self, requirements: list[FieldRequirement] | None = None):
        self.requirements = requirements or []

    def matches(self, obj: dict) -> bool:
        return all(r.matches(obj) for r in self.requirements)

    def empty(self) -> bool:
        return not self.requirements

    def exact_name(self) -> str | None:
        for r in self.requirements:
            if r.field == "metadata.name" and r.op == "=":
                return r.value
        return None


def parse_field_selector(text: str | None, resource: str | None = None) -> FieldSelector:
    """Parse "metadata.name=web,status.phase!=Running"; unsupported fields get the real 400."""
    if not text or not text.strip():
        return FieldSelector()
    reqs = []
    for part in _split_unescaped(text):
        part = part.strip()
        if not part:
            continue
        for op_text, op in (("!=", "!="), ("==", "="), ("=", "=")):
            idx = part.find(op_text)
            if idx > 0:
                reqs.append(FieldRequirement(part[:idx].strip(), op, part[idx + len(op_text):].strip()))
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
    if resource is not None:
        allowed = set(COMMON_FIELDS) | set(RESOURCE_FIELDS.get(resource, ()))
        for r in reqs:
            if r.field not in allowed:
                raise ApiError(400, "BadRequest", f'"{r.field}" is not a known field selector: only '
                               f'"metadata.name", "metadata.namespace"' if resource not in RESOURCE_FIELDS
                               else f'field label not supported: {r.field}')
    return FieldSelector(reqs)


def _split_unescaped(text: str) -> list[str]:
    parts, cur, esc = [], [], False
    for ch in text:
        if esc:
            cur.append(ch)
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts
