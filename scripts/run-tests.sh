#!/usr/bin/env bash
# `make test`: every check a change must pass, from a fresh clone. Exit status is non-zero on any failure.
#
#   1. system packages (scripts/setup-system.sh) and .venv (scripts/setup-venv.sh), created when missing
#   2. ansible-lint, production profile, offline (.ansible-lint)
#   3. ansible-test sanity, every test, no ignore files (see run_sanity below for how it runs offline)
#   4. pytest tests/unit, tests/fleetsim, tests/integration, tests/reliability -m reliability_fast
#      (each only when it has tests)
#   5. molecule scenarios in extensions/molecule (when there are any)
#
# Environment knobs for local iteration (the summary shows skipped steps): PD_ONLY="sanity" runs only the
# named steps, PD_SKIP="sanity molecule" skips them. Step names: ansible-lint sanity unit fleetsim
# integration reliability-fast molecule.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/.venv/collections"
export ANSIBLE_CONFIG="$root/ansible.cfg"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0

bash scripts/setup-system.sh || { echo "run-tests: system packages missing (see above)"; exit 1; }
bash scripts/setup-venv.sh || { echo "run-tests: could not build .venv (see above)"; exit 1; }

summary=()
failures=0
started=$SECONDS

record() {  # record <status> <name> <detail>
  summary+=("$(printf '%-5s %-22s %s' "$1" "$2" "$3")")
}

step() {  # step <name> <command...>
  local name=$1 t0=$SECONDS rc
  shift
  if [[ " ${PD_SKIP:-} " == *" $name "* ]] || { [ -n "${PD_ONLY:-}" ] && [[ " $PD_ONLY " != *" $name "* ]]; }; then
    record SKIP "$name" "(PD_SKIP/PD_ONLY)"
    return 0
  fi
  echo
  echo "===== $name: $*"
  step_detail=""
  "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    record PASS "$name" "$((SECONDS - t0))s${step_detail:+  ($step_detail)}"
  elif [ "$rc" -eq 75 ]; then  # EX_TEMPFAIL used below for "nothing to test here"
    record SKIP "$name" "no tests"
  else
    record FAIL "$name" "exit $rc after $((SECONDS - t0))s${step_detail:+  ($step_detail)}"
    failures=$((failures + 1))
  fi
}

run_pytest() {  # run_pytest <dir> [pytest args]: skip (75) when <dir> has no test files; none collected is a failure
  local dir=$1 rc
  shift
  if [ ! -d "$dir" ] || ! find "$dir" -name 'test_*.py' -print -quit | grep -q .; then
    echo "no test files in $dir"
    return 75
  fi
  local log
  log=$(mktemp)
  pytest -q -p no:cacheprovider --timeout=300 -o asyncio_default_fixture_loop_scope=function "$@" "$dir" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # pytest's closing line ("451 passed, 2 skipped in 20.1s") goes into the summary.
  step_detail=$(grep -E '^=*[ ]*[0-9]+ (passed|failed|error|skipped|deselected)' "$log" | tail -1 | tr -d '=' | xargs)
  rm -f "$log"
  if [ "$rc" -eq 5 ]; then
    echo "run-tests: $dir has test files but pytest collected no tests (import error or wrong names?)"
  fi
  return "$rc"
}

