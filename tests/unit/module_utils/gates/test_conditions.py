"""The condition language: what it accepts, what it rejects (with a message), how it evaluates."""

from __future__ import annotations

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.gates.conditions import (
    Condition,
    ConditionError,
    ConditionEvaluationError,
)

NAMES = {"result", "baseline", "labels", "budget"}


@pytest.mark.parametrize("text, env, expected", [
    ("result <= 0.01", {"result": 0.005}, True),
    ("result <= 0.01", {"result": 0.02}, False),
    ("result <= baseline * 1.2 + 0.001", {"result": 0.0125, "baseline": 0.01}, True),
    ("result <= baseline * 1.2 + 0.001", {"result": 0.0131, "baseline": 0.01}, False),
    ("0 < result < 1", {"result": 0.5}, True),
    ("0 < result < 1", {"result": 1.5}, False),
    ("result >= budget and not isnan(result)", {"result": 3, "budget": 2}, True),
    ("result < 1 or result > 10", {"result": 5}, False),
    ("max(result) < 0.1", {"result": [0.01, 0.05]}, True),
    ("max(result) < 0.1", {"result": [0.01, 0.5]}, False),
    ("min(result, 3) == 3", {"result": 7}, True),
    ("len(result) == 2 and all(result)", {"result": [1, 2]}, True),
    ("any([result > 5, result < 0])", {"result": -1}, True),
    ("sum(result) / len(result) <= 2", {"result": [1, 2, 3]}, True),
    ("abs(result - baseline) < 0.001", {"result": 1.0004, "baseline": 1.0}, True),
    ("isnan(result)", {"result": float("nan")}, True),
    ("result == inf", {"result": float("inf")}, True),
    ("labels['version'] == 'v2' and result < 1", {"labels": {"version": "v2"}, "result": 0}, True),
    ("result[0] > 0", {"result": [1]}, True),
    ("result in ['ok', 'degraded']", {"result": "ok"}, True),
    ("result not in ('bad',)", {"result": "ok"}, True),
    ("result == true", {"result": True}, True),
    ("-result < 0", {"result": 2}, True),
    ("result % 2 == 1 and result // 2 == 1", {"result": 3}, True),
    ("round(result, 1) == 0.3", {"result": 0.3000001}, True),
])
def test_evaluates_like_the_arithmetic_it_spells(text, env, expected):
    assert Condition(text, NAMES).evaluate(env) is expected


def test_nan_compares_false_so_a_success_condition_on_nan_is_not_met():
    assert Condition("result <= 0.01", NAMES).evaluate({"result": float("nan")}) is False


@pytest.mark.parametrize("text, fragment", [
    ("__import__('os').system('id')", "attribute access"),
    ("__import__('os')", "a call to __import__"),
    ("result.__class__", "attribute access"),
    ("(lambda: 1)()", "a computed function"),
    ("result ** 1000000", "the operator '**'"),
    ("result if result else 0", "'x if c else y'"),
    ("{'a': 1}", "a dict literal"),
    ("[x for x in result]", "ListComp"),
    ("result is None", "the comparison 'is'"),
    ("result & 1", "the operator '&'"),
    ("max(result, key=abs)", "keyword arguments"),
    ("len(*result)", "'*' arguments"),
    ("result[baseline]", "an index that is not a constant"),
    ("open('/etc/passwd')", "a call to open"),
    ("max", "the function 'max' without calling it"),
])
def test_rejects_everything_but_the_small_language(text, fragment):
    with pytest.raises(ConditionError) as err:
        Condition(text, NAMES)
    assert fragment in str(err.value)
    assert text in str(err.value)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ConditionError, match=r"unknown name 'canary'.*baseline.*result"):
        Condition("canary < 1", {"result", "baseline"})


@pytest.mark.parametrize("text", ["", "   ", "result <=", "result === 1"])
def test_syntax_errors_and_empty_text_are_clear(text):
    with pytest.raises(ConditionError, match="empty|not a valid expression"):
        Condition(text, NAMES)


def test_division_by_zero_is_an_evaluation_error_naming_the_values():
    condition = Condition("result / baseline < 1.2", NAMES)
    with pytest.raises(ConditionEvaluationError, match=r"division by zero for baseline=0, result=0.5"):
        condition.evaluate({"result": 0.5, "baseline": 0})


def test_comparing_a_list_with_a_number_explains_the_type_problem():
    with pytest.raises(ConditionEvaluationError, match="cannot be evaluated for result=\\[1, 2\\]"):
        Condition("result < 3", NAMES).evaluate({"result": [1, 2]})


def test_min_of_an_empty_list_is_an_evaluation_error():
    with pytest.raises(ConditionEvaluationError, match=r"min\(\) of an empty list"):
        Condition("min(result) > 0", NAMES).evaluate({"result": []})


def test_short_circuit_avoids_evaluating_the_right_side():
    # 'baseline > 0 and ...' protects the division: the right side is never evaluated.
    assert Condition("baseline > 0 and result / baseline < 2", NAMES).evaluate(
        {"result": 1, "baseline": 0}) is False


def test_used_names_excludes_functions_and_constants():
    condition = Condition("isnan(result) or result < budget * inf", NAMES)
    assert condition.used_names == {"result", "budget"}


@pytest.mark.parametrize("env", [{"result": "x"}, {"result": [1]}])
def test_arithmetic_is_for_numbers_only(env):
    # String or list repetition could exhaust memory; conditions refuse it.
    with pytest.raises(ConditionEvaluationError, match="arithmetic needs numbers"):
        Condition("result * 1000000000 == 0", NAMES).evaluate(env)
