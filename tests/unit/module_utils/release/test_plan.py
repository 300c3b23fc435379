"""Order of operations: capacity never below N - max_unavailable, in every order and direction."""

import itertools

import pytest

from ansible_collections.progressive.delivery.plugins.module_utils.release.errors import InvalidArgument
from ansible_collections.progressive.delivery.plugins.module_utils.release.plan import Move, plan_moves
from ansible_collections.progressive.delivery.plugins.module_utils.release.split import Split


def simulate(current, moves):
    """Worst-case ready pods after each move: shrinks count at once, growth only once it is waited for."""
    ready = {"stable": current.stable, "canary": current.canary}
    lowest = ready["stable"] + ready["canary"]
    for move in moves:
        if move.replicas < ready[move.role]:
            ready[move.role] = move.replicas
        else:
            assert move.wait_ready, "growth must be waited for before the next move: %r" % (move,)
            ready[move.role] = move.replicas
        lowest = min(lowest, ready["stable"] + ready["canary"])
    return ready, lowest


def test_default_order_grows_canary_waits_then_shrinks_stable():
    assert plan_moves(Split(4, 1), Split(3, 2), total=5) == [Move("canary", 2, True), Move("stable", 3, False)]


def test_first_step_after_creation_only_shrinks_the_stable():
    assert plan_moves(Split(5, 1), Split(4, 1), total=5) == [Move("stable", 4, False)]


def test_stepping_back_grows_the_stable_first():
    assert plan_moves(Split(2, 3), Split(4, 1), total=5) == [Move("stable", 4, True), Move("canary", 1, False)]


def test_no_moves_when_already_there():
    assert plan_moves(Split(3, 2), Split(3, 2), total=5) == []


def test_down_first_is_the_methods_order_in_chunks():
    moves = plan_moves(Split(4, 1), Split(2, 3), total=5, max_unavailable=1, order="down_first")
    assert moves == [Move("stable", 3, False), Move("canary", 2, True), Move("stable", 2, False),
                     Move("canary", 3, True)]


def test_down_first_needs_max_unavailable():
    with pytest.raises(InvalidArgument) as err:
        plan_moves(Split(4, 1), Split(3, 2), total=5, max_unavailable=0, order="down_first")
    assert err.value.field == "order"
    assert "max_unavailable" in str(err.value)


def test_unknown_order_and_negative_max_unavailable_are_refused():
    with pytest.raises(InvalidArgument, match="order"):
        plan_moves(Split(4, 1), Split(3, 2), total=5, order="sideways")
    with pytest.raises(InvalidArgument, match="max_unavailable"):
        plan_moves(Split(4, 1), Split(3, 2), total=5, max_unavailable=-1)


@pytest.mark.parametrize("order, max_unavailable", [
    ("up_first", 0), ("up_first", 2), ("down_first", 1), ("down_first", 2), ("down_first", 3)])
def test_every_transition_keeps_the_floor_and_lands_on_target(order, max_unavailable):
    total = 6
    splits = [Split(total - k, k) for k in range(total + 1)] + [Split(total, 1), Split(total, 2)]
    for current, target in itertools.product(splits, repeat=2):
        if target.total != total:
            continue
        moves = plan_moves(current, target, total, max_unavailable, order)
        ready, lowest = simulate(current, moves)
        assert ready == {"stable": target.stable, "canary": target.canary}, (current, target, moves)
        floor = min(total - max_unavailable, current.total)
        assert lowest >= floor, (current, target, moves)
