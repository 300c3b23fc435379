# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small Kubernetes REST client that speaks plain dicts.

Connection settings come from the kubeconfig (file or dict, contexts): tokens, token files, client
certificates and basic auth are read by ``kubeconfig.py`` without importing the ``kubernetes``
package; exec/auth-provider plugins, several files and in-cluster service accounts go through the
``kubernetes`` client's own loader. Requests go straight to the REST API with JSON bodies, so there
is no model deserialisation and no discovery round-trip for the built-in kinds a progressive
rollout touches.

Auth precedence: module argument > ``K8S_AUTH_*`` environment variable > kubeconfig.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import time
import traceback
from urllib.parse import quote, urlencode, urlsplit

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.progressive.delivery.plugins.module_utils.k8s.args import AUTH_ENV_VARS
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.errors import (
    K8sApiError,
    K8sConfigError,
    K8sNotFoundError,
    describe_object,
    error_from_exception,
    error_from_status,
    one_line,
)
from ansible_collections.progressive.delivery.plugins.module_utils.k8s.retry import (
    DEFAULT_ATTEMPTS,
    RetryPolicy,
    update_with_conflict_retry,
)

from ansible_collections.progressive.delivery.plugins.module_utils.k8s import kubeconfig as light_kubeconfig

try:
    import urllib3
    HAS_URLLIB3 = True
except ImportError:
    HAS_URLLIB3 = False
    URLLIB3_IMPORT_ERROR = traceback.format_exc()

# The kubernetes package is imported only when a kubeconfig needs its loader (exec and auth-provider
# plugins, several files, in-cluster): importing it costs every module process ~0.13 s and ~18 MB.
HAS_KUBERNETES = HAS_URLLIB3 and importlib.util.find_spec("kubernetes") is not None
KUBERNETES_IMPORT_ERROR = None if HAS_KUBERNETES else "No module named 'kubernetes'"


def _kubernetes():
    """(kubernetes.client, kubernetes.config), imported on first use."""
    from kubernetes import client as k8s_client  # pylint: disable=import-outside-toplevel
    from kubernetes import config as k8s_config  # pylint: disable=import-outside-toplevel
    return k8s_client, k8s_config


USER_AGENT = "progressive.delivery/0.1.0"

# (apiVersion, kind) -> (plural, namespaced) for the kinds known without asking the API server.
BUILTIN_RESOURCES = {
    ("v1", "Namespace"): ("namespaces", False),
    ("v1", "Node"): ("nodes", False),
    ("v1", "Pod"): ("pods", True),
    ("v1", "Service"): ("services", True),
    ("v1", "Endpoints"): ("endpoints", True),
    ("v1", "ConfigMap"): ("configmaps", True),
    ("v1", "Secret"): ("secrets", True),
    ("v1", "Event"): ("events", True),
    ("v1", "ServiceAccount"): ("serviceaccounts", True),
    ("events.k8s.io/v1", "Event"): ("events", True),
    ("apps/v1", "Deployment"): ("deployments", True),
    ("apps/v1", "ReplicaSet"): ("replicasets", True),
    ("apps/v1", "DaemonSet"): ("daemonsets", True),
    ("apps/v1", "StatefulSet"): ("statefulsets", True),
    ("apps/v1", "ControllerRevision"): ("controllerrevisions", True),
    ("discovery.k8s.io/v1", "EndpointSlice"): ("endpointslices", True),
    ("coordination.k8s.io/v1", "Lease"): ("leases", True),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): ("customresourcedefinitions", False),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): ("selfsubjectrulesreviews", False),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): ("selfsubjectaccessreviews", False),
    ("authentication.k8s.io/v1", "SelfSubjectReview"): ("selfsubjectreviews", False),
}

PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}

# Reads and idempotent writes are retried on transient failures; a create is retried only when the
# request provably never reached the server.
DEFAULT_RETRY_ATTEMPTS = DEFAULT_ATTEMPTS
DEFAULT_REQUEST_TIMEOUT = 60


