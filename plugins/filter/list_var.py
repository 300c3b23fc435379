# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: list_var
version_added: "0.1.0"
author:
  - progressive.delivery contributors (@progressive-delivery)
short_description: A list variable as the command line gives it
description:
  - C(-e canary_release_weights=25,50,100) gives a role the string C("25,50,100"), not a list. This filter returns
    the list - from a list, from comma-separated items (spaces ignored) or from a JSON or YAML flow list in a
    string - with each element checked and converted to O(elements).
  - >-
    Anything else fails with one line naming the variable and a form that works, for example
    C(canary_release_weights needs a list of whole numbers, e.g. -e '{"canary_release_weights": [10, 25, 50, 100]}'
    (got 'banana')).
positional: name, example, elements
options:
  _input:
    description: The variable's value.
    type: raw
    required: true
  name:
    description: The variable's name, for the message.
    type: str
    required: true
  example:
    description: A good value, shown in the message as the C(-e) JSON form.
    type: raw
    required: true
  elements:
    description:
      - What each element must be. C(int) and C(wave) (a cluster count, or a share like C("50%")) convert
        numeric strings; C(str) converts numbers to strings; C(raw) converts whole numbers of a comma-separated
        string and keeps everything else.
    type: str
    default: raw
    choices: [raw, int, str, dict, wave]
notes:
  - An empty string gives an empty list; an empty item (C(1,,2), a trailing comma) is refused.
seealso:
  - plugin: progressive.delivery.waves
    plugin_type: filter
"""

EXAMPLES = r"""
# [25, 50, 100] from -e canary_release_weights=25,50,100, from -e '{"canary_release_weights": [25, 50, 100]}'
# and from -e 'canary_release_weights=[25, 50, 100]' alike
weights: "{{ canary_release_weights | progressive.delivery.list_var('canary_release_weights', [10, 25, 50, 100], 'int') }}"

# ["kube-system", "monitoring"] from "kube-system, monitoring"
namespaces: "{{ system_namespaces | progressive.delivery.list_var('system_namespaces', ['kube-system'], 'str') }}"
"""

RETURN = r"""
_value:
  description: The list, elements converted to O(elements).
  type: list
  elements: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.progressive.delivery.plugins.plugin_utils.list_vars import ListVarError, parse_list


def list_var(value, name, example, elements="raw"):
    try:
        return parse_list(value, name, example, elements)
    except ListVarError as err:
        raise AnsibleFilterError(str(err))


class FilterModule(object):
    def filters(self):
        return {"list_var": list_var}
