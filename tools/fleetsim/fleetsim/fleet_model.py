"""The fleet file's structure, defined once by the collection (plugins/plugin_utils/fleet/model.py).

The inventory plugin and fleetsim read the same file; both take the sets, environments, regions,
cluster names and their validation from that one definition, and fleetsim adds the values of its
simulation knobs on top (fleet.py). fleetsim lives in the collection's repository and is installed
from it, so the model is loaded by path rather than through an installed collection.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PACKAGE = "fleetsim._collection_fleet"
MODEL_DIR = Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "fleet"


def _load():
    if PACKAGE + ".model" in sys.modules:
        return sys.modules[PACKAGE + ".model"]
    spec = importlib.util.spec_from_file_location(PACKAGE, MODEL_DIR / "__init__.py",
                                                  submodule_search_locations=[str(MODEL_DIR)])
    if spec is None or not (MODEL_DIR / "model.py").is_file():
        raise ImportError(f"the collection's fleet model is not at {MODEL_DIR}: fleetsim runs from a "
                          "checkout of progressive.delivery (pip install -e tools/fleetsim)")
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    return importlib.import_module(PACKAGE + ".model")


model = _load()
FleetError = importlib.import_module(PACKAGE + ".errors").FleetError
