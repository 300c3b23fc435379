"""Split arithmetic: weight rounding (Argo Rollouts basic canary) and target resolution."""

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument
from ansible_collections.progressive.delivery.plugins.module_utils.release.split import (
    Split,
    canary_replicas_for_weight,
    resolve_target,
    split_for,
)


@pytest.mark.parametrize(
    "total, weight, expected",
    [
        (10, 41, 4),  # nearest pod, not ceil (Argo's documented example)
        (10, 45, 5),  # 4.5: tie -> the larger count
        (10, 10, 1),
        (10, 0, 0),
        (10, 100, 10),
        (10, 1, 1),  # 1-99% keeps at least one canary pod...
        (10, 99, 9),  # ...and at least one stable pod
        (3, 50, 2),  # 1.5: tie -> larger
        (3, 90, 2),  # 2.7 would round to 3 = N: one stable pod stays
        (4, 25, 1),
        (5, 20, 1),
        (5, 50, 3),  # 2.5 -> 3
        (1, 30, 0),  # a single pod: closest of 0% / 100%
        (1, 50, 1),  # tie -> larger
        (1, 100, 1),
        (0, 50, 0),
    ],
)
def test_weight_rounds_like_argo_rollouts(total, weight, expected):
    assert canary_replicas_for_weight(total, weight) == expected


def test_split_for_target_keeps_total():
    assert split_for(10, 3) == Split(7, 3)
    assert split_for(10, 3).total == 10
    assert Split(7, 3).weight() == 30


def test_explicit_canary_replicas_beyond_total_names_the_field():
    with pytest.raises(InvalidArgument) as err:
        resolve_target(5, Split(5, 1), canary_replicas=6)
    assert err.value.field == "canary_replicas"
    assert "0 to 5" in str(err.value)


@pytest.mark.parametrize(
    "current, completed, pending, expected",
    [
        (Split(5, 1), None, None, 1),  # first step after creation: only the stable gives a pod
        (Split(4, 1), 1, None, 2),  # then one pod moves per step
        (Split(3, 2), 2, None, 3),
        (Split(0, 5), 5, None, 5),  # capped at N
        (Split(4, 2), 1, 2, 2),  # an interrupted step to 2 is finished, never stepped past
        (Split(5, 0), None, None, 1),  # canary started with 0 pods
    ],
)
def test_next_step_moves_one_pod_and_never_twice(current, completed, pending, expected):
    assert resolve_target(5, current, next_step=True, last_completed_target=completed,
                          pending_target=pending) == expected


def test_next_step_size():
    assert resolve_target(10, Split(8, 2), next_step=True, step_size=3, last_completed_target=2) == 5
    assert resolve_target(10, Split(2, 8), next_step=True, step_size=3, last_completed_target=8) == 10


def test_weight_target_uses_recorded_total():
    assert resolve_target(10, Split(10, 1), weight=25) == 3  # 2.5 -> 3
