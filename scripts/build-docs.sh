#!/usr/bin/env bash
# `make docs`: the collection's docs site in build/docs/html, offline. antsibull-docs renders every module, plugin
# (inventory, callbacks, filters, lookups) and role argument spec of the checkout into reStructuredText; the
# guides in docs/ (Markdown), README.md and CHANGELOG.md are added under guides/; Sphinx (config in docs/site/)
# builds the HTML with warnings as errors.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/.venv/collections"
export ANSIBLE_CONFIG="$root/ansible.cfg"

out=${1:-build/docs}
rst="$out/rst"
rm -rf "$rst" "$out/html" "$out/doctrees"
mkdir -p "$rst"
chmod 700 "$rst"  # antsibull-docs writes only into a directory no one else can write to

antsibull-docs --config-file docs/site/antsibull-docs.cfg collection --use-current --cleanup everything \
  --dest-dir "$rst" progressive.delivery
cp docs/site/index.rst "$rst/index.rst"
# The local intersphinx inventory of the docs.ansible.com labels the pages link to (see conf.py).
python - docs/site/ansible-docs-inventory.txt "$rst/objects-ansible.inv" <<'PY'
import sys, zlib
lines = [line for line in open(sys.argv[1], encoding="utf-8") if line.strip() and not line.startswith("#")]
header = b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n# The remainder of this file is compressed using zlib.\n"
with open(sys.argv[2], "wb") as out:
    out.write(header + zlib.compress("".join(lines).encode()))
PY

mkdir -p "$rst/guides/rbac"
cp docs/*.md "$rst/guides/"
cp docs/rbac/README.md "$rst/guides/rbac/README.md"
cp README.md CHANGELOG.md "$rst/guides/"

sphinx-build -q -b html -d "$out/doctrees" -c docs/site -W --keep-going "$rst" "$out/html"
echo "docs: $out/html/index.html"
