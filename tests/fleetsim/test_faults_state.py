"""Fault state per cluster: validated shares, drawn per request, listeners on reachability."""
from __future__ import annotations

import random

import pytest

from fleetsim.faults import FaultError, FaultState


def test_shares_of_500_and_409_are_drawn_as_configured():
    faults = FaultState(rng=random.Random(3))
    faults.update(error_500=0.2, error_409=0.1, latency_s="250ms")
    decisions = [faults.draw() for _ in range(20_000)]
    share = {code: sum(d.status == code for d in decisions) / len(decisions)
             for code in (500, 409, None)}
    assert share[500] == pytest.approx(0.2, abs=0.015)
    assert share[409] == pytest.approx(0.1, abs=0.015)
    assert share[None] == pytest.approx(0.7, abs=0.015)
    assert {d.latency_s for d in decisions} == {0.25}


def test_clear_returns_to_normal_and_listeners_hear_about_reachability():
    seen = []
    faults = FaultState()
    faults.on_change(lambda state, changed: seen.append((state.unreachable, changed)))
    faults.update(unreachable=True)
    faults.update(error_500=0.5)
    assert faults.active
    faults.clear()
    assert seen == [(True, True), (True, False), (False, True)]
    assert faults.to_dict() == {"error_500": 0.0, "error_409": 0.0, "latency_s": 0.0,
                                "unreachable": False}
    assert faults.draw().status is None and not faults.active


@pytest.mark.parametrize("changes, message", [
    ({"error_500": 1.5}, "error_500: 1.5 is not a share of requests between 0 and 1"),
    ({"error_500": 0.7, "error_409": 0.6}, "cannot add up to more than 1"),
    ({"latency_s": "soon"}, "latency_s: 'soon' is not a duration"),
    ({"latency_s": -1}, "negative"),
    ({"unreachable": "yes"}, "unreachable: 'yes' is not true or false"),
    ({"error_503": 0.1}, "error_503: unknown fault"),
])
def test_invalid_faults_are_rejected_and_change_nothing(changes, message):
    faults = FaultState()
    with pytest.raises(FaultError, match=message):
        faults.update(**changes)
    assert not faults.active
