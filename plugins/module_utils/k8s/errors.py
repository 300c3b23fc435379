# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes API failures as typed exceptions carrying one-line, actionable messages.

Every message names the context (cluster), the object and what to do, because it ends up as the
``msg`` of a failed task that an operator reads in the middle of a rollout.
"""

from __future__ import annotations

import json
import socket
import ssl


class K8sApiError(Exception):
    """A failed Kubernetes API call (or a failure to reach the API at all)."""

    def __init__(self, message, status=None, reason="", details=None):
        super(K8sApiError, self).__init__(message)
        self.message = one_line(message)
        self.status = status
        self.reason = reason or ""
        self.details = details or {}

    def __str__(self):
        return self.message

    def to_dict(self):
        return {"status": self.status, "reason": self.reason, "message": self.message, "details": self.details}


class K8sConfigError(K8sApiError):
    """The connection settings (kubeconfig, context, host, certificates) cannot be used."""


class K8sUnauthorizedError(K8sApiError):
    """401: the credentials were rejected."""


class K8sForbiddenError(K8sApiError):
    """403: authenticated but RBAC (or an admission policy) denies the request."""


class K8sNotFoundError(K8sApiError):
    """404: the object, namespace or resource type does not exist."""


class K8sConflictError(K8sApiError):
    """409 Conflict: the object changed since it was read (stale resourceVersion)."""


class K8sAlreadyExistsError(K8sConflictError):
    """409 AlreadyExists: create of an object that is already there."""


class K8sGoneError(K8sApiError):
    """410 Gone: a watch or list resourceVersion is too old; list again and resume."""


class K8sInvalidError(K8sApiError):
    """422: the object failed validation."""


class K8sUnavailableError(K8sApiError):
    """5xx, 429, connection refused, DNS or TLS failure, timeout: the API could not answer."""

    def __init__(self, message, status=None, reason="", details=None, transient=True):
        super(K8sUnavailableError, self).__init__(message, status, reason, details)
        # DNS and TLS verification failures will not heal by retrying; refused connections and 5xx may.
        self.transient = transient


def one_line(text):
    """Collapse whitespace so a message stays on one line in Ansible's output."""
    return " ".join(str(text).split())


def describe_object(kind, namespace=None, name=None):
    """'Deployment shop/web', 'Namespace shop', or 'Deployments in namespace shop' for lists."""
    kind = kind or "object"
    if name:
        return "%s %s/%s" % (kind, namespace, name) if namespace else "%s %s" % (kind, name)
    if namespace:
        return "%ss in namespace %s" % (kind, namespace)
    return "%ss in all namespaces" % kind


def parse_status(body):
    """Return the Status dict from a response body (bytes, str or dict); {} when it is not JSON."""
    if isinstance(body, dict):
        return body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        data = json.loads(body or "")
    except ValueError:
        return {"message": one_line(body or "")[:300]} if body else {}
    return data if isinstance(data, dict) else {}


def _invalid_causes(details):
    causes = details.get("causes") or []
    parts = []
    for cause in causes:
        field = cause.get("field")
        text = cause.get("message") or cause.get("reason") or ""
        parts.append("%s: %s" % (field, text) if field else text)
    return "; ".join(p for p in parts if p)


# HTTP status (and for 409 the reason) -> (error class, default reason, what happened and the fix). The text is
# formatted with said (": " + the server's message, or nothing) and action (the verb attempted).
_STATUS_ERRORS = {
    401: (K8sUnauthorizedError, "Unauthorized",
          "401 Unauthorized, the API server rejected the credentials{said}. Refresh the token or fix api_key, "
          "client_cert/client_key or the user of this context in the kubeconfig."),
    403: (K8sForbiddenError, "Forbidden",
          "403 Forbidden{said}. Grant this identity RBAC permission to {action} it (check with 'kubectl auth "
          "can-i'), or use a context that has it."),
    404: (K8sNotFoundError, "NotFound",
          "404 Not Found{said}. Check the name and namespace, and that the namespace and the resource type (CRD) "
          "exist on this cluster."),
    (409, "AlreadyExists"): (K8sAlreadyExistsError, "AlreadyExists",
                             "409 AlreadyExists{said}. Update it with replace/patch instead, or delete it first."),
    409: (K8sConflictError, "Conflict",
          "409 Conflict{said}. Someone else changed it since it was read; re-read the object and apply the change "
          "again."),
    410: (K8sGoneError, "Expired",
          "410 Gone{said}. The resourceVersion is too old; list again and restart the watch."),
}


