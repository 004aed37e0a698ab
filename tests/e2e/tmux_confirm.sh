#!/usr/bin/env bash
# Confirmations need an explicit answer and Enter (issue 17): in the line mode
# (`tilink sandbox --plain`) at "Create these resources? [y/N]":
#   - a bare `y` without Enter creates nothing (the old prompt took one keystroke);
#   - `maybe` + Enter is no: nothing is created, exit 1 (declined), "nothing was created";
#   - `y` + Enter creates, and the run reaches ACTIVE;
# and in the wizard against `tilink sim`, Enter on the Plan creates nothing (the simulator
# holds no server group) and says that `c` creates; `c` starts provisioning.
# Runs at 100x30. Expects target/debug/tilink (cargo build) and tmux.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCRIPT=tmux_confirm
SCREEN_HISTORY=200
TIMEOUT=${TILINK_E2E_TIMEOUT:-120}
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

# start NAME DIR: the line-mode sandbox in a pane, Enter through the two pickers, up to the
# confirmation.
start() {
  local name=$1 dir=$2
  mkdir -p "$dir/state"
  open_pane "$name" "$dir" <<PANE
env TILINK_STATE_DIR='$dir/state' TILINK_NO_KEYRING=1 '$BIN' sandbox --plain --time-scale 0.02
echo "TILINK-EXIT=\$?"
sleep 600
PANE
  local end=$((SECONDS + TIMEOUT))
  until screen "$name" | grep -q 'Create these resources? \[y/N\]'; do
    [ $SECONDS -lt $end ] || fail "$name" "never asked to create"
    if screen "$name" | grep -q 'TILINK-EXIT='; then fail "$name" "exited before the confirmation"; fi
    if screen "$name" | grep -q -e 'TiDB Cloud cluster' -e 'Source RDS instance'; then
      tmux send-keys -t "$name" Enter
    fi
    sleep 0.5
  done
}

# await_screen NAME PATTERN MESSAGE [KEY]: waits until PATTERN is on NAME's screen; fails
# with MESSAGE after TIMEOUT seconds, or as soon as tilink exits. With KEY, sends it each round.
await_screen() {
  local name=$1 pattern=$2 message=$3 key=${4:-} end=$((SECONDS + TIMEOUT))
  until screen "$name" | grep -q -- "$pattern"; do
    [ $SECONDS -lt $end ] || fail "$name" "$message"
    if screen "$name" | grep -q 'TILINK-EXIT='; then fail "$name" "exited while waiting for '$pattern'"; fi
    if [ -n "$key" ]; then
      tmux send-keys -t "$name" "$key"
      sleep 0.6
    else
      sleep 0.3
    fi
  done
}

wait_exit() { # NAME → prints the exit status
  local end=$((SECONDS + TIMEOUT))
  until screen "$1" | grep -q 'TILINK-EXIT='; do
    [ $SECONDS -lt $end ] || fail "$1" "did not exit"
    sleep 0.3
  done
  screen "$1" | grep -o 'TILINK-EXIT=[0-9]*' | tail -n1 | cut -d= -f2
}

# 1. A bare `y` does nothing; `maybe` + Enter is no.
n1="tilink-confirm-$$-no"
start "$n1" "$WORK/no"
tmux send-keys -t "$n1" y
sleep 2
screen "$n1" | grep -q 'load-balancer' && fail "$n1" "a bare y (no Enter) started provisioning"
tmux send-keys -t "$n1" BSpace
tmux send-keys -t "$n1" -l maybe
tmux send-keys -t "$n1" Enter
status=$(wait_exit "$n1")
[ "$status" = 1 ] || fail "$n1" "exit $status after 'maybe' (want 1: declined)"
screen "$n1" | grep -q 'nothing was created' || fail "$n1" "no 'nothing was created'"
screen "$n1" | grep -q 'load-balancer' && fail "$n1" "'maybe' started provisioning"
echo "tmux_confirm: a bare y waits for Enter; 'maybe' + Enter creates nothing (exit 1)"

# 2. y + Enter creates.
n2="tilink-confirm-$$-yes"
start "$n2" "$WORK/yes"
tmux send-keys -t "$n2" y Enter
status=$(wait_exit "$n2")
[ "$status" = 0 ] || fail "$n2" "exit $status after 'y' + Enter (want 0)"
screen "$n2" | grep -q 'ACTIVE' || fail "$n2" "no ACTIVE after 'y' + Enter"
echo "tmux_confirm: y + Enter creates and reaches ACTIVE"

