"""pytest fixtures that run a simulated fleet in-process (registered through the `pytest11` entry point).

The full fixture set (fleetsim_fleet, prometheus) is built on fleetsim.fleet_runtime; the module is
importable on its own so pytest always loads it, even before the runtime exists.
"""
from __future__ import annotations
