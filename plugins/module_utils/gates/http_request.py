# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP request for the prometheus and http providers, with errors turned into sentences.

Sent with urllib3, the HTTP client every module process of the collection already loads for the Kubernetes
API (module_utils/k8s/client.py). ansible.module_utils.urls cost a gate process ~70 ms of CPU more (measured:
import plus one request): its import pulls in cryptography's x509, and it loaded the system CA store even for an
http:// URL. As with urllib, a proxy comes from the environment (http_proxy, https_proxy, no_proxy), redirects
are followed for GET and HEAD only (a redirect to another host drops the Authorization header), and each request
has its own connection.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import time
import traceback
import warnings
from urllib.parse import urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment

from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import ProviderError
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import exception_chain

try:
    import urllib3
    HAS_URLLIB3 = True
    URLLIB3_IMPORT_ERROR = None
except ImportError:
    HAS_URLLIB3 = False
    URLLIB3_IMPORT_ERROR = traceback.format_exc()

MAX_REDIRECTS = 10


class HttpResponse(object):
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    def text(self):
        return self.body.decode("utf-8", errors="replace")


# Loading a CA store costs ~15 ms: each TLS context and each connection pool is built once per process.
_TLS_CONTEXTS = {}
_POOLS = {}


def tls_context(validate_certs, ca_path):
    """The TLS settings of an https:// request: ca_path alone when given, else the system's CAs."""
    key = (bool(validate_certs), ca_path if validate_certs else None)
    if key not in _TLS_CONTEXTS:
        if validate_certs:
            try:
                context = ssl.create_default_context(cafile=ca_path)
            except (IOError, OSError, ssl.SSLError) as exc:
                raise ProviderError("cannot load ca_cert %s: %s" % (ca_path, exc))
        else:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        _TLS_CONTEXTS[key] = context
    return _TLS_CONTEXTS[key]


def proxy_for(url):
    """The proxy the environment names for url (urllib's rules), or None."""
    parts = urlsplit(url)
    proxies = getproxies_environment()
    proxy = proxies.get(parts.scheme)
    if not proxy or proxy_bypass_environment(parts.hostname or "", proxies):
        return None
    return proxy


def _pool(url, validate_certs, ca_path):
    https = url.lower().startswith("https://")
    context = tls_context(validate_certs, ca_path) if https else None
    proxy = proxy_for(url)
    key = (proxy, id(context))
    if key not in _POOLS:
        if proxy:
            # ssl_context is the target's (through the CONNECT tunnel); an https proxy is checked with the system CAs.
            _POOLS[key] = urllib3.ProxyManager(proxy, ssl_context=context)
        else:
            _POOLS[key] = urllib3.PoolManager(ssl_context=context)
    return _POOLS[key]


# What a transport failure comes down to, in the order they are recognised.
_CAUSES = (socket.timeout, ssl.SSLError, ConnectionRefusedError, socket.gaierror, ConnectionResetError,
           BrokenPipeError, http.client.HTTPException)


def _cause(exc):
    """The standard-library error under urllib3's wrappers, or exc itself."""
    return next((e for e in exception_chain(exc) if isinstance(e, _CAUSES)), exc)


def _transport_failure(who, exc, timeout):
    """One sentence that leads with what was observed: '<who> refused the connection (...)'."""
    reason = _cause(exc)
    if isinstance(reason, socket.timeout) or isinstance(exc, urllib3.exceptions.TimeoutError) and \
            not isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "%s did not answer within %gs" % (who, timeout)
    if isinstance(reason, ssl.SSLError) or isinstance(exc, urllib3.exceptions.SSLError):
        return "%s failed the TLS handshake: %s (check validate_certs / ca_cert)" % (who, reason)
    if isinstance(reason, ConnectionRefusedError):
        return "%s refused the connection (nothing listens there; check the URL and port)" % who
    if isinstance(reason, socket.gaierror):
        return "%s could not be found: its host name does not resolve (%s)" % (who, reason.strerror or reason)
    if isinstance(reason, (ConnectionResetError, BrokenPipeError)):
        return "%s dropped the connection (%s)" % (who, reason)
    if isinstance(reason, http.client.HTTPException):
        return "%s answered with a broken HTTP response: %s" % (who, reason)
    return "%s could not be reached: %s" % (who, reason)


def send(method, url, headers=None, body=None, timeout=10.0, validate_certs=True, ca_path=None,
         username=None, password=None, who=None):
    """Send one request; any HTTP status is a response, a transport failure is ProviderError.

    who names the server in messages ("Prometheus at http://prom:9090"); by default the method and URL.
    Messages never carry the request's query string: a long URL-encoded query would hide the cause.
    """
    if not HAS_URLLIB3:
        raise ProviderError("the urllib3 Python library is needed for HTTP requests: %s"
                            % URLLIB3_IMPORT_ERROR.strip().splitlines()[-1])
    who = who or "%s %s" % (method, url.split("?", 1)[0])
    headers = dict(headers or {})
    # A new connection per request, as urllib made them: N smoke requests to a Service reach its pods the way
    # N clients would (a Service balances connections, not requests).
    headers.setdefault("Connection", "close")
    if username is not None:
        credentials = ("%s:%s" % (username, password or "")).encode("utf-8")
        headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
    # Redirects as Ansible's follow_redirects=safe: GET and HEAD only; another status is the answer.
    redirects = MAX_REDIRECTS if method.upper() in ("GET", "HEAD") else 0
    retries = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=redirects,
                            raise_on_redirect=False, raise_on_status=False)
    started = time.monotonic()
    try:
        pool = _pool(url, validate_certs, ca_path)
        with warnings.catch_warnings():
            # validate_certs=false is the user's explicit choice, documented with the option: no warning per request.
            warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
            response = pool.request(method, url, body=body, headers=headers, retries=retries,
                                    timeout=urllib3.Timeout(connect=timeout, read=timeout))
    except urllib3.exceptions.LocationValueError as exc:
        raise ProviderError("%s: invalid URL: %s" % (who, exc))
    except (urllib3.exceptions.HTTPError, OSError, http.client.HTTPException) as exc:
        raise ProviderError(_transport_failure(who, exc, timeout))
    except ValueError as exc:  # malformed URL
        raise ProviderError("%s: invalid URL: %s" % (who, exc))
    return HttpResponse(response.status, dict(response.headers), response.data or b"", time.monotonic() - started)