def resolve_auth(params, environ=None):
    """Return the auth settings to use: each option from ``params``, else its K8S_AUTH_* variable."""
    environ = os.environ if environ is None else environ
    resolved = {}
    for option, env_name in AUTH_ENV_VARS.items():
        value = params.get(option)
        if value is None and environ.get(env_name) not in (None, ""):
            value = environ[env_name]
            if option == "validate_certs":
                try:
                    value = boolean(value, strict=True)
                except TypeError:
                    raise K8sConfigError(
                        "%s=%r is not a boolean; set it to true or false." % (env_name, value),
                        None, "BadEnvironment")
        resolved[option] = value
    return resolved


def _kubeconfig_path(path):
    expanded = os.path.expanduser(os.path.expandvars(path))
    # KUBECONFIG may list several files; the kubernetes loader merges them.
    missing = [p for p in expanded.split(os.pathsep) if p and not os.path.exists(p)]
    if missing:
        raise K8sConfigError(
            "kubeconfig file %s does not exist. Fix the kubeconfig option / K8S_AUTH_KUBECONFIG, or pass the "
            "kubeconfig as a dict." % ", ".join(missing), None, "KubeconfigMissing")
    return expanded


def _default_kubeconfig(environ):
    path = environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    return path if all(os.path.exists(p) for p in path.split(os.pathsep) if p) else None


def _context_names(kubeconfig):
    if isinstance(kubeconfig, dict):
        return [c.get("name") for c in kubeconfig.get("contexts") or []], kubeconfig.get("current-context")
    try:
        config = light_kubeconfig.read_file(kubeconfig)
        return light_kubeconfig.context_names(config), config.get("current-context")
    except Exception:  # several files, or not YAML: ask the kubernetes loader, which also reports the problem
        pass
    try:
        contexts, active = _kubernetes()[1].list_kube_config_contexts(kubeconfig)
        return [c.get("name") for c in contexts], (active or {}).get("name")
    except Exception:  # the loader itself reports the real problem below
        return [], None


def _light_connection(kubeconfig, context):
    """(Connection, context name) from the light loader, or None when the kubernetes loader must decide."""
    try:
        if isinstance(kubeconfig, dict):
            return light_kubeconfig.connection_from(kubeconfig, context)
        return light_kubeconfig.connection_from(light_kubeconfig.read_file(kubeconfig), context,
                                                os.path.dirname(os.path.abspath(kubeconfig)))
    except light_kubeconfig.Unsupported:
        return None


def _kubernetes_configuration(kubeconfig, context, environ):
    """kubernetes.client.Configuration from the kubernetes loader (plugins, several files, in-cluster)."""
    if not HAS_KUBERNETES:
        raise K8sConfigError("the 'kubernetes' Python library is not installed and this kubeconfig needs it (exec "
                             "or auth-provider plugins, several files, in-cluster); pip install kubernetes", None,
                             "MissingLibrary")
    k8s_client, k8s_config = _kubernetes()
    configuration = k8s_client.Configuration()
    if isinstance(kubeconfig, dict):
        k8s_config.load_kube_config_from_dict(kubeconfig, context=context, client_configuration=configuration,
                                              persist_config=False)
    elif kubeconfig:
        k8s_config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration,
                                    persist_config=False)
    else:
        if not environ.get("KUBERNETES_SERVICE_HOST"):
            raise K8sConfigError(
                "no cluster to talk to: no kubeconfig (~/.kube/config, KUBECONFIG), no host and not running "
                "in a pod. Set kubeconfig (or K8S_AUTH_KUBECONFIG), or host and api_key.", None, "NoCluster")
        k8s_config.load_incluster_config(client_configuration=configuration)
    return configuration


def build_configuration(auth, environ=None):
    """Build the connection settings (a light Connection, or a ``kubernetes.client.Configuration`` when the
    kubeconfig needs the kubernetes loader) from resolved auth; return (configuration, context label)."""
    if not HAS_URLLIB3:
        raise K8sConfigError("the 'urllib3' Python library is not installed; pip install urllib3", None,
                             "MissingLibrary")
    environ = os.environ if environ is None else environ
    context = auth.get("context")
    explicit_endpoint = auth.get("host") and not auth.get("kubeconfig") and not context
    kubeconfig = _kubeconfig_option(auth.get("kubeconfig"), explicit_endpoint, environ)
    configuration, label = _load_configuration(kubeconfig, context, explicit_endpoint, environ)
    if kubeconfig and label is None:
        label = context or _context_names(kubeconfig)[1]
    _apply_explicit_settings(configuration, auth)
    return configuration, label or urlsplit(configuration.host).netloc or configuration.host


