#!/usr/bin/env bash
# ansible-test bootstraps pip in the virtualenvs it creates (sanity --venv, units --venv) by running
# get-pip.py, which it downloads from ci-files.testing.ansible.com into ~/.ansible/test/cache/get_pip_<ver>.py
# unless that file is already there. This machine cannot reach that host, so this script puts an offline
# stand-in there for every pip version the installed ansible-test asks for: it bootstraps pip with the
# interpreter's own ensurepip and then installs what ansible-test requested (e.g. pip==25.2) from the
# configured package index.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"

# The versions the installed ansible-test pins (python_requirements.py: get_venv_packages), plus recent
# ones so a newer ansible-core in .venv keeps working until this script is re-run.
versions=$(grep -hoE "pip=['\"][0-9][0-9.]*['\"]" \
  "$root"/.venv/lib/python*/site-packages/ansible_test/_internal/python_requirements.py 2>/dev/null \
  | grep -oE "[0-9][0-9.]*" | sort -u || true)
for v in $versions 24.0 24.2 24.3.1 25.0.1 25.1.1 25.2 25.3; do
  f="$cache/get_pip_${v//./_}.py"
  cat > "$f.tmp" <<'PY'
"""Offline stand-in for get-pip.py (installed by progressive.delivery's scripts/install-get-pip-standin.sh).

ansible-test runs it as `python get-pip.py <pip options> pip==X --no-setuptools --no-wheel`: bootstrap pip
with ensurepip, then let that pip install the requested packages from the configured index.
"""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
# get-pip.py's own switches (--no-setuptools, --no-wheel) mean "do not install those": pip has no such option.
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
if any(not a.startswith("-") for a in args):
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args])
PY
  mv "$f.tmp" "$f"
done
