# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP request for the prometheus and http providers, with errors turned into sentences.

Uses ansible.module_utils.urls (stdlib urllib underneath): no runtime dependency beyond
ansible-core, TLS options like every Ansible module. It is imported on the first request: with the TLS
and certificate code it pulls in, it costs ~0.1 s of CPU, which a scale_step or gate_check process that
sends no HTTP request (no gate, kubernetes checks only) should not pay.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError

from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import ProviderError


class HttpResponse(object):
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    def text(self):
        return self.body.decode("utf-8", errors="replace")


# Loading the system CA store costs ~15 ms; build each TLS context once per process, not per request.
_TLS_CONTEXTS = {}


def tls_context(validate_certs, ca_path):
    key = (bool(validate_certs), ca_path)
    if key not in _TLS_CONTEXTS:
        from ansible.module_utils.urls import make_context  # pylint: disable=import-outside-toplevel

        try:
            _TLS_CONTEXTS[key] = make_context(cafile=ca_path, validate_certs=validate_certs)
        except (IOError, OSError, ssl.SSLError) as exc:
            raise ProviderError("cannot load ca_cert %s: %s" % (ca_path, exc))
    return _TLS_CONTEXTS[key]


def _transport_failure(who, reason, timeout):
    """One sentence that leads with what was observed: '<who> refused the connection (...)'."""
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "%s did not answer within %gs" % (who, timeout)
    if isinstance(reason, ssl.SSLError):
        return "%s failed the TLS handshake: %s (check validate_certs / ca_cert)" % (who, reason)
    if isinstance(reason, ConnectionRefusedError):
        return "%s refused the connection (nothing listens there; check the URL and port)" % who
    if isinstance(reason, socket.gaierror):
        return "%s could not be found: its host name does not resolve (%s)" % (who, reason.strerror or reason)
    if isinstance(reason, (ConnectionResetError, BrokenPipeError)):
        return "%s dropped the connection (%s)" % (who, reason)
    return "%s could not be reached: %s" % (who, reason)


def send(method, url, headers=None, body=None, timeout=10.0, validate_certs=True, ca_path=None,
         username=None, password=None, who=None):
    """Send one request; any HTTP status is a response, a transport failure is ProviderError.

    who names the server in messages ("Prometheus at http://prom:9090"); by default the method and URL.
    Messages never carry the request's query string: a long URL-encoded query would hide the cause.
    """
    from ansible.module_utils.urls import Request  # pylint: disable=import-outside-toplevel

    who = who or "%s %s" % (method, url.split("?", 1)[0])
    request = Request(
        headers=headers or {},
        validate_certs=validate_certs,
        ca_path=ca_path,
        timeout=timeout,
        follow_redirects="safe",
    )
    # Passed for http:// too: Request.open would otherwise build (and load CAs into) a new one.
    context = tls_context(validate_certs, ca_path)
    started = time.monotonic()
    try:
        response = request.open(
            method, url, data=body,
            url_username=username, url_password=password,
            force_basic_auth=username is not None,
            context=context,
        )
        payload = response.read()
        return HttpResponse(response.getcode(), dict(response.headers), payload, time.monotonic() - started)
    except HTTPError as exc:
        try:
            payload = exc.read()
        except Exception:  # pylint: disable=broad-except
            payload = b""
        return HttpResponse(exc.code, dict(exc.headers or {}), payload or b"", time.monotonic() - started)
    except URLError as exc:
        raise ProviderError(_transport_failure(who, exc.reason, timeout))
    except (socket.timeout, TimeoutError, ssl.SSLError, ConnectionError, OSError) as exc:
        raise ProviderError(_transport_failure(who, exc, timeout))
    except http.client.HTTPException as exc:
        raise ProviderError("%s answered with a broken HTTP response: %s" % (who, exc))
    except ValueError as exc:  # malformed URL
        raise ProviderError("%s: invalid URL: %s" % (who, exc))
