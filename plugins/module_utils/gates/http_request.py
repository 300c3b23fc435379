# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP request for the prometheus and http providers, with errors turned into sentences.

Uses ansible.module_utils.urls (stdlib urllib underneath): no runtime dependency beyond
ansible-core, TLS options like every Ansible module.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import Request, make_context

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
        try:
            _TLS_CONTEXTS[key] = make_context(cafile=ca_path, validate_certs=validate_certs)
        except (IOError, OSError, ssl.SSLError) as exc:
            raise ProviderError("cannot load ca_cert %s: %s" % (ca_path, exc))
    return _TLS_CONTEXTS[key]


def send(method, url, headers=None, body=None, timeout=10.0, validate_certs=True, ca_path=None,
         username=None, password=None):
    """Send one request; any HTTP status is a response, a transport failure is ProviderError."""
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
    except (socket.timeout, TimeoutError):
        raise ProviderError("%s %s: no answer within %gs" % (method, url, timeout))
    except ssl.SSLError as exc:
        raise ProviderError("%s %s: TLS error: %s (check validate_certs / ca_cert)" % (method, url, exc))
    except URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise ProviderError("%s %s: no answer within %gs" % (method, url, timeout))
        if isinstance(reason, ssl.SSLError):
            raise ProviderError("%s %s: TLS error: %s (check validate_certs / ca_cert)" % (method, url, reason))
        raise ProviderError("%s %s: cannot connect: %s" % (method, url, reason))
    except (ConnectionError, OSError, http.client.HTTPException) as exc:
        raise ProviderError("%s %s: cannot connect: %s" % (method, url, exc))
    except ValueError as exc:  # malformed URL
        raise ProviderError("%s %s: invalid URL: %s" % (method, url, exc))
