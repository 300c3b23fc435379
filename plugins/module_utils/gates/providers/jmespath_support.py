# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JMESPath compilation and truthiness shared by the jmespath and http providers."""

from __future__ import annotations

try:
    import jmespath
    from jmespath.exceptions import JMESPathError

    HAS_JMESPATH = True
    JMESPATH_IMPORT_ERROR = None
except ImportError as exc:  # jmespath is in requirements.txt; say so clearly if it is missing
    HAS_JMESPATH = False
    JMESPATH_IMPORT_ERROR = exc


def compile_expression(spec, field, text):
    """A compiled JMESPath expression, or spec.error naming the field and the parse problem."""
    if not HAS_JMESPATH:
        raise spec.error("%s needs the Python library jmespath (pip install jmespath): %s"
                         % (field, JMESPATH_IMPORT_ERROR))
    if not isinstance(text, str) or not text.strip():
        raise spec.error("%s: a JMESPath expression must be a non-empty string, got %r" % (field, text))
    try:
        return jmespath.compile(text)
    except JMESPathError as exc:
        raise spec.error("%s: '%s' is not a valid JMESPath expression: %s"
                         % (field, text, " ".join(str(exc).split())))


def is_truthy(value):
    """JMESPath's truth: false for null, false, "", [] and {}; numbers (even 0) are true."""
    if value is None or value is False:
        return False
    if isinstance(value, (str, list, dict)) and not value:
        return False
    return True
