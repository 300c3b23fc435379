#!/usr/bin/env bash
# `make test`: every check a change must pass, from a fresh clone. Exit status is non-zero on any failure.
#
#   1. system packages (scripts/setup-system.sh) and .venv (scripts/setup-venv.sh), created when missing
#   2. ansible-lint, production profile, offline (.ansible-lint)
#   3. ansible-test sanity, every test, no ignore files (see run_sanity below for how it runs offline)
#   4. antsibull-changelog lint (changelogs/) and antsibull-docs lint-collection-docs --plugin-docs
#   5. pytest tests/unit, tests/fleetsim, tests/integration (pytest-xdist workers, one file per worker at a time),
#      tests/reliability -m reliability_fast (each only when it has tests)
#   6. molecule scenarios in extensions/molecule (when there are any), side by side
#
# The steps run in four lanes at once, because most of the fleet tests' time is waiting on simulated clocks
# while lint and sanity need the CPU: "checks" (ansible-lint, sanity, changelog, docs-lint, unit,
# reliability-fast, one after the other), integration, fleetsim and molecule. A step's output goes to
# build/test-logs/run-*/<step>.log and is printed whole when the step ends, so the lanes never interleave; the
# summary at the end lists every step in a fixed order with its time and pytest's closing line, then the counts.
#
# Environment knobs for local iteration (the summary shows skipped steps): PD_ONLY="sanity" runs only the
# named steps, PD_SKIP="sanity molecule" skips them. Step names: ansible-lint sanity changelog docs-lint unit
# fleetsim integration reliability-fast molecule. PD_SERIAL=1 runs the steps one after the other with their output
# live; PD_INTEGRATION_WORKERS=N sets the integration step's pytest-xdist workers (default 4, 0 = no xdist).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/.venv/collections"
export ANSIBLE_CONFIG="$root/ansible.cfg"
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0

bash scripts/setup-system.sh || { echo "run-tests: system packages missing (see above)"; exit 1; }
bash scripts/setup-venv.sh || { echo "run-tests: could not build .venv (see above)"; exit 1; }

STEPS=(ansible-lint sanity changelog docs-lint unit fleetsim integration reliability-fast molecule)
# Each run logs into its own directory (several people may run steps of one checkout at once); the last 5 are kept.
mkdir -p "$root/build/test-logs"
logdir=$(mktemp -d "$root/build/test-logs/run-$(date +%Y%m%d-%H%M%S)-XXXX")
find "$root/build/test-logs" -mindepth 1 -maxdepth 1 -name 'run-*' | sort -r | tail -n +6 | xargs -r rm -rf
serial=${PD_SERIAL:-0}
started=$SECONDS

selected() {  # selected <name>: not excluded by PD_SKIP / PD_ONLY
  [[ " ${PD_SKIP:-} " == *" $1 "* ]] && return 1
  [ -n "${PD_ONLY:-}" ] && [[ " $PD_ONLY " != *" $1 "* ]] && return 1
  return 0
}

say() {  # one line or a whole file to the terminal, never interleaved with another lane's
  {
    flock 9
    if [ "$1" = "--file" ]; then cat "$2"; else echo "$*"; fi
  } 9>"$logdir/.print-lock"
}

# CPU seconds a step used (its processes and every child they waited for: pytest workers, fleets,
# ansible-playbook runs): on a 2-core machine the sum over the steps, halved, is the floor of the wall time.
measured() {  # measured <name> <command...>: runs the command in a subshell, writes <name>.cpu
  local name=$1
  shift
  (
    "$@"
    rc=$?
    times > "$logdir/$name.times"  # not piped: a pipeline's `times` would run in a fresh subshell
    awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' \
      "$logdir/$name.times" > "$logdir/$name.cpu"
    exit "$rc"
  )
}