# 2b. Teardown on a terminal (issue 27 #1): TILINK_YES=1 in the environment does not answer
#     it; it asks for the setup id typed out, and a wrong answer deletes nothing.
d4="$WORK/teardown"
mkdir -p "$d4/state"
start_sim "$d4" --time-scale 0.02
cat > "$d4/env.sh" <<ENV
export TILINK_STATE_DIR='$d4/state' TILINK_NO_KEYRING=1 TILINK_POLL_SCALE=0.02 HOME='$d4'
export TILINK_ALIBABA_ENDPOINT='$(field alibaba_endpoint)' TILINK_TIDB_ENDPOINT='$(field tidb_endpoint)'
export ALIBABA_CLOUD_ACCESS_KEY_ID='$(field alibaba_access_key_id)' ALIBABA_CLOUD_ACCESS_KEY_SECRET='$(field alibaba_access_key_secret)'
export TIDBCLOUD_PUBLIC_KEY='$(field tidb_public_key)' TIDBCLOUD_PRIVATE_KEY='$(field tidb_private_key)'
ENV
cluster=$(field cluster_id)
( . "$d4/env.sh"; "$BIN" setup --non-interactive --yes --cluster-id "$cluster" --rds-instance "$(field rds_instance_id)" >/dev/null 2>"$d4/setup.err" ) \
  || { cat "$d4/setup.err" >&2; echo "tmux_confirm: setup for the teardown step failed" >&2; exit 1; }
n4="tilink-confirm-$$-teardown"
open_pane "$n4" "$d4" <<PANE
. '$d4/env.sh'
TILINK_YES=1 '$BIN' teardown --cluster-id '$cluster'
echo "TILINK-EXIT=\$?"
sleep 600
PANE
await_screen "$n4" 'to confirm' "TILINK_YES answered teardown on a terminal (no typed confirmation)"
screen "$n4" | grep -q 'Type tl-' || fail "$n4" "the prompt does not ask for the setup id"
tmux send-keys -t "$n4" -l y
tmux send-keys -t "$n4" Enter
status=$(wait_exit "$n4")
[ "$status" = 0 ] || fail "$n4" "exit $status after a wrong answer (want 0)"
screen "$n4" | grep -q 'nothing deleted' || fail "$n4" "no 'nothing deleted'"
lbs=$(curl -s "$(field alibaba_endpoint)/_sim/state" | python3 -c 'import json,sys; print(sum(1 for l in json.load(sys.stdin)["load_balancers"] if l["Status"] not in ("Deleted","Deleting")))')
[ "$lbs" = 1 ] || fail "$n4" "a wrong answer deleted the load balancer"
kill "$SIM_PID" 2>/dev/null || true
wait "$SIM_PID" 2>/dev/null || true
echo "tmux_confirm: on a terminal TILINK_YES does not answer teardown; 'y' is not the setup id"

# 3. The wizard against `tilink sim` (billed in a real account): Enter on the Plan creates
#    nothing and says which key does; `c` creates.
d3="$WORK/wizard"
mkdir -p "$d3/state"
start_sim "$d3" --time-scale 0.05
endpoint=$(field alibaba_endpoint)
n3="tilink-confirm-$$-wizard"
open_pane "$n3" "$d3" <<PANE
env TILINK_STATE_DIR='$d3/state' TILINK_NO_KEYRING=1 TILINK_POLL_SCALE=0.05 HOME='$d3' \
  TILINK_ALIBABA_ENDPOINT='$endpoint' TILINK_TIDB_ENDPOINT='$(field tidb_endpoint)' \
  ALIBABA_CLOUD_ACCESS_KEY_ID='$(field alibaba_access_key_id)' \
  ALIBABA_CLOUD_ACCESS_KEY_SECRET='$(field alibaba_access_key_secret)' \
  TIDBCLOUD_PUBLIC_KEY='$(field tidb_public_key)' TIDBCLOUD_PRIVATE_KEY='$(field tidb_private_key)' \
  '$BIN' setup --cluster-id '$(field cluster_id)' --rds-instance '$(field rds_instance_id)'
echo "TILINK-EXIT=\$?"
sleep 600
PANE
await_screen "$n3" 'step 6/9 Plan' "never reached the Plan" Enter
tmux send-keys -t "$n3" Enter
sleep 0.5
tmux send-keys -t "$n3" Enter
sleep 1
screen "$n3" | grep -q 'step 6/9 Plan' || fail "$n3" "Enter left the Plan"
screen "$n3" | grep -q 'Enter does not create: press c' || fail "$n3" "Enter did not say that c creates"
groups=$(curl -s "$endpoint/_sim/state" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["server_groups"]))')
[ "$groups" = 0 ] || fail "$n3" "Enter created $groups server group(s)"
tmux send-keys -t "$n3" c
await_screen "$n3" 'step 7/9 Provisioning' "c did not start provisioning"
echo "tmux_confirm: in the wizard, Enter on the Plan creates nothing and says so; c creates"
