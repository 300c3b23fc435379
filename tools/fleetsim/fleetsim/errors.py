"""API errors as kube-apiserver reports them: a v1 Status body with reason, message and code."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict:
        body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                "message": self.message, "reason": self.reason}
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body

    def __repr__(self) -> str:
        return f"ApiError({self.code}, {self.reason!r}, {self.message!r})"


def _details(rt, name: str | None) -> dict:
    d: dict[str, Any] = {}
    if name:
        d["name"] = name
    if rt.group:
        d["group"] = rt.group
    d["kind"] = rt.plural
    return d


def not_found(rt, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{rt.name} "{name}" not found', _details(rt, name))


def namespace_not_found(namespace: str) -> ApiError:
    return ApiError(404, "NotFound", f'namespaces "{namespace}" not found',
                    {"name": namespace, "kind": "namespaces"})


def already_exists(rt, name: str) -> ApiError:
    return ApiError(409, "AlreadyExists", f'{rt.name} "{name}" already exists', _details(rt, name))


def conflict(rt, name: str, why: str = "the object has been modified; please apply your changes to the latest "
                                       "version and try again") -> ApiError:
    return ApiError(409, "Conflict", f'Operation cannot be fulfilled on {rt.name} "{name}": {why}',
                    _details(rt, name))


def namespace_terminating(rt, name: str, namespace: str) -> ApiError:
    details = _details(rt, name)
    details["causes"] = [{"reason": "NamespaceTerminating", "message": f"namespace {namespace} is being terminated",
                          "field": "metadata.namespace"}]
    return ApiError(403, "Forbidden", f'{rt.name} "{name}" is forbidden: unable to create new content in namespace '
                                      f'{namespace} because it is being terminated', details)


def forbidden(rt, name: str, why: str) -> ApiError:
    return ApiError(403, "Forbidden", f'{rt.name} "{name}" is forbidden: {why}', _details(rt, name))


class Cause:
    """One field error, rendered like k8s.io/apimachinery/pkg/util/validation/field.Error."""

    def __init__(self, reason: str, field_path: str, message: str):
        self.reason = reason
        self.field = field_path
        self.message = message

    def as_dict(self) -> dict:
        return {"reason": self.reason, "message": self.message, "field": self.field}

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _fmt_value(value: Any) -> str:
    """Go's %v / quoted rendering of a value in field.Invalid messages."""
    if isinstance(value, GoRepr):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    if isinstance(value, dict):
        if all(isinstance(v, str) for v in value.values()):
            inner = ", ".join(f"{_fmt_value(k)}:{_fmt_value(v)}" for k, v in sorted(value.items()))
            return "map[string]string{" + inner + "}"
        inner = ", ".join(f"{_fmt_value(k)}:{_fmt_value(v)}" for k, v in sorted(value.items()))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, list):
        return "[]string{" + ", ".join(_fmt_value(v) for v in value) + "}" if all(
            isinstance(v, str) for v in value) else "[" + " ".join(_fmt_value(v) for v in value) + "]"
    return str(value)


class GoRepr(str):
    """A value already rendered the way Go's %#v would print it (used as-is in messages)."""


def field_invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", path, f"Invalid value: {_fmt_value(value)}: {detail}")


def field_required(path: str, detail: str = "") -> Cause:
    return Cause("FieldValueRequired", path, "Required value" + (f": {detail}" if detail else ""))


def field_forbidden(path: str, detail: str) -> Cause:
    return Cause("FieldValueForbidden", path, f"Forbidden: {detail}")


def field_not_supported(path: str, value: Any, supported: list[str]) -> Cause:
    vals = ", ".join(f'"{s}"' for s in supported)
    return Cause("FieldValueNotSupported", path, f"Unsupported value: {_fmt_value(value)}: supported values: {vals}")


def field_duplicate(path: str, value: Any) -> Cause:
    return Cause("FieldValueDuplicate", path, f"Duplicate value: {_fmt_value(value)}")


def field_too_long(path: str, max_len: int) -> Cause:
    return Cause("FieldValueTooLong", path, f"Too long: may not be more than {max_len} bytes")


def invalid(rt, name: str, causes: list[Cause]) -> ApiError:
    """422 Invalid: message "<Kind.group> "<name>" is invalid: <errors>" as the real server writes it."""
    if len(causes) == 1:
        summary = str(causes[0])
    else:
        summary = "[" + ", ".join(str(c) for c in causes) + "]"
    details: dict[str, Any] = {"name": name}
    if rt.group:
        details["group"] = rt.group
    details["kind"] = rt.kind
    details["causes"] = [c.as_dict() for c in causes]
    return ApiError(422, "Invalid", f'{rt.qualified_kind} "{name}" is invalid: {summary}', details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def method_not_allowed(message: str = "the server does not allow this method on the requested resource") -> ApiError:
    return ApiError(405, "MethodNotAllowed", message, {})


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted '
                    f'media types include: application/json-patch+json, application/merge-patch+json, '
                    f'application/apply-patch+yaml, application/strategic-merge-patch+json'
                    if content_type else "unsupported media type")


def internal_error(message: str) -> ApiError:
    return ApiError(500, "InternalError", f"Internal error occurred: {message}",
                    {"causes": [{"message": message}]})


def precondition_failed_uid(rt, name: str, want: str, have: str) -> ApiError:
    return conflict(rt, name, f"Precondition failed: UID in precondition: {want}, UID in object meta: {have}")


def precondition_failed_rv(rt, name: str, want: str, have: str) -> ApiError:
    return conflict(rt, name, f"Precondition failed: ResourceVersion in precondition: {want}, "
                              f"ResourceVersion in object meta: {have}")