step() {  # step <name> <command...>: <name>.log gets the output, <name>.result "STATUS|seconds|detail"
  local name=$1 t0=$SECONDS rc status detail
  shift
  if ! selected "$name"; then
    echo "SKIP||(PD_SKIP/PD_ONLY)" > "$logdir/$name.result"
    return 0
  fi
  step_detail_file="$logdir/$name.detail"
  : > "$step_detail_file"
  if [ "$serial" = 1 ]; then
    echo
    echo "===== $name: $*"
    measured "$name" "$@" 2>&1 | tee "$logdir/$name.log"
    rc=${PIPESTATUS[0]}
  else
    say "----- $name started ($(date +%H:%M:%S); output: ${logdir#"$root"/}/$name.log)"
    measured "$name" "$@" > "$logdir/$name.log" 2>&1
    rc=$?
  fi
  detail=$(cat "$step_detail_file")
  if [ "$rc" -eq 0 ]; then
    status=PASS
  elif [ "$rc" -eq 75 ]; then  # EX_TEMPFAIL used below for "nothing to test here"
    status=SKIP; detail="no tests"
  else
    status=FAIL; detail="exit $rc${detail:+; $detail}"
  fi
  echo "$status|$((SECONDS - t0))|$detail" > "$logdir/$name.result"
  if [ "$serial" != 1 ]; then
    {
      echo
      echo "===== $name: $* ($status after $((SECONDS - t0))s)"
      cat "$logdir/$name.log"
    } > "$logdir/$name.block"
    say --file "$logdir/$name.block"
    rm -f "$logdir/$name.block"
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
  grep -E '^=*[ ]*[0-9]+ (passed|failed|error|skipped|deselected)' "$log" | tail -1 | tr -d '=' | xargs > "$step_detail_file"
  rm -f "$log"
  if [ "$rc" -eq 5 ]; then
    echo "run-tests: $dir has test files but pytest collected no tests (import error or wrong names?)"
  fi
  return "$rc"
}

