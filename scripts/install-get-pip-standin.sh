#!/usr/bin/env bash
# ansible-test downloads get-pip.py to bootstrap pip in its virtualenvs; this machine has no such
# internet. The stand-in uses ensurepip and then installs the arguments ansible-test passes.
set -euo pipefail
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
root=$(cd "$(dirname "$0")/.." && pwd)
pip_ver=$(grep -hoE 'pip_version="?[0-9.]+' "$root"/.venv/lib/python*/site-packages/ansible_test/_util/target/setup/bootstrap.sh 2>/dev/null | grep -oE '[0-9.]+' | head -1 || true)
for v in ${pip_ver:-} 24.0 24.2 24.3.1 25.0.1 25.1.1 25.2 25.3; do
  f="$cache/get_pip_${v//./_}.py"
  cat > "$f" <<'PY'
"""Offline stand-in for get-pip.py: bootstrap pip with ensurepip, then install what was asked."""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
args = [a for a in sys.argv[1:] if not a.startswith("--no-") or a in ("--no-cache-dir", "--no-deps")]
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args])
PY
done
