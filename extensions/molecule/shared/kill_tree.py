"""SIGKILL a process and everything under it, like a crashed controller: ansible-playbook's workers
run in sessions of their own, so killing its process group would leave a module running on.

    kill_tree.py PID
"""

import contextlib
import os
import signal
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))
sys.path.insert(0, os.path.join(REPO, ".venv", "collections"))

from release_fleet import descendants  # noqa: E402  pylint: disable=wrong-import-position


def main():
    pid = int(sys.argv[1])
    victims = descendants(pid)
    # Stop the parent first so it cannot start new workers, then everything below it.
    for target in [pid] + list(reversed(victims)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)
    print("killed %d processes" % (1 + len(victims)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