def error_from_status(http_status, body, context, target, action):
    """Map an HTTP error response of the API server to a typed K8sApiError.

    ``target`` is a description of the object (see describe_object), ``action`` the verb the caller
    attempted ("get", "patch", ...).
    """
    status = parse_status(body)
    code = status.get("code") or http_status
    reason = status.get("reason") or ""
    server_msg = one_line(status.get("message") or "")
    details = status.get("details") or {}
    head = "%s %s on context '%s' failed" % (action, target, context)
    said = (": " + server_msg) if server_msg else ""
    info = {"code": code, "reason": reason, "server_message": server_msg, "details": details}

    # A malformed Status can carry any JSON as its code or reason: only an int and a string are looked up.
    known = (_STATUS_ERRORS.get((code, reason)) or _STATUS_ERRORS.get(code)
             if isinstance(code, int) and isinstance(reason, str) else None)
    if known:
        error_class, default_reason, text = known
        return error_class("%s: %s" % (head, text.format(said=said, action=action)), code, reason or default_reason,
                           info)
    if code == 422:
        causes = _invalid_causes(details)
        return K8sInvalidError(
            "%s: 422 Invalid: %s. Fix the named field(s) in the object and retry." % (head, causes or server_msg),
            code, reason or "Invalid", info)
    if code == 429 or (isinstance(code, int) and code >= 500):
        return K8sUnavailableError(
            "%s: %s %s from the API server%s. The control plane is overloaded or unhealthy; retry later and "
            "check the API server of this context." % (head, code, reason or "ServerError", said),
            code, reason or "ServerError", info)
    return K8sApiError(
        "%s: %s %s%s." % (head, code, reason or "Error", said), code, reason, info)


def exception_chain(exc):
    """The exception, what it wraps (urllib3 MaxRetryError.reason, __cause__, __context__, args)."""
    seen = []
    todo = [exc]
    while todo and len(seen) < 10:
        cur = todo.pop(0)
        if cur is None or any(cur is s for s in seen):
            continue
        seen.append(cur)
        todo.extend([getattr(cur, "reason", None) if isinstance(getattr(cur, "reason", None), BaseException) else None,
                     cur.__cause__, cur.__context__])
        todo.extend(a for a in getattr(cur, "args", ()) if isinstance(a, BaseException))
    return seen


_DNS_HINTS = ("name or service not known", "temporary failure in name resolution", "nodename nor servname",
              "failed to resolve", "getaddrinfo failed", "no address associated with hostname")


def error_from_exception(exc, context, host, target, action):
    """Map a transport failure (refused, DNS, TLS, timeout) to a K8sUnavailableError."""
    chain = exception_chain(exc)
    text = " | ".join(str(e) for e in chain).lower()
    names = " ".join(type(e).__name__ for e in chain)
    head = "cannot %s %s: the API server %s of context '%s'" % (action, target, host, context)
    info = {"exception": type(exc).__name__, "detail": one_line(str(exc))[:500], "host": host}

    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or "certificate_verify_failed" in text:
        return K8sUnavailableError(
            "%s failed TLS certificate verification. Set ca_cert to the cluster's CA bundle (or fix "
            "certificate-authority-data in the kubeconfig); validate_certs=false only for throwaway test "
            "clusters." % head, None, "TLSVerifyFailed", info, transient=False)
    if any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in names or \
            any(h in text for h in _DNS_HINTS):
        return K8sUnavailableError(
            "%s has a host name that does not resolve (DNS). Check the server address in the kubeconfig or "
            "the host option." % head, None, "DNSFailure", info, transient=False)
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in text:
        return K8sUnavailableError(
            "%s refused the connection. Check that the cluster is running and that the server address and "
            "port are right." % head, None, "ConnectionRefused", info)
    if "timeout" in names.lower() or "timed out" in text:
        return K8sUnavailableError(
            "%s did not answer in time. Check network reachability of the API server (and proxy), then "
            "retry." % head, None, "Timeout", info)
    if any(isinstance(e, ssl.SSLError) for e in chain) or "SSLError" in names:
        return K8sUnavailableError(
            "%s failed the TLS handshake (%s). Check client_cert/client_key, ca_cert and that the server "
            "speaks HTTPS." % (head, info["detail"][:200]), None, "TLSError", info, transient=False)
    return K8sUnavailableError(
        "%s could not be reached (%s: %s). Check the server address, proxy and network." % (
            head, type(exc).__name__, info["detail"][:200]), None, "ConnectionError", info)
