#!/usr/bin/env bash
# Installs the system packages the tests and the demo need when they are missing (Debian/Ubuntu, apt):
#   kubectl     the fleet simulator is driven with it in integration tests
#   prometheus  fleetsim's metrics are scraped and queried by a real Prometheus
#   ShellCheck  ansible-test sanity's shellcheck test (skipped silently without it)
#   openssl     unit tests make a throwaway self-signed certificate for the TLS failure test
#   git         the sanity run copies the git-tracked tree
# chromium (headless, the rollout board tests) unless PD_WITH_BROWSER=0. Nothing is done when all are present.
set -euo pipefail

declare -A want=([kubectl]="kubectl kubernetes-client" [prometheus]="prometheus" [shellcheck]="shellcheck"
                 [openssl]="openssl" [git]="git")
if [ "${PD_WITH_BROWSER:-1}" = 1 ]; then want[chromium]="chromium"; fi  # the rollout board tests screenshot it

missing=()
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: missing ${missing[*]} and no apt-get here; install them with your package manager" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup-system: missing ${missing[*]}; run as root or install sudo" >&2; exit 1
  fi
fi

echo "setup-system: installing ${missing[*]}"
$sudo apt-get update -qq
failed=()
for cmd in "${missing[@]}"; do
  ok=""
  # Some commands come from differently named packages depending on the distribution/repository.
  for pkg in ${want[$cmd]}; do
    if $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null; then
      ok=1; break
    fi
  done
  [ -n "$ok" ] && command -v "$cmd" >/dev/null 2>&1 || failed+=("$cmd")
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "setup-system: could not install ${failed[*]} with apt-get (tried: $(for c in "${failed[@]}"; do printf '%s ' "${want[$c]}"; done)); install them by hand" >&2
  exit 1
fi
