#!/usr/bin/env bash
# Confirmations need an explicit answer and Enter (issue 17): in the line mode
# (`tilink sandbox --plain`) at "Create these resources? [y/N]":
#   - a bare `y` without Enter creates nothing (the old prompt took one keystroke);
#   - `maybe` + Enter is no: nothing is created, exit 130, "nothing was created";
#   - `y` + Enter creates, and the run reaches ACTIVE.
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
  SESSIONS+=("$name")
  mkdir -p "$dir/state"
  cat > "$dir/pane.sh" <<PANE
env TILINK_STATE_DIR='$dir/state' TILINK_NO_KEYRING=1 '$BIN' sandbox --plain --time-scale 0.02
echo "TILINK-EXIT=\$?"
sleep 600
PANE
  tmux new-session -d -s "$name" -x 100 -y 30 "bash '$dir/pane.sh'"
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
[ "$status" = 130 ] || fail "$n1" "exit $status after 'maybe' (want 130)"
screen "$n1" | grep -q 'nothing was created' || fail "$n1" "no 'nothing was created'"
screen "$n1" | grep -q 'load-balancer' && fail "$n1" "'maybe' started provisioning"
echo "tmux_confirm: a bare y waits for Enter; 'maybe' + Enter creates nothing (exit 130)"

# 2. y + Enter creates.
n2="tilink-confirm-$$-yes"
start "$n2" "$WORK/yes"
tmux send-keys -t "$n2" y Enter
status=$(wait_exit "$n2")
[ "$status" = 0 ] || fail "$n2" "exit $status after 'y' + Enter (want 0)"
screen "$n2" | grep -q 'ACTIVE' || fail "$n2" "no ACTIVE after 'y' + Enter"
echo "tmux_confirm: y + Enter creates and reaches ACTIVE"
