# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs shared by every module of the collection.

The auth options mirror kubernetes.core's ``k8s_auth_options`` doc fragment (same names, aliases and
``K8S_AUTH_*`` environment variables) so playbooks can move between the two collections unchanged.
The environment fallback is applied by ``client.resolve_auth`` so that the precedence
*module argument > environment > kubeconfig* holds for modules and for direct Python callers alike.
"""

from __future__ import annotations

# Option name -> environment variable read when the option is not set (kubernetes.core's names).
AUTH_ENV_VARS = {
    "kubeconfig": "K8S_AUTH_KUBECONFIG",
    "context": "K8S_AUTH_CONTEXT",
    "host": "K8S_AUTH_HOST",
    "api_key": "K8S_AUTH_API_KEY",
    "validate_certs": "K8S_AUTH_VERIFY_SSL",
    "ca_cert": "K8S_AUTH_SSL_CA_CERT",
    "client_cert": "K8S_AUTH_CERT_FILE",
    "client_key": "K8S_AUTH_KEY_FILE",
    "proxy": "K8S_AUTH_PROXY",
}

AUTH_ARG_SPEC = {
    # A path to a kubeconfig file or the kubeconfig itself as a dict (raw keeps the dict intact).
    "kubeconfig": {"type": "raw"},
    "context": {"type": "str"},
    "host": {"type": "str"},
    "api_key": {"type": "str", "no_log": True},
    "validate_certs": {"type": "bool", "aliases": ["verify_ssl"]},
    "ca_cert": {"type": "path", "aliases": ["ssl_ca_cert"]},
    "client_cert": {"type": "path", "aliases": ["cert_file"]},
    # A path, not key material: the module may log it.
    "client_key": {"type": "path", "aliases": ["key_file"], "no_log": False},
    "proxy": {"type": "str"},
}

DEFAULT_WAIT_TIMEOUT = 600
DEFAULT_WAIT_SLEEP = 2

WAIT_ARG_SPEC = {
    "wait": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": DEFAULT_WAIT_TIMEOUT},
    "wait_sleep": {"type": "int", "default": DEFAULT_WAIT_SLEEP},
}