# ansible-test only runs from a directory named ansible_collections/<namespace>/<name>, so sanity runs in a
# copy of the git-tracked tree at ~/.cache/progressive-delivery/<checkout>/ansible_collections/progressive/delivery
# (outside any git work tree: inside one, ansible-test would ask that repository which files exist). The copy holds the
# collection: the fleet simulator (tools/, tests/fleetsim/) and the benchmark harness (bench/) are separate
# Python projects that are not Ansible content and are not shipped (galaxy.yml build_ignore); they are
# checked by their own pytest suites above. Nothing is excluded through ignore files.
#
# How it runs without get-pip.py from the internet: `--venv --requirements --python <venv's X.Y>` makes
# ansible-test create its own virtualenvs; it bootstraps pip in them with the cached get_pip_*.py, which
# scripts/install-get-pip-standin.sh provides (ensurepip + pip install), and installs the pinned sanity
# requirements from the package index (PyPI or the local mirror in pip.conf) once; they are cached in
# ~/.ansible/test/venv and reused offline afterwards. (--docker needs a registry; --local would mix the
# sanity pins into .venv.) The compile and import tests then run again for every other target Python
# (3.9+) found on the machine, e.g. pyenv's.
run_sanity() {
  local cache tree pyver log rc
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/progressive-delivery/sanity-$(printf '%s' "$root" | sha256sum | cut -c1-12)"
  tree="$cache/ansible_collections/progressive/delivery"
  pyver=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  # Findings are fixed, never silenced: the project keeps no sanity ignore files.
  if compgen -G "tests/sanity/ignore-*.txt" >/dev/null; then
    echo "run-tests: tests/sanity/ignore-*.txt found; fix the findings instead of ignoring them:" tests/sanity/ignore-*.txt
    return 1
  fi
  mkdir -p "$tree"
  # Refresh the copy but keep tests/output (ansible-test's cache of its delegation venv and results).
  find "$tree" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
  [ -d "$tree/tests" ] && find "$tree/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
  git ls-files -z | grep -zvE '^(tools|bench|tests/fleetsim)/' | while IFS= read -r -d '' f; do
    [ -e "$f" ] || [ -L "$f" ] || continue  # deleted in the working tree, not yet committed
    cp -P --parents "$f" "$tree/"
  done
  log=$(mktemp)
  (cd "$tree" && ansible-test sanity --venv --requirements --python "$pyver" --color no) 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # A sanity run that tested nothing must not pass.
  if [ "$rc" -eq 0 ] && grep -q "All targets skipped" "$log"; then
    echo "run-tests: ansible-test found no files to test in $tree"
    rc=1
  fi
  rm -f "$log"

  # Modules run on the managed host's Python, which can be older than the controller's: compile and
  # import them with every other Python that ansible-core supports for targets and that is on this machine.
  local v found extra_path=""
  for v in 3.9 3.10 3.11 3.12 3.13 3.14; do
    [ "$v" = "$pyver" ] && continue
    found=""
    # Real interpreters only: a pyenv shim for a version that is not installed exists but fails.
    for d in "$HOME"/.pyenv/versions/"$v".*/bin /usr/local/bin /usr/bin; do
      if [ -x "$d/python$v" ] && "$d/python$v" -c '' 2>/dev/null; then
        extra_path="$d:$extra_path"; found=1; break
      fi
    done
    if [ -z "$found" ]; then
      echo "run-tests: python$v not found; its compile/import sanity tests are not run"
      continue
    fi
    (cd "$tree" && PATH="$extra_path$PATH" ansible-test sanity --venv --requirements --python "$v" \
      --test compile --test import --color no) || rc=1
  done
  return "$rc"
}

step ansible-lint ansible-lint --nocolor
step sanity run_sanity
step unit run_pytest tests/unit
step fleetsim run_pytest tests/fleetsim
step integration run_pytest tests/integration
# The fast subset of the reliability scenarios (all of them: `make reliability`).
step reliability-fast run_pytest tests/reliability -m reliability_fast

run_molecule() {
  local scenarios=() d
  for d in extensions/molecule/*/; do
    [ -f "$d/molecule.yml" ] && scenarios+=("$(basename "$d")")
  done
  if [ ${#scenarios[@]} -eq 0 ]; then
    echo "no molecule scenarios in extensions/molecule"
    return 75
  fi
  local s rc=0
  for s in "${scenarios[@]}"; do
    # A hung scenario must not hang `make test`: each gets at most 20 minutes.
    (cd extensions && timeout --kill-after=30 1200 molecule test -s "$s") || rc=1
  done
  return "$rc"
}
step molecule run_molecule

echo
echo "===== summary"
printf '%s\n' "${summary[@]}"
total=$((SECONDS - started))
# The whole run must stay well under 25 minutes on a 2-core machine; say so before it becomes a problem.
if [ "$total" -gt 1200 ]; then
  echo "run-tests: WARNING: ${total}s is over the 20-minute budget; find the slow step in the summary above"
fi
if [ "$failures" -eq 0 ]; then
  echo "make test: PASSED (${#summary[@]} steps, ${total}s)"
else
  echo "make test: FAILED ($failures of ${#summary[@]} steps failed, ${total}s)"
  exit 1
fi