def _kubeconfig_option(kubeconfig, explicit_endpoint, environ):
    """The kubeconfig to load: the option (a path, a dict, or JSON text), else KUBECONFIG / ~/.kube/config."""
    if isinstance(kubeconfig, str) and kubeconfig.strip().startswith("{"):
        try:
            kubeconfig = json.loads(kubeconfig)
        except ValueError:
            raise K8sConfigError("kubeconfig looks like JSON but does not parse; pass a path or a dict.", None,
                                 "KubeconfigInvalid")
    if kubeconfig is not None and not isinstance(kubeconfig, (dict, str)):
        raise K8sConfigError("kubeconfig must be a file path or a dict, got %s." % type(kubeconfig).__name__,
                             None, "KubeconfigInvalid")
    if kubeconfig is None and not explicit_endpoint:
        kubeconfig = _default_kubeconfig(environ)
    if isinstance(kubeconfig, str) and kubeconfig:
        kubeconfig = _kubeconfig_path(kubeconfig)
    return kubeconfig


def _load_configuration(kubeconfig, context, explicit_endpoint, environ):
    """(configuration, label or None) from the kubeconfig, or an empty one for an explicit host."""
    try:
        light = _light_connection(kubeconfig, context) if kubeconfig else None
        if light is not None:
            return light
        if explicit_endpoint:
            return light_kubeconfig.Connection(), None
        return _kubernetes_configuration(kubeconfig, context, environ), (None if kubeconfig else "in-cluster")
    except K8sConfigError:
        raise
    except Exception as err:  # ConfigException, YAML errors, missing keys: all mean "this kubeconfig is unusable"
        where = "<dict>" if isinstance(kubeconfig, dict) else (kubeconfig or "in-cluster service account")
        names = _context_names(kubeconfig)[0] if kubeconfig else []
        if context and names and context not in names:
            shown = [n for n in names if n]
            listed = ", ".join(shown[:20]) + (" and %d more" % (len(shown) - 20) if len(shown) > 20 else "")
            raise K8sConfigError("context '%s' is not in kubeconfig %s; contexts in it: %s. Set context to one of them."
                                 % (context, where, listed), None, "UnknownContext")
        raise K8sConfigError("kubeconfig %s cannot be used%s: %s. Fix the file or pass another kubeconfig." % (
            where, (" with context '%s'" % context) if context else "", one_line(str(err)) or type(err).__name__),
            None, "KubeconfigInvalid")


def _apply_explicit_settings(configuration, auth):
    """Explicit settings (options or K8S_AUTH_*) override whatever the kubeconfig said."""
    if auth.get("host"):
        configuration.host = auth["host"].rstrip("/")
    if auth.get("api_key"):
        key = auth["api_key"]
        token = key if key.lower().startswith("bearer ") else "Bearer " + key
        # Newer kubernetes clients read "BearerToken", older ones "authorization".
        configuration.api_key = {"BearerToken": token, "authorization": token}
        configuration.api_key_prefix = {}
        # The kubeconfig loader's refresh hook would put the kubeconfig user's token back.
        configuration.refresh_api_key_hook = None
    if auth.get("validate_certs") is not None:
        configuration.verify_ssl = bool(auth["validate_certs"])
    if auth.get("ca_cert"):
        configuration.ssl_ca_cert = os.path.expanduser(auth["ca_cert"])
    if auth.get("client_cert"):
        configuration.cert_file = os.path.expanduser(auth["client_cert"])
    if auth.get("client_key"):
        configuration.key_file = os.path.expanduser(auth["client_key"])
    if auth.get("proxy"):
        configuration.proxy = auth["proxy"]
    for option, attr in (("ca_cert", "ssl_ca_cert"), ("client_cert", "cert_file"), ("client_key", "key_file")):
        path = getattr(configuration, attr, None)
        if auth.get(option) and not os.path.exists(path):
            raise K8sConfigError("%s file %s does not exist; fix the %s option or %s." % (
                option, path, option, AUTH_ENV_VARS[option]), None, "FileMissing")


def _cache_key(auth):
    return json.dumps(auth, sort_keys=True, default=str)


