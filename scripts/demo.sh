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
#   5. where each version runs (playbooks/rollout_status.yml), then the fleet is stopped (also on failure)
#
# Full Ansible output goes to .state/demo/*.log; the terminal shows plays, decisions and failures.
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

state="$root/.state/demo"
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

# Plays, decisions (debug messages), one-line failures and the recap; the rest stays in the log.
show() {
  grep --line-buffered -E '^(PLAY \[|PLAY RECAP|fatal:|failed:|Pausing)|"msg": "|^        "[a-z0-9_]+: |^[a-z0-9-]+ +: ok=' |
    sed -u -E 's/^fatal: \[([^]]+)\]: FAILED! => .*"msg": "([^"]{0,400}).*/  FAILED on \1: \2/' || true
}

playbook() {  # playbook <log name> <ansible-playbook args...>
  local log="$state/$1.log" rc
  shift
  set +e
  ansible-playbook -i "$state/fleet.yml" "$@" >"$log" 2>&1 &
  local pid=$!
  tail -n +1 -f --pid="$pid" "$log" | show
  wait "$pid"
  rc=$?
  set -e
  return "$rc"
}

# Follows the logs of web 3's canary pods (kubectl logs -f) in whichever dev cluster gets them first,
# until the rollback removes them; the closing text shows the command and what it printed.
canary_logs_pid=
follow_canary_logs() {  # follow_canary_logs <file>
  local out="$1" ctx kc=(kubectl --kubeconfig "$state/kubeconfig")
  for _ in $(seq 1 600); do
    for ctx in services-dev-us-east1 services-dev-europe-west1 services-dev-asia-east1; do
      if "${kc[@]}" --context "$ctx" -n shop wait --for=condition=Ready pod -l app=web,version=3 --timeout=1s \
        >/dev/null 2>&1; then
        echo "$ctx" >"$out.context"
        "${kc[@]}" --context "$ctx" -n shop logs -f -l app=web,version=3 --prefix --tail=-1 --max-log-requests=20 >"$out" 2>&1
        return 0
      fi
    done
    sleep 0.5
  done
}

step "starting fleetsim: 2 environment sets x 3 environments x 3 regions, and Prometheus"
fleetsim up --fleet "$fleet_file" --state-dir "$state" --prometheus | sed 's/^/  /'

# The same inventory as inventories/local/fleet.yml, on the demo's state directory.
cat >"$state/fleet.yml" <<YAML
plugin: progressive.delivery.fleet
fleet_file: $fleet_file
fleetsim_state_dir: $state
YAML
ansible-inventory -i "$state/fleet.yml" --graph services | sed 's/^/  /'

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
if ! grep -q "web 3 rolled back" "$state/rollout-v3.log"; then
  echo "demo: version 3 failed, but not through a gate and a rollback (see $state/rollout-v3.log)" >&2
  exit 1
fi
echo "  -> version 3 was caught in dev, rolled back and rejected; staging and prod never saw it"

step "where each version runs (every cluster must still run version 2)"
playbook status playbooks/rollout_status.yml -e @scripts/demo/vars.yml -e environment_promotion_version=3 \
  -e '{"environment_promotion_report_sets": ["services"]}' -e environment_promotion_report_require_version=2

step "the failed canary's logs"
# The rollback deleted web 3's pods, and their logs with them (as on any cluster): the demo followed
# them with this command while version 3 ran.
kill "$canary_logs_pid" 2>/dev/null || true  # still polling only if web 3 never ran anywhere
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

step "demo passed in $((SECONDS - started))s (logs in ${state#"$root"/})"
