#!/usr/bin/env bash
# Turns the collection's execution-environment metadata into an ansible-builder build context:
#   ee-context.sh [OUTPUT_DIR]   (default: ./build/ee)
# Builds the collection tarball, puts it beside docs/execution-environment.yml with a requirements.yml that
# installs it, and runs `ansible-builder create`. Building the image itself needs podman or docker:
#   ansible-builder build -f <OUTPUT_DIR>/definition/execution-environment.yml -c <OUTPUT_DIR>/context
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$root/build/ee}" && cd "${1:-$root/build/ee}" && pwd)
bin="$root/.venv/bin"

definition="$out/definition"
rm -rf "$definition" "$out/context"
mkdir -p "$definition"
"$bin/ansible-galaxy" collection build --force --output-path "$definition" "$root" >/dev/null
tarball=$(cd "$definition" && ls progressive-delivery-*.tar.gz)
cp "$root/docs/execution-environment.yml" "$definition/"
cat > "$definition/requirements.yml" <<YAML
---
collections:
  - name: collections/$tarball
    type: file
YAML
"$bin/ansible-builder" create -f "$definition/execution-environment.yml" --context "$out/context" --output-filename Containerfile
echo "ee-context: build context in $out/context (collection $tarball)"