_CLIENTS = {}


def get_client(params, environ=None):
    """One K8sClient per distinct (kubeconfig, context, host, credentials, ...) within a process."""
    auth = resolve_auth(params, environ)
    key = _cache_key(auth)
    if key not in _CLIENTS:
        configuration, label = build_configuration(auth, environ)
        _CLIENTS[key] = K8sClient(configuration, label)
    return _CLIENTS[key]


def _api_prefix(api_version):
    return "/api/v1" if api_version == "v1" else "/apis/" + api_version.strip("/")


def _pool_manager(configuration):
    """urllib3 pool with the connection's TLS, client-certificate and proxy settings."""
    if not isinstance(configuration, light_kubeconfig.Connection):
        # A kubernetes Configuration: its REST layer builds the pool the same way.
        return _kubernetes()[0].ApiClient(configuration).rest_client.pool_manager
    kwargs = {"num_pools": 4, "maxsize": 4}
    if configuration.verify_ssl:
        kwargs["cert_reqs"] = "CERT_REQUIRED"
        ca_file = configuration.ssl_ca_cert
        if not ca_file:
            try:
                import certifi  # pylint: disable=import-outside-toplevel
                ca_file = certifi.where()
            except ImportError:  # urllib3 then uses the system's trust store
                ca_file = None
        if ca_file:
            kwargs["ca_certs"] = ca_file
        if configuration.tls_server_name:
            kwargs["server_hostname"] = configuration.tls_server_name
            kwargs["assert_hostname"] = configuration.tls_server_name
    else:
        kwargs["cert_reqs"] = "CERT_NONE"
        kwargs["assert_hostname"] = False
    if configuration.cert_file:
        kwargs["cert_file"] = configuration.cert_file
    if configuration.key_file:
        kwargs["key_file"] = configuration.key_file
    if configuration.proxy:
        return urllib3.ProxyManager(configuration.proxy, **kwargs)
    return urllib3.PoolManager(**kwargs)


