#!/usr/bin/env bash
# Install everything the test suite needs and run all of it:
#  - interlock with its test extras (pytest, hypothesis, mcp, playwright, schemathesis);
#  - PostgreSQL 15 server binaries (the store tests start a real server in a temp dir) and
#    Debian's Chromium (the web inbox's browser tests), from apt when missing and we are root.
# Terraform is expected at /usr/local/bin/terraform (or on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
PG_BIN="${INTERLOCK_PG_BIN:-/usr/lib/postgresql/15/bin}"
[ -x "$PG_BIN/initdb" ] || need_apt+=(postgresql-15)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${need_apt[*]} with apt" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "test.sh: missing ${need_apt[*]} (run as root to install them); their tests will skip" >&2
  fi
fi
command -v terraform >/dev/null 2>&1 || \
  echo "test.sh: terraform is not on PATH; the Terraform tests will skip" >&2

# Terraform: an empty CLI config (machines here point TF_CLI_CONFIG_FILE at a missing file).
tfrc="$(mktemp)"
trap 'rm -f "$tfrc"' EXIT
export TF_CLI_CONFIG_FILE="$tfrc" TF_IN_AUTOMATION=1

python3 -m pip install -q -e '.[test]'
python3 -m pytest "$@"
