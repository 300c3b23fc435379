# -*- coding: utf-8 -*-
# Copyright: (c) 2026, progressive.delivery contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small, safe expression language for success/failure conditions.

Conditions are parsed with Python's ``ast`` and interpreted by walking the tree: nothing
is ever passed to ``eval``/``compile``. Allowed: numbers, strings, booleans, lists,
comparisons (``< <= > >= == != in not in``), ``and``/``or``/``not``, ``+ - * / // %``,
unary minus, indexing with a constant (``result[0]``, ``labels['pod']``), the names the
check declares, and the functions in ``FUNCTIONS``. Everything else is rejected when the
check is parsed, before any measurement or wait.
"""

from __future__ import annotations

import ast
import math
import operator

from ansible_collections.progressive.delivery.plugins.module_utils.gates.measurement import format_value


class ConditionError(ValueError):
    """The condition text is not valid (raised while parsing the check)."""


class ConditionEvaluationError(ValueError):
    """The condition could not be evaluated for these values (e.g. division by zero)."""


def _isnan(value):
    return isinstance(value, float) and math.isnan(value)


def _as_list(name, values):
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = values[0]
    if not values:
        raise ConditionEvaluationError("%s() of an empty list" % name)
    return list(values)


def _min(*values):
    return min(_as_list("min", values))


def _max(*values):
    return max(_as_list("max", values))


FUNCTIONS = {
    "len": len,
    "all": all,
    "any": any,
    "min": _min,
    "max": _max,
    "abs": abs,
    "sum": sum,
    "round": round,
    "isnan": _isnan,
}

CONSTANTS = {
    "nan": float("nan"),
    "inf": float("inf"),
    "true": True,
    "false": False,
    "null": None,
}

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}

_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}

_UNARY = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}

_SYMBOLS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<",
    ast.RShift: ">>", ast.MatMult: "@", ast.Is: "is", ast.IsNot: "is not", ast.Invert: "~",
}

# Longest condition accepted: conditions are one-liners; this bounds parsing work.
MAX_LENGTH = 2000


class Condition(object):
    """A parsed condition. ``names`` are the variable names it may use besides constants."""

    def __init__(self, text, names):
        if not isinstance(text, str) or not text.strip():
            raise ConditionError("the condition is empty; write e.g. 'result <= 0.01'")
        if len(text) > MAX_LENGTH:
            raise ConditionError("the condition is longer than %d characters" % MAX_LENGTH)
        self.text = text.strip()
        self.names = frozenset(names)
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            raise ConditionError(
                "'%s' is not a valid expression (%s at column %s)"
                % (self.text, exc.msg, exc.offset)
            )
        self._tree = tree.body
        self._validate(self._tree)
        self.used_names = frozenset(
            node.id for node in ast.walk(self._tree) if isinstance(node, ast.Name)
        ) - frozenset(FUNCTIONS) - frozenset(CONSTANTS)

    def __repr__(self):
        return "Condition(%r)" % self.text

    # -- parse-time validation -------------------------------------------------------------
    def _reject(self, what):
        raise ConditionError(
            "'%s' uses %s, which conditions do not allow (allowed: comparisons, and/or/not, "
            "+ - * / // %%, numbers, strings, lists, the names %s, and the functions %s)"
            % (self.text, what, ", ".join(sorted(self.names)) or "(none)",
               ", ".join(sorted(FUNCTIONS)))
        )

    def _validate(self, node):
        """Walk the parsed condition: every node must be one of the allowed kinds, checked by its own method."""
        check = self._CHECKS.get(type(node))
        if check is None:
            kinds = {
                ast.Attribute: "attribute access ('.')",
                ast.Lambda: "lambda",
                ast.IfExp: "'x if c else y'",
                ast.Dict: "a dict literal",
            }
            self._reject(kinds.get(type(node), "a %s expression" % type(node).__name__))
        check(self, node)

    def _check_constant(self, node):
        if not isinstance(node.value, (int, float, str, bool, type(None))):
            self._reject("the literal %r" % (node.value,))

    def _check_name(self, node):
        if node.id not in self.names and node.id not in CONSTANTS:
            if node.id in FUNCTIONS:
                self._reject("the function '%s' without calling it" % node.id)
            raise ConditionError(
                "'%s' uses the unknown name '%s' (known: %s)"
                % (self.text, node.id, ", ".join(sorted(self.names | set(CONSTANTS))))
            )

    def _check_operator(self, op, allowed, what="the operator"):
        if type(op) not in allowed:
            self._reject("%s '%s'" % (what, _SYMBOLS.get(type(op), type(op).__name__)))

    def _check_bool_op(self, node):
        for value in node.values:
            self._validate(value)

    def _check_bin_op(self, node):
        self._check_operator(node.op, _BINARY)
        self._validate(node.left)
        self._validate(node.right)

    def _check_unary_op(self, node):
        self._check_operator(node.op, _UNARY)
        self._validate(node.operand)

    def _check_compare(self, node):
        for op in node.ops:
            self._check_operator(op, _COMPARE, "the comparison")
        self._validate(node.left)
        for comparator in node.comparators:
            self._validate(comparator)

    def _check_call(self, node):
        if isinstance(node.func, ast.Attribute):
            self._reject("attribute access ('.')")
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else "a computed function"
            self._reject("a call to %s" % name)
        if node.keywords:
            self._reject("keyword arguments")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self._reject("'*' arguments")
            self._validate(arg)

    def _check_sequence(self, node):
        for element in node.elts:
            self._validate(element)

    def _check_subscript(self, node):
        index = node.slice
        index_type = getattr(ast, "Index", None)
        if index_type is not None and isinstance(index, index_type):  # Python < 3.9
            index = index.value
        if not isinstance(index, ast.Constant) or not isinstance(index.value, (int, str)):
            self._reject("an index that is not a constant number or string")
        self._validate(node.value)

    _CHECKS = {
        ast.Constant: _check_constant,
        ast.Name: _check_name,
        ast.BoolOp: _check_bool_op,
        ast.BinOp: _check_bin_op,
        ast.UnaryOp: _check_unary_op,
        ast.Compare: _check_compare,
        ast.Call: _check_call,
        ast.List: _check_sequence,
        ast.Tuple: _check_sequence,
        ast.Subscript: _check_subscript,
    }

    # -- evaluation --------------------------------------------------------------------------
    def evaluate(self, variables):
        """Return the truth of the condition for ``variables`` (a dict of the declared names)."""
        try:
            return bool(self._eval(self._tree, variables))
        except ConditionEvaluationError as exc:
            raise ConditionEvaluationError("'%s': %s" % (self.text, exc))
        except ZeroDivisionError:
            raise ConditionEvaluationError("'%s': division by zero for %s"
                                           % (self.text, _describe(variables, self.used_names)))
        except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
            raise ConditionEvaluationError("'%s' cannot be evaluated for %s: %s"
                                           % (self.text, _describe(variables, self.used_names), exc))

    def _eval(self, node, env):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise ConditionEvaluationError("the name '%s' has no value here" % node.id)
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            value = None
            for child in node.values:
                value = self._eval(child, env)
                if bool(value) != is_and:  # short-circuit like Python
                    return value
            return value
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, env), self._eval(node.right, env)
            # Numbers only: "x" * 10**9 or list repetition would let a condition exhaust memory.
            for operand in (left, right):
                if not isinstance(operand, (int, float)):
                    raise ConditionEvaluationError(
                        "arithmetic needs numbers, got %s %s" % (type(operand).__name__, format_value(operand)))
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, env))
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, env)
            for op, comparator in zip(node.ops, node.comparators):
                right = self._eval(comparator, env)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.Call):
            return FUNCTIONS[node.func.id](*[self._eval(arg, env) for arg in node.args])
        if isinstance(node, ast.List):
            return [self._eval(element, env) for element in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self._eval(element, env) for element in node.elts)
        if isinstance(node, ast.Subscript):
            index = node.slice
            index_type = getattr(ast, "Index", None)
            if index_type is not None and isinstance(index, index_type):
                index = index.value
            return self._eval(node.value, env)[index.value]
        raise ConditionEvaluationError("unsupported expression")  # unreachable after _validate


def _describe(variables, names):
    shown = ["%s=%s" % (n, format_value(variables[n])) for n in sorted(names) if n in variables]
    return ", ".join(shown) or "these values"