class K8sClient:
    """Plain-dict CRUD + watch against one cluster. Errors are raised as K8sApiError subclasses."""

    def __init__(self, configuration, context, pool_manager=None, retry_attempts=DEFAULT_RETRY_ATTEMPTS,
                 request_timeout=DEFAULT_REQUEST_TIMEOUT, sleep=time.sleep):
        self.configuration = configuration
        self._context = context
        if pool_manager is None:
            pool_manager = _pool_manager(configuration)
        self._pool = pool_manager
        # The one retry policy: which verbs and failures are sent again, how often, after how long.
        self.retry = RetryPolicy(retry_attempts, sleep=sleep)
        self.request_timeout = request_timeout
        self._discovered = {}

    @property
    def retry_attempts(self):
        return self.retry.attempts

    @retry_attempts.setter
    def retry_attempts(self, attempts):
        self.retry.attempts = max(1, int(attempts))

    @property
    def context(self):
        """The context (or host) name used in messages."""
        return self._context

    @property
    def host(self):
        return self.configuration.host

    # -- plumbing ---------------------------------------------------------------------------------

    def _headers(self, content_type=None):
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        # auth_settings() runs token refresh hooks (exec plugins, expiring service-account tokens) and knows
        # where this kubernetes client version keeps the token ("BearerToken" or "authorization").
        for setting in self.configuration.auth_settings().values():
            if setting.get("in") == "header" and setting.get("value"):
                key = setting["key"]
                headers["Authorization" if key.lower() == "authorization" else key] = setting["value"]
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def _send(self, method, path, query=None, body=None, content_type=None, target="", action="", stream=False,
              timeout=None):
        url = self.configuration.host.rstrip("/") + path
        query = [(k, v) for k, v in (query or []) if v is not None]
        if query:
            url += "?" + urlencode(query)
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            content_type = content_type or "application/json"
        if stream:
            read_timeout = (timeout or 0) + 30 if timeout else None
            tmo = urllib3.Timeout(connect=min(15, self.request_timeout), read=read_timeout)
        else:
            tmo = urllib3.Timeout(connect=min(15, self.request_timeout), read=timeout or self.request_timeout)
        try:
            resp = self._pool.request(method, url, body=data, headers=self._headers(content_type),
                                      preload_content=False, timeout=tmo, retries=False)
        except Exception as err:  # urllib3 / socket / ssl failures: classified below
            raise error_from_exception(err, self._context, self.configuration.host, target, action)
        if resp.status >= 400:
            try:
                payload = resp.read()
            except Exception:
                payload = b""
            resp.release_conn()
            raise error_from_status(resp.status, payload, self._context, target, action)
        if stream:
            return resp
        try:
            payload = resp.read()
        except Exception as err:
            raise error_from_exception(err, self._context, self.configuration.host, target, action)
        finally:
            resp.release_conn()
        if not payload:
            return {}
        try:
            return json.loads(payload)
        except ValueError:
            raise K8sApiError("%s %s on context '%s': the API server answered with non-JSON content; check that "
                              "host points at a Kubernetes API server." % (action, target, self._context),
                              resp.status, "BadResponse", {"body": payload[:200].decode("utf-8", "replace")})

    def _call(self, method, path, verb=None, landed=None, **kwargs):
        """One request under the retry policy; verb is what the policy judges (LIST for a collection GET)."""
        return self.retry.run(verb or method, lambda: self._send(method, path, **kwargs), body=kwargs.get("body"),
                              landed=landed)

    def resource(self, api_version, kind):
        """(plural, namespaced) for a kind: from the built-in table, else one cached discovery call."""
        known = BUILTIN_RESOURCES.get((api_version, kind))
        if known:
            return known
        if api_version not in self._discovered:
            doc = self._call("GET", _api_prefix(api_version), target="API group %s" % api_version,
                             action="discover")
            self._discovered[api_version] = doc.get("resources") or []
        for res in self._discovered[api_version]:
            if res.get("kind") == kind and "/" not in res.get("name", ""):
                return res["name"], bool(res.get("namespaced"))
        raise K8sNotFoundError(
            "kind %s is not served by %s on context '%s'. Install its CRD or fix apiVersion/kind." % (
                kind, api_version, self._context), 404, "NotFound", {"api_version": api_version, "kind": kind})

    def path(self, api_version, kind, namespace=None, name=None, subresource=None):
        plural, namespaced = self.resource(api_version, kind)
        parts = [_api_prefix(api_version)]
        if namespaced and namespace:
            parts.append("/namespaces/" + quote(namespace, safe=""))
        elif namespaced and name:
            raise K8sConfigError("%s is namespaced: set namespace." % describe_object(kind, None, name), None,
                                 "NamespaceRequired")
        parts.append("/" + plural)
        if name:
            parts.append("/" + quote(name, safe=""))
        if subresource:
            parts.append("/" + subresource.strip("/"))
        return "".join(parts)

    @staticmethod
    def _identity(obj):
        if not isinstance(obj, dict) or not obj.get("apiVersion") or not obj.get("kind"):
            raise K8sConfigError("the object needs apiVersion and kind (got %s)." % (
                sorted(obj) if isinstance(obj, dict) else type(obj).__name__), None, "BadObject")
        meta = obj.get("metadata") or {}
        return obj["apiVersion"], obj["kind"], meta.get("namespace"), meta.get("name")

    # -- the API the modules use ------------------------------------------------------------------

    def get(self, api_version, kind, namespace, name):
        """The object, or None when it does not exist."""
        target = describe_object(kind, namespace, name)
        path = self.path(api_version, kind, namespace, name)  # an unknown kind must raise, not look absent
        try:
            return self._call("GET", path, target=target, action="get")
        except K8sNotFoundError:
            return None

    def list(self, api_version, kind, namespace=None, label_selector=None, field_selector=None):
        """The XList body: items plus metadata.resourceVersion (usable to start a watch)."""
        query = [("labelSelector", label_selector), ("fieldSelector", field_selector)]
        return self._call("GET", self.path(api_version, kind, namespace), "LIST", query=query,
                          target=describe_object(kind, namespace), action="list")

    def create(self, obj, dry_run=False, field_manager=None):
        api_version, kind, namespace, name = self._identity(obj)
        query = [("dryRun", "All" if dry_run else None), ("fieldManager", field_manager)]
        landed = self._landed(api_version, kind, namespace, name)
        return self._call("POST", self.path(api_version, kind, namespace), landed=landed, query=query, body=obj,
                          target=describe_object(kind, namespace, name or "(generateName)"), action="create")

    def replace(self, obj, dry_run=False, field_manager=None):
        """PUT; a stale metadata.resourceVersion raises K8sConflictError."""
        api_version, kind, namespace, name = self._identity(obj)
        query = [("dryRun", "All" if dry_run else None), ("fieldManager", field_manager)]
        return self._call("PUT", self.path(api_version, kind, namespace, name), query=query, body=obj,
                          target=describe_object(kind, namespace, name), action="replace")

    def patch(self, api_version, kind, namespace, name, body, patch_type="merge", dry_run=False, subresource=None,
              field_manager=None, force=None):
        """patch_type: merge | strategic | json (a list of operations) | apply (server-side apply)."""
        if patch_type not in PATCH_CONTENT_TYPES:
            raise K8sConfigError("patch_type %r is not one of %s." % (patch_type, ", ".join(PATCH_CONTENT_TYPES)),
                                 None, "BadPatchType")
        if patch_type == "apply" and not field_manager:
            raise K8sConfigError("server-side apply needs a field_manager.", None, "BadPatchType")
        query = [("dryRun", "All" if dry_run else None), ("fieldManager", field_manager),
                 ("force", ("true" if force else "false") if force is not None else None)]
        target = describe_object(kind, namespace, name) + ((" (%s)" % subresource) if subresource else "")
        return self._call("PATCH", self.path(api_version, kind, namespace, name, subresource), query=query,
                          body=body, content_type=PATCH_CONTENT_TYPES[patch_type], target=target, action="patch")

    def _landed(self, api_version, kind, namespace, name):
        """How the retry policy finds out whether a create that failed half-way landed (None: it cannot)."""
        if name:
            return functools.partial(self.get, api_version, kind, namespace, name)
        if kind.endswith("Review"):
            return lambda: None  # a review is a question: asking it again is harmless
        return None  # generateName: a second create could make a second object

    def update(self, api_version, kind, namespace, name, mutate):
        """Read-modify-write under optimistic concurrency: a 409 re-reads the object and re-applies mutate."""
        return update_with_conflict_retry(self, api_version, kind, namespace, name, mutate,
                                          attempts=self.retry.attempts, sleep=self.retry.sleep)

    def delete(self, api_version, kind, namespace, name, propagation_policy="Background", dry_run=False):
        """The deleted object (or a Status), or None when it was already gone."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation_policy}
        query = [("dryRun", "All" if dry_run else None)]
        path = self.path(api_version, kind, namespace, name)
        try:
            return self._call("DELETE", path, query=query, body=body,
                              target=describe_object(kind, namespace, name), action="delete")
        except K8sNotFoundError:
            return None

    def watch(self, api_version, kind, namespace=None, name=None, label_selector=None, resource_version=None,
              timeout_seconds=None):
        """Yield (event_type, object) from a watch; ERROR events are raised (410 -> K8sGoneError)."""
        field_selector = "metadata.name=%s" % name if name else None
        query = [("watch", "true"), ("labelSelector", label_selector), ("fieldSelector", field_selector),
                 ("resourceVersion", resource_version),
                 ("timeoutSeconds", int(timeout_seconds) if timeout_seconds else None)]
        target = describe_object(kind, namespace, name)
        resp = self._send("GET", self.path(api_version, kind, namespace), query=query, target=target,
                          action="watch", stream=True, timeout=timeout_seconds)
        finished = False
        try:
            for line in _iter_lines(resp, self, target):
                event = json.loads(line)
                etype, obj = event.get("type"), event.get("object") or {}
                if etype == "ERROR":
                    raise error_from_status(obj.get("code") or 500, obj, self._context, target, "watch")
                yield etype, obj
            finished = True
        finally:
            if not finished:
                # The caller stopped early: an open watch cannot be drained, so drop its connection rather
                # than hand a half-read stream back to the pool.
                resp.close()
            resp.release_conn()


def _iter_lines(resp, client, target):
    buf = b""
    try:
        for chunk in resp.stream(None, decode_content=True):
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    yield line
    except Exception as err:  # a stream cut mid-way (timeout, reset) is a transport failure
        raise error_from_exception(err, client.context, client.host, target, "watch")
    if buf.strip():
        yield buf
