#!/usr/bin/env bash
# `make demo`: a progressive rollout on a simulated fleet, start to finish, then everything stopped.
#
#   1. fleetsim: 2 environment sets (services, batch) x 3 environments (dev, staging, prod) x 3 regions,
#      plus Prometheus (inventories/fleetsim/demo.yml; clock x10 so pods start fast)
#   2. web version 1 in every cluster of the services set
#   3. playbooks/rollout.yml: healthy version 2 through dev -> staging -> prod, region by region,
#      promotion gates (soak) between environments
#   4. playbooks/rollout.yml: version 3 answers 50% errors: caught in dev's first cluster, rolled back
#      and rejected; staging and prod never see it
#   5. where each version runs: checked (playbooks/rollout_status.yml), then one table per environment
#      (playbooks/status.yml), the board and the record left behind; the fleet is stopped (also on failure)
#
# The terminal shows the progress callback's lines (one per event, a header naming the set and environment of
# each play) and the paths of the live board; the full Ansible output goes to .state/demo/*.log
# (PD_DEMO_STATE=DIR puts the state, logs, records and boards elsewhere).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$SECONDS

# Under make, the demo target already ran `make system venv`.
if [ -z "${MAKELEVEL:-}" ]; then
  PD_WITH_BROWSER=0 bash scripts/setup-system.sh  # the demo needs no browser
  bash scripts/setup-venv.sh
fi

export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/.venv/collections"
export ANSIBLE_CONFIG="$root/ansible.cfg"
# A broken inventory must stop the run, not become an empty inventory.
export ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true
# Pipelining: modules run without temporary files (connection local); forks: the 9 clusters of step 2 at once.
export ANSIBLE_PIPELINING=true ANSIBLE_FORKS=10
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 ANSIBLE_DISPLAY_SKIPPED_HOSTS=false ANSIBLE_DEPRECATION_WARNINGS=false
# One line per event (progress) and the record with its live board (rollout_record), beside the normal output.
export ANSIBLE_CALLBACKS_ENABLED=progressive.delivery.progress,progressive.delivery.rollout_record

state="${PD_DEMO_STATE:-$root/.state/demo}"
state_shown="${state#"$root"/}"
fleet_file="$root/inventories/fleetsim/demo.yml"

stop_fleet() {
  echo
  echo "==> stopping the fleet"
  fleetsim down --state-dir "$state" >/dev/null 2>&1 || true
}

if [ -f "$state/fleet.json" ]; then
  echo "==> a demo fleet from an earlier run is still up; stopping it"
  fleetsim down --state-dir "$state" >/dev/null 2>&1 || true
fi
mkdir -p "$state"
trap stop_fleet EXIT

step() {
  echo
  echo "==> [$((SECONDS - started))s] $*"
}

# The progress callback's lines (a header per play naming the set and environment, one line per event) and
# where the board is; everything else (task output, each failure as Ansible words it) stays in the log.
show() {
  grep --line-buffered -E '^(PROGRESS |rollout (board|record))' |
    sed -u -E -e 's/^PROGRESS ---- (.*)$/  -- \1/' -e 's/^PROGRESS /     /' -e 's/^rollout (board|record)/  rollout \1/' || true
}

# The playbook writes its log through tee in the foreground: nothing reads a log before it exists.
playbook() {  # playbook <log name> <ansible-playbook args...>
  local name="$1" rc
  shift
  set +e
  PD_ROLLOUT_RECORD="$state/records/$name.json" \
    ansible-playbook -i "$state/fleet.yml" "$@" 2>&1 | tee "$state/$name.log" | show
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "  ($name: ansible-playbook exited $rc; the whole output is in $state_shown/$name.log)"
  fi
  return "$rc"
}

# Follows the logs of web 3's canary pods (kubectl logs -f) in whichever dev cluster gets them first,
# until the rollback removes them; the closing text shows the command and what it printed.
canary_logs_pid=
follow_canary_logs() {  # follow_canary_logs <file>
  local out="$1" ctx kc=(kubectl --kubeconfig "$state/kubeconfig")
  # A watch per dev cluster, not a poll: the first wave may start in any of them, and a failing canary can be Ready
  # and rolled back within two seconds (a poll missed it on a busy machine). The first cluster where a web 3 pod
  # is Ready is the one followed; the other watches end when the fleet stops.
  for ctx in services-dev-us-east1 services-dev-europe-west1 services-dev-asia-east1; do
    "${kc[@]}" --context "$ctx" -n shop get pods -l app=web,version=3 --watch \
      -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}{"\n"}' 2>/dev/null |
      { grep -q -m1 True && echo "$ctx"; } &
  done | {
    read -r ctx || return 0
    echo "$ctx" >"$out.context"
    "${kc[@]}" --context "$ctx" -n shop logs -f -l app=web,version=3 --prefix --tail=-1 --max-log-requests=20 >"$out" 2>&1
  }
}

step "starting fleetsim: 2 environment sets x 3 environments x 3 regions, and Prometheus"
fleetsim up --fleet "$fleet_file" --state-dir "$state" --prometheus | sed 's/^/  /'

