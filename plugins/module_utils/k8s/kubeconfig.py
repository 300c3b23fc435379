# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection settings from a kubeconfig, for the common cases, without importing ``kubernetes``.

Importing the ``kubernetes`` package costs every module process ~0.13 s and ~18 MB (it loads every
API model), which a fleet of hundreds of clusters pays once per cluster and task. A kubeconfig whose
user holds a token, a token file, a client certificate or a username/password is read here; anything
else (exec or auth-provider plugins, several files in KUBECONFIG, in-cluster service accounts) is left
to the ``kubernetes`` loader (``Unsupported``), so behaviour never depends on which path was taken.
"""

from __future__ import annotations

import atexit
import base64
import os
import tempfile

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False

# The keys of a kubeconfig user and cluster this loader understands; any other key means the
# kubernetes loader must decide.
USER_KEYS = frozenset(("token", "tokenFile", "client-certificate", "client-certificate-data", "client-key",
                       "client-key-data", "username", "password"))
CLUSTER_KEYS = frozenset(("server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify",
                          "tls-server-name", "proxy-url", "extensions", "disable-compression"))


class Unsupported(Exception):
    """The kubeconfig needs the kubernetes loader (exec/auth-provider plugins, merged files...)."""


class KubeconfigError(Exception):
    """The kubeconfig cannot be used; the message says why (the caller adds where)."""


class Connection(object):
    """The settings the REST client needs, with the attribute names of kubernetes.client.Configuration."""

    def __init__(self, host=None):
        self.host = host
        self.api_key = {}
        self.verify_ssl = True
        self.ssl_ca_cert = None
        self.ca_cert_data = None
        self.cert_file = None
        self.key_file = None
        self.proxy = None
        self.tls_server_name = None
        self.refresh_api_key_hook = None

    def auth_settings(self):
        """Same shape as kubernetes.client.Configuration.auth_settings()."""
        value = self.api_key.get("BearerToken") or self.api_key.get("authorization")
        if not value:
            return {}
        return {"BearerToken": {"type": "api_key", "in": "header", "key": "authorization", "value": value}}


# Parsed kubeconfig files by (path, mtime, size): a fleet's kubeconfig of hundreds of contexts is
# parsed once per process, not once per cluster.
_PARSED = {}
_TEMP_FILES = {}


def _remove_temp_files():
    for path in _TEMP_FILES.values():
        try:
            os.remove(path)
        except OSError:
            pass


atexit.register(_remove_temp_files)


def _data_file(data, what):
    """A private temp file holding base64 `data` (ssl needs a file for a client key); one per content."""
    if data not in _TEMP_FILES:
        try:
            content = base64.standard_b64decode(data)
        except (TypeError, ValueError):
            raise KubeconfigError("%s is not valid base64" % what)
        handle, path = tempfile.mkstemp(prefix="progressive-delivery-", suffix=".pem")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        _TEMP_FILES[data] = path
    return _TEMP_FILES[data]


def read_file(path):
    """The parsed kubeconfig file (cached); Unsupported for a KUBECONFIG-style list of files."""
    if os.pathsep in path or not HAS_YAML:
        raise Unsupported("several kubeconfig files")
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            with open(path) as handle:
                _PARSED[key] = yaml.load(handle, Loader=loader)  # nosec B506 - a safe loader
        except yaml.YAMLError as err:
            raise KubeconfigError("it is not valid YAML (%s)" % str(err).splitlines()[0])
    return _PARSED[key]


def _named(config, section, name):
    for item in config.get(section) or []:
        if isinstance(item, dict) and item.get("name") == name:
            return item
    return None


def context_names(config):
    return [c.get("name") for c in config.get("contexts") or [] if isinstance(c, dict)]


def connection_from(config, context=None, base_dir=None):
    """A Connection for `context` (default: current-context) of a parsed kubeconfig."""
    if not isinstance(config, dict):
        raise KubeconfigError("it is not a kubeconfig mapping (apiVersion, clusters, contexts, users)")
    name = context or config.get("current-context")
    if not name:
        raise KubeconfigError("it names no current-context and no context was given")
    entry = _named(config, "contexts", name)
    if entry is None:
        raise KubeconfigError("context '%s' is not in it" % name)
    ctx = entry.get("context") or {}
    cluster_entry = _named(config, "clusters", ctx.get("cluster"))
    if cluster_entry is None:
        raise KubeconfigError("context '%s' names cluster '%s', which it does not define" % (name, ctx.get("cluster")))
    cluster = cluster_entry.get("cluster") or {}
    user = {}
    if ctx.get("user"):
        user = (_named(config, "users", ctx["user"]) or {}).get("user") or {}
    if set(cluster) - CLUSTER_KEYS or set(user) - USER_KEYS:
        raise Unsupported("exec/auth-provider or other plugin settings")
    if not cluster.get("server"):
        raise KubeconfigError("cluster '%s' has no server" % ctx.get("cluster"))

    def local_path(path):
        path = os.path.expanduser(path)
        return path if os.path.isabs(path) or not base_dir else os.path.join(base_dir, path)

    conn = Connection(cluster["server"].rstrip("/"))
    conn.verify_ssl = not cluster.get("insecure-skip-tls-verify", False)
    if cluster.get("certificate-authority-data"):
        conn.ssl_ca_cert = _data_file(cluster["certificate-authority-data"], "certificate-authority-data")
    elif cluster.get("certificate-authority"):
        conn.ssl_ca_cert = local_path(cluster["certificate-authority"])
    conn.tls_server_name = cluster.get("tls-server-name")
    conn.proxy = cluster.get("proxy-url")
    token = user.get("token")
    if not token and user.get("tokenFile"):
        try:
            with open(local_path(user["tokenFile"])) as handle:
                token = handle.read().strip()
        except (IOError, OSError) as err:
            raise KubeconfigError("its tokenFile %s cannot be read (%s)" % (user["tokenFile"], err))
    if token:
        conn.api_key = {"BearerToken": "Bearer " + token, "authorization": "Bearer " + token}
    elif user.get("username") is not None and user.get("password") is not None:
        # As the kubernetes loader does: basic auth travels in the same authorization header.
        raw = ("%s:%s" % (user["username"], user["password"])).encode("utf-8")
        conn.api_key = {"authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
    for kind, attr in (("client-certificate", "cert_file"), ("client-key", "key_file")):
        if user.get(kind + "-data"):
            setattr(conn, attr, _data_file(user[kind + "-data"], kind + "-data"))
        elif user.get(kind):
            setattr(conn, attr, local_path(user[kind]))
    for attr in ("ssl_ca_cert", "cert_file", "key_file"):
        path = getattr(conn, attr)
        if path and not os.path.exists(path):
            raise KubeconfigError("the file %s it names does not exist" % path)
    return conn, name
