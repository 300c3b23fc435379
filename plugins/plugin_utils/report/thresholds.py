# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The threshold a gate measurement was judged against, for plotting it next to the value.

gate_check returns values and baselines but not the number the condition compared them with, so
the threshold is recomputed from the check's condition when it has the plain shape
``result <op> <expression>`` (or ``<expression> <op> result``) and the expression uses only
numbers, ``baseline``, the check's ``vars`` and + - * / min max abs. Anything else has no single
threshold (null): the board then shows the measurement's phase without a line.
"""

from __future__ import annotations

import ast
import math
import operator

_COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
# Seen from the other side: "0.05 >= result" is "result <= 0.05".
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_FUNCTIONS = {"min": min, "max": max, "abs": abs}


class _NotPlain(Exception):
    """The expression is not plain arithmetic over known numbers."""


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _NotPlain()
    if math.isnan(value) or math.isinf(value):
        raise _NotPlain()
    return float(value)


def _evaluate(node, names):
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise _NotPlain()
        return _number(names[node.id])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand, names)
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        try:
            return _ARITHMETIC[type(node.op)](_evaluate(node.left, names), _evaluate(node.right, names))
        except ZeroDivisionError:
            raise _NotPlain()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS \
            and node.args and not node.keywords:
        return float(_FUNCTIONS[node.func.id](*[_evaluate(arg, names) for arg in node.args]))
    raise _NotPlain()


def _as_number(value):
    """Check vars arrive as the user wrote them (Jinja may have made "0.05" a string)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _is_result(node):
    return isinstance(node, ast.Name) and node.id == "result"


def threshold(condition, baseline=None, variables=None):
    """Return ``(comparison, number)`` for a plain condition, e.g. ``("<=", 0.012)``, else ``(None, None)``.

    ``comparison`` is what the value must satisfy against the number to succeed (for a success
    condition) or to fail (for a failure condition): the caller knows which condition it passed.
    """
    if not isinstance(condition, str) or not condition.strip():
        return None, None
    try:
        tree = ast.parse(condition.strip(), mode="eval").body
    except SyntaxError:
        return None, None
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1 or type(tree.ops[0]) not in _COMPARISONS:
        return None, None
    comparison = _COMPARISONS[type(tree.ops[0])]
    left, right = tree.left, tree.comparators[0]
    if _is_result(right) and not _is_result(left):
        left, right, comparison = right, left, _MIRRORED[comparison]
    if not _is_result(left):
        return None, None
    names = dict(variables or {})
    if baseline is not None:
        names["baseline"] = baseline
    try:
        return comparison, _evaluate(right, names)
    except (_NotPlain, TypeError, ValueError, OverflowError):
        return None, None


def check_threshold(check_args, baseline=None):
    """The success threshold of one gate_check check (its module arguments), as threshold() returns it.

    A failure condition counts when there is no success condition: its comparison is turned round
    so the result always reads "the value must stay <op> number".
    """
    check_args = check_args or {}
    variables = dict((name, _as_number(value)) for name, value in (check_args.get("vars") or {}).items())
    comparison, number = threshold(check_args.get("success_condition"), baseline, variables)
    if comparison is None and check_args.get("failure_condition"):
        comparison, number = threshold(check_args.get("failure_condition"), baseline, variables)
        if comparison is not None:
            comparison = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[comparison]
    return comparison, number
