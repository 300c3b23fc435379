# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""List variables as the command line gives them.

``-e canary_release_weights=25,50,100`` makes the string ``"25,50,100"``, not a list: Ansible parses only
``-e '{"canary_release_weights": [25, 50, 100]}'`` (JSON) or ``-e @file.yml`` into lists. The filters
``progressive.delivery.list_var`` and ``progressive.delivery.waves`` turn such a string into the list the
roles expect, or refuse it with one line naming the variable and the form that works.

Accepted for a variable that needs a list:

- a list (returned as a plain list, its elements checked and converted);
- a string ``"25,50,100"`` or ``"1, 50%,100%"``: comma-separated items, spaces ignored;
- a string holding a JSON or YAML flow list: ``"[1, \\"100%\\"]"``, ``"[{name: http, port: 80}]"``.

Anything else (a number, a dictionary, an item of the wrong kind, an empty item as in ``"1,,2"``) raises
ListVarError, whose message is one line:
``canary_release_weights needs a list of whole numbers, e.g. -e '{"canary_release_weights": [10, 25, 50, 100]}' (got 'banana')``.
"""

from __future__ import annotations

import json
import re

import yaml

ELEMENTS = ("raw", "int", "str", "dict", "wave")

_ELEMENT_WORDS = {
    "raw": "",
    "int": " of whole numbers",
    "str": " of names",
    "dict": " of dictionaries",
    # The waves' message is the one the play's serial shows: kept short on purpose.
    "wave": "",
}

_INT = re.compile(r"^[+-]?[0-9]+$")
_SHARE = re.compile(r"^([+-]?[0-9]+)\s*%$")
_SHOWN_MAX = 120


class ListVarError(ValueError):
    """A value that is not (and does not parse into) the list a variable needs. ``str()`` is the message."""


def shown(value):
    """The value as the user gave it, on one line and not too long, for the '(got ...)' part of a message."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError):
            text = str(value)
    text = " ".join(text.split())
    if len(text) > _SHOWN_MAX:
        text = text[:_SHOWN_MAX - 3] + "..."
    return "'%s'" % text


def needs_a_list(name, example, value, elements="raw"):
    """The one-line refusal: what the variable needs, the -e form that gives it, what was given."""
    return ListVarError("%s needs a list%s, e.g. -e '%s' (got %s)"
                        % (name, _ELEMENT_WORDS.get(elements, ""), json.dumps({name: example}), shown(value)))


def _split(text):
    """Items of a string list: a JSON/YAML flow list, or comma-separated words; None when it is neither."""
    text = text.strip()
    if text.startswith("["):
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            return None
        return parsed if isinstance(parsed, list) else None
    if not text:
        return []
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        return None  # "1,,2", a trailing comma: probably a typo, never guessed at
    return items


def _element(item, elements, from_words):
    """item converted to the element kind; raises ValueError when it is not one."""
    if elements == "raw":
        if from_words and _INT.match(item):
            return int(item)
        return item
    if elements == "int":
        if isinstance(item, bool):
            raise ValueError(item)
        if isinstance(item, int):
            return item
        if isinstance(item, str) and _INT.match(item.strip()):
            return int(item.strip())
        raise ValueError(item)
    if elements == "str":
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ValueError(item)
        return str(item)
    if elements == "dict":
        if not isinstance(item, dict):
            raise ValueError(item)
        return dict(item)
    if elements == "wave":
        # What the play's serial understands: a cluster count or a share of the clusters ("50%").
        if isinstance(item, bool):
            raise ValueError(item)
        if isinstance(item, int):
            return item
        if isinstance(item, str):
            text = item.strip()
            if _INT.match(text):
                return int(text)
            share = _SHARE.match(text)
            if share:
                return "%d%%" % int(share.group(1))
        raise ValueError(item)
    raise ValueError("unknown element kind %r (one of %s)" % (elements, ", ".join(ELEMENTS)))


def parse_list(value, name, example, elements="raw"):
    """value as a list for variable `name` (see the module docstring); raises ListVarError."""
    if elements not in ELEMENTS:
        raise ListVarError("progressive.delivery.list_var: elements must be one of %s (got %s)"
                           % (", ".join(ELEMENTS), shown(elements)))
    from_words = False
    if isinstance(value, str):
        items = _split(value)
        if items is None:
            raise needs_a_list(name, example, value, elements)
        from_words = not value.strip().startswith("[")
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise needs_a_list(name, example, value, elements)
    try:
        return [_element(item, elements, from_words) for item in items]
    except ValueError:
        raise needs_a_list(name, example, value, elements)


WAVES_NAME = "multicluster_release_waves"
WAVES_EXAMPLE = [1, "100%"]


def parse_waves(value):
    """multicluster_release_waves as a list of cluster counts and shares, for the play's serial.

    A whole number alone (serial: 2 in a vars file) is one wave size, as serial takes it. Ranges (0,
    "150%") pass: the multicluster_release preflight names what is wrong with them.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    return parse_list(value, WAVES_NAME, WAVES_EXAMPLE, "wave")
