#!/usr/bin/env bash
# Creates .venv with the newest Python >= 3.11 on the machine, installs runtime + dev requirements,
# installs fleetsim, and links the checkout as the collection Ansible loads.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

pick_python() {
  local candidates=() p v
  for v in 3.14 3.13 3.12 3.11; do
    candidates+=("python$v")
    for p in "$HOME"/.pyenv/versions/"$v"*/bin/python"$v" /usr/local/bin/python"$v" /usr/bin/python"$v"; do
      [ -x "$p" ] && candidates+=("$p")
    done
  done
  candidates+=(python3)
  for p in "${candidates[@]}"; do
    command -v "$p" >/dev/null 2>&1 || [ -x "$p" ] || continue
    if "$p" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  echo "no Python >= 3.11 with venv/ensurepip found; install python3.12 (apt-get install python3-venv) and retry" >&2
  return 1
}

link_collection() {
  # The checkout is the collection Ansible loads: .venv/collections/ansible_collections/progressive/delivery -> checkout.
  mkdir -p .venv/collections/ansible_collections/progressive
  ln -sfn "$root" .venv/collections/ansible_collections/progressive/delivery
  # ansible-test bootstraps pip from the network; offline it needs a stand-in per pip version it asks for.
  bash scripts/install-get-pip-standin.sh
}

stamp=.venv/.installed
reqs_hash=$(cat requirements.txt requirements-dev.txt tools/fleetsim/pyproject.toml scripts/setup-venv.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$reqs_hash" ] && [ -x .venv/bin/ansible-playbook ]; then
  # Up to date; still cheap to repair a moved checkout or a wiped ~/.ansible/test/cache.
  link_collection
  exit 0
fi

if [ ! -x .venv/bin/python ]; then
  py=$(pick_python)
  echo "setup-venv: creating .venv with $("$py" --version 2>&1) ($py)"
  "$py" -m venv .venv
fi
pyver=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
.venv/bin/python -m pip install --quiet --upgrade pip wheel
core_pin="ansible-core"
# ansible-core 2.20+ needs Python 3.12+; on 3.11 hold to 2.19 (and the ansible release that goes with it).
if [ "$pyver" = "3.11" ]; then core_pin="ansible-core>=2.19,<2.20"; extra="ansible>=12,<13"; else extra="ansible"; fi
# --no-compile: the ansible package holds ~100 collections; byte-compiling all of them at install time took
# minutes of a fresh clone's `make test`.
.venv/bin/python -m pip install --quiet --no-compile -r requirements-dev.txt "$core_pin" "$extra" -e tools/fleetsim
# ...but everything else is byte-compiled now: where PYTHONDONTWRITEBYTECODE is set (CI images often set it) Python
# never writes what it compiles, and every process - each ansible-playbook run and fork, each module process, each
# fleetsim server - compiled ansible-core, urllib3, the kubernetes client... from source again. Measured: `import
# urllib3, yaml, jinja2` 0.26 s of CPU without .pyc files, 0.11 s with; ansible-playbook --version 0.71 s, 0.35 s.
# ~7,700 files, ~20 s once on 2 cores. The collections the ansible package carries are left out: Ansible's collection
# loader compiles a collection's code itself and never reads a .pyc.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
.venv/bin/python -m compileall -q -j 0 -x '/ansible_collections/' "$site" tools/fleetsim/fleetsim >/dev/null

link_collection

echo "$reqs_hash" > "$stamp"
echo "setup-venv: ready ($(.venv/bin/ansible --version | head -1), Python $pyver)"
