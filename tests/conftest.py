"""Make `ansible_collections.progressive.delivery` importable for pytest.

The collection is loaded from <repo>/.venv/collections, where setup-venv.sh links
ansible_collections/progressive/delivery to the checkout. When that link is missing (a fresh clone
before `make venv`, or a copy of the tree) a temporary one is made so tests still import the code
under test and not some other installed copy.
"""

import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _collections_root():
    root = os.path.join(REPO, ".venv", "collections")
    link = os.path.join(root, "ansible_collections", "progressive", "delivery")
    if os.path.isdir(link) and os.path.samefile(link, REPO):
        return root
    # The repo may itself sit at .../ansible_collections/progressive/delivery (ansible-test's copy).
    parts = REPO.split(os.sep)
    if parts[-3:-1] == ["ansible_collections", "progressive"] and parts[-1] == "delivery":
        return os.sep.join(parts[:-3])
    root = tempfile.mkdtemp(prefix="pd-collections-")
    os.makedirs(os.path.join(root, "ansible_collections", "progressive"))
    os.symlink(REPO, os.path.join(root, "ansible_collections", "progressive", "delivery"))
    return root


COLLECTIONS_ROOT = _collections_root()
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS_ROOT)