# The same inventory as inventories/local/fleet.yml, on the demo's state directory.
cat >"$state/fleet.yml" <<YAML
plugin: progressive.delivery.fleet
fleet_file: $fleet_file
fleetsim_state_dir: $state
YAML
ansible-inventory -i "$state/fleet.yml" --graph services 2>"$state/inventory.log" | sed 's/^/  /' ||
  { cat "$state/inventory.log" >&2; exit 1; }

step "deploying web version 1 in every cluster of the services set"
playbook app-v1 scripts/demo/app.yml -e demo_hosts=services

step "releasing web version 2 through services: dev -> staging -> prod"
playbook rollout-v2 playbooks/rollout.yml -e @scripts/demo/vars.yml -e multicluster_release_version=2 \
  -e environment_promotion_report=false

step "releasing web version 3, which answers 50% of requests with errors"
follow_canary_logs "$state/web-3-canary.log" &
canary_logs_pid=$!
if playbook rollout-v3 playbooks/rollout.yml -e @scripts/demo/vars.yml -e multicluster_release_version=3 \
  -e '{"canary_release_template_overrides": {"metadata": {"annotations": {"fleetsim.io/error-rate": "0.5"}}}}'; then
  echo "demo: version 3 should have been stopped in dev, but the rollout passed" >&2
  exit 1
fi
if ! grep -q "^PROGRESS .* web 3 ROLLBACK " "$state/rollout-v3.log"; then
  echo "demo: version 3 failed, but not through a gate and a rollback (see $state/rollout-v3.log)" >&2
  exit 1
fi
python3 - "$state/records/rollout-v3.json" <<'PY'
import json, sys

for rollback in json.load(open(sys.argv[1]))["rollbacks"][:1]:
    print("  why: " + rollback["reason"])
PY
echo "  -> version 3 was caught in dev, rolled back and rejected; staging and prod never saw it"

step "where each version runs (every cluster must still run version 2)"
playbook check-v2 playbooks/rollout_status.yml -e @scripts/demo/vars.yml -e environment_promotion_version=3 \
  -e '{"environment_promotion_report_sets": ["services"]}' -e environment_promotion_report_require_version=2
playbook status playbooks/status.yml -e release_app=web -e release_namespace=shop -e status_hosts=services \
  -e fleet_status_json_path="$state/status.json"
python3 - "$state/status.json" <<'PY'
import json, sys

rows = json.load(open(sys.argv[1]))
rows.sort(key=lambda r: (r["set"], r["environment_index"], r["region_index"], r["cluster"]))
width = max(len(r["cluster"]) for r in rows)
for key in dict.fromkeys((r["set"], r["environment"]) for r in rows):
    print("  %s / %s" % key)
    print("    %-*s  %-7s  %s" % (width, "CLUSTER", "VERSION", "STATE"))
    for r in (r for r in rows if (r["set"], r["environment"]) == key):
        if r["error"]:
            state = "cannot be read: " + r["error"]
        elif r["canary"]:
            state = "release of version %s in progress" % r["canary"]
        else:
            state = "steady" if r["version"] else "not deployed"
        if r["rejected"]:
            state += "; version%s %s rejected" % ("s" if len(r["rejected"]) > 1 else "", ", ".join(r["rejected"]))
        version = r["version"] + (" -> " + r["canary"] if r["canary"] else "") if r["version"] else "-"
        print("    %-*s  %-7s  %s" % (width, r["cluster"], version, state))
PY

step "the failed canary's logs"
# The rollback deleted web 3's pods, and their logs with them (as on any cluster): the demo followed
# them with this command while version 3 ran.
kill "$canary_logs_pid" 2>/dev/null || true  # still waiting only if web 3 never ran anywhere
wait "$canary_logs_pid" 2>/dev/null || true
canary_context=$(cat "$state/web-3-canary.log.context" 2>/dev/null || echo services-dev-us-east1)
echo "  while a canary runs:  kubectl --kubeconfig ${state#"$root"/}/kubeconfig --context $canary_context -n shop \\"
echo "                          logs -f -l app=web,version=3 --prefix --tail=-1"
echo "  printed for web 3 before its rollback (first lines and errors; all in ${state#"$root"/}/web-3-canary.log):"
if ! grep -q '" 500 ' "$state/web-3-canary.log" 2>/dev/null; then
  echo "demo: reading web 3's logs while it ran showed no failed request (see $state/web-3-canary.log)" >&2
  exit 1
fi
{ head -n 3 "$state/web-3-canary.log"; grep -m 3 '" 500 ' "$state/web-3-canary.log"; } | sed 's/^/    /'

step "what the demo leaves behind"
for run in rollout-v2 rollout-v3; do
  echo "  $run: record $state_shown/records/$run.json"
  echo "  $run: board  $state_shown/records/$run.html"
done
echo "  open a board: xdg-open $state_shown/records/rollout-v3.html"
echo "  or serve them: python3 -m http.server 8000 --bind 127.0.0.1 --directory $state_shown/records"
echo "                 (then http://127.0.0.1:8000/rollout-v3.html)"

step "demo passed in $((SECONDS - started))s (logs in $state_shown)"
