"""Per-kind registry strategies: defaulting, validation and spec/status rules, as the real
apiserver's pkg/registry/<group>/<kind>/strategy.go files define them."""
from __future__ import annotations

from .base import Strategy

_STRATEGIES: dict[str, Strategy] = {}
_DEFAULT = Strategy()


def register(resource: str, strategy: Strategy) -> None:
    _STRATEGIES[resource] = strategy


def strategy_for(rt) -> Strategy:
    s = _STRATEGIES.get(rt.name)
    if s is not None:
        return s
    if rt.is_crd:
        from .custom import CUSTOM_RESOURCE
        return CUSTOM_RESOURCE
    return _DEFAULT


def _load() -> None:
    # Importing the modules registers their strategies.
    from . import core, apps, crd, misc, volumes  # noqa: F401


_load()