run_integration() {  # independent test files on pytest-xdist workers; each worker has its own fleets and tmp dirs
  local workers=${PD_INTEGRATION_WORKERS:-4}
  if [ "$workers" = 0 ]; then
    run_pytest tests/integration
  else
    # loadfile: a file's tests stay on one worker, in order, so its module-scoped fleet is started once.
    # --no-loadscope-reorder: files start in the order tests/integration/conftest.py collects them, the longest
    # first; the slowest tests are listed at the end of the log (the numbers that order comes from).
    run_pytest tests/integration -n "$workers" --dist loadfile --no-loadscope-reorder --durations=25 --durations-min=10
  fi
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

run_changelog_lint() {  # fragments and changelogs/changelog.yaml; the generated CHANGELOG files must match them
  antsibull-changelog lint || return 1
  antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml || return 1
  if [ -f CHANGELOG.md ] && [ -f CHANGELOG.rst ]; then
    # CHANGELOG.md/.rst are generated from changelog.yaml: regenerating them in a scratch copy must change nothing.
    local scratch rc=0 f
    scratch=$(mktemp -d)
    cp -r changelogs galaxy.yml CHANGELOG.md CHANGELOG.rst "$scratch/"
    (cd "$scratch" && antsibull-changelog generate) || rc=1
    for f in CHANGELOG.md CHANGELOG.rst; do
      cmp -s "$f" "$scratch/$f" || { echo "run-tests: $f differs from what antsibull-changelog generates:"; diff -u "$f" "$scratch/$f" | head -40; rc=1; }
    done
    rm -rf "$scratch"
    [ "$rc" -eq 0 ] && echo "CHANGELOG.md and CHANGELOG.rst match changelogs/changelog.yaml"
    return "$rc"
  fi
}

run_docs_lint() {  # the plugins', modules' and roles' documentation as the docs site renders it, then `make docs`
  antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs dependent --disallow-unknown-collection-refs . ||
    return 1
  echo "antsibull-docs lint-collection-docs --plugin-docs: clean"
  # The whole site, offline, warnings as errors (into this run's log directory, not build/docs).
  bash scripts/build-docs.sh "$logdir/docs-site" || return 1
  echo "$(find "$logdir/docs-site/html" -name '*.html' | wc -l) pages" > "$step_detail_file"
  rm -rf "$logdir/docs-site"
}

run_molecule() {  # every scenario at once (each has its own fleet and ephemeral directory); logs printed whole
  local scenarios=() d
  for d in extensions/molecule/*/; do
    [ -f "$d/molecule.yml" ] && scenarios+=("$(basename "$d")")
  done
  if [ ${#scenarios[@]} -eq 0 ]; then
    echo "no molecule scenarios in extensions/molecule"
    return 75
  fi
  local s rc=0 pids=() t0=$SECONDS lines=()
  for s in "${scenarios[@]}"; do
    # A hung scenario must not hang `make test`: each gets at most 20 minutes.
    (cd extensions && timeout --kill-after=30 1200 molecule test -s "$s" > "$logdir/molecule-$s.log" 2>&1; \
      echo "$? $((SECONDS - t0))" > "$logdir/molecule-$s.rc") &
    pids+=($!)
  done
  wait "${pids[@]}"
  local passed=0 failed=0 code secs
  for s in "${scenarios[@]}"; do
    read -r code secs < "$logdir/molecule-$s.rc"
    echo
    echo "----- molecule scenario $s: exit $code after ${secs}s"
    cat "$logdir/molecule-$s.log"
    if [ "$code" -eq 0 ]; then passed=$((passed + 1)); lines+=("$s ${secs}s"); else failed=$((failed + 1)); lines+=("$s FAILED ${secs}s"); rc=1; fi
  done
  echo "$passed passed, $failed failed (scenarios: ${lines[*]})" > "$step_detail_file"
  return "$rc"
}

# Four lanes side by side; within a lane, steps run in order. The fleet tests mostly wait on simulated clocks and
# Ansible's polling, the checks mostly compute, so together they keep both cores of a small machine busy; the
# long steps each start at once so that no lane is left running alone at the end.
lane_checks() {
  step ansible-lint ansible-lint --nocolor
  step sanity run_sanity
  step changelog run_changelog_lint
  step docs-lint run_docs_lint
  step unit run_pytest tests/unit
  # The fast subset of the reliability scenarios (all of them: `make reliability`).
  step reliability-fast run_pytest tests/reliability -m reliability_fast
}

# The integration and fleetsim lanes run at a lower CPU priority (nice 10; PD_FLEET_NICE): they are many
# processes that mostly wait, the checks lane is one CPU-bound chain. At equal priority the checks got a sliver
# of the CPU, finished last and left one core idle at the end; this way they take about one core and the fleet
# tests the rest. Molecule stays at normal priority: release_failures bounds a failure's wall-clock time (60 s).
fleet_lane() {  # fleet_lane <step args...>
  renice -n "${PD_FLEET_NICE:-10}" -p "$BASHPID" >/dev/null 2>&1 || true
  step "$@"
}

if [ "$serial" = 1 ]; then
  lane_checks
  step integration run_integration
  step fleetsim run_pytest tests/fleetsim
  step molecule run_molecule
else
  pids=()
  lane_checks & pids+=($!)
  fleet_lane integration run_integration & pids+=($!)
  fleet_lane fleetsim run_pytest tests/fleetsim & pids+=($!)
  step molecule run_molecule & pids+=($!)
  wait "${pids[@]}"
fi

echo
echo "===== summary (status, step, wall time, CPU time, result)"
failures=0
ran=0
sum=0
cpu_sum=0
for name in "${STEPS[@]}"; do
  if [ ! -f "$logdir/$name.result" ]; then
    echo "FAIL|0|no result: the lane running it died" > "$logdir/$name.result"
  fi
  IFS='|' read -r status secs detail < "$logdir/$name.result"
  cpu=$(cat "$logdir/$name.cpu" 2>/dev/null || true)
  cpu_sum=$((cpu_sum + ${cpu:-0}))
  [ "$status" = FAIL ] && failures=$((failures + 1))
  [ "$status" = SKIP ] || ran=$((ran + 1))
  sum=$((sum + ${secs:-0}))
  printf '%-5s %-17s %6s %8s  %s\n' "$status" "$name" "${secs:+${secs}s}" "${cpu:+${cpu}s cpu}" "$detail"
done
# Test counts over the pytest steps (their closing lines above) and the molecule scenarios.
counts=$(cat "$logdir"/*.detail 2>/dev/null | grep -oE '[0-9]+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed)' |
  awk '{n[$2]+=$1} END {for (k in n) printf "%s%d %s", (c++ ? ", " : ""), n[k], k}')
total=$((SECONDS - started))
echo "tests: ${counts:-none}   (steps' own times add up to ${sum}s, their CPU time to ${cpu_sum}s; wall time ${total}s with the lanes side by side)"
# The whole run must stay under 12 minutes on a 2-core machine; say so before it becomes a problem.
if [ "$total" -gt 720 ]; then
  echo "run-tests: WARNING: ${total}s is over the 12-minute budget; find the slow step in the summary above"
fi
if [ "$failures" -eq 0 ]; then
  echo "make test: PASSED ($ran steps run, ${total}s)"
else
  echo "make test: FAILED ($failures of $ran steps failed, ${total}s)"
  exit 1
fi
