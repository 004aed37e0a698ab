#!/usr/bin/env bash
# The real binary in a real terminal: `tilink sandbox` in a detached tmux session, driven
# with Enter alone until the screen shows ACTIVE, then to Done, which must show the simulated
# RDS's MySQL greeting through the chain, then `q`; the process must exit 0.
# Runs at 120x40 and at 80x24. Builds nothing: expects target/debug/tilink (cargo build).
# Needs tmux. Each run gets its own TILINK_STATE_DIR so journals never leak between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${TILINK_BIN:-target/debug/tilink}
TIMEOUT=${TILINK_E2E_TIMEOUT:-120}
[ -x "$BIN" ] || { echo "tmux_sandbox: $BIN not found; run cargo build first" >&2; exit 2; }
command -v tmux >/dev/null || { echo "tmux_sandbox: tmux is not installed" >&2; exit 2; }

screen() { tmux capture-pane -p -t "$1"; }

fail() { # session message
  echo "tmux_sandbox: $2" >&2
  echo "----- screen of $1 -----" >&2
  screen "$1" >&2 || true
  echo "------------------------" >&2
  tmux kill-session -t "$1" 2>/dev/null || true
  exit 1
}

run_at() { # COLSxROWS
  local size=$1 name="tilink-e2e-$$-${1}" state status
  state=$(mktemp -d)
  local status_file="$state/exit-status"
  # The pane keeps running after tilink exits so the screen and the status can be read.
  tmux new-session -d -s "$name" -x "${size%x*}" -y "${size#*x}" \
    "env TILINK_STATE_DIR='$state' '$BIN' sandbox; echo \$? > '$status_file'; echo EXITED; sleep 600"
  local end=$((SECONDS + TIMEOUT))
  until screen "$name" | grep -qE '✓ ACTIVE'; do
    [ $SECONDS -lt $end ] || fail "$name" "no ACTIVE after ${TIMEOUT}s at $size"
    if screen "$name" | grep -q EXITED; then fail "$name" "tilink exited before ACTIVE at $size"; fi
    tmux send-keys -t "$name" Enter
    sleep 0.4
  done
  # Enter to the acceptance, Enter to Done: the simulated RDS's greeting through the chain.
  until screen "$name" | grep -q 'step 9/9 Done'; do
    [ $SECONDS -lt $end ] || fail "$name" "never reached Done at $size"
    tmux send-keys -t "$name" Enter
    sleep 0.6
  done
  end=$((SECONDS + 30))
  until screen "$name" | grep -qE '✓ MySQL [^ ]+ answers through the chain'; do
    [ $SECONDS -lt $end ] || fail "$name" "Done shows no MySQL greeting through the chain at $size"
    sleep 0.3
  done
  tmux send-keys -t "$name" q
  end=$((SECONDS + 10))
  until [ -s "$status_file" ]; do
    [ $SECONDS -lt $end ] || fail "$name" "tilink did not exit after q at $size"
    sleep 0.2
  done
  status=$(cat "$status_file")
  [ "$status" = 0 ] || fail "$name" "tilink exited with status $status at $size (want 0)"
  screen "$name" | grep -q 'ACTIVE: private link connection' || fail "$name" "no summary printed after exit at $size"
  tmux kill-session -t "$name" 2>/dev/null || true
  rm -rf "$state"
  echo "tmux_sandbox: $size ok (Enter only → ACTIVE → Done shows MySQL through the chain → q → exit 0)"
}

run_at 120x40
run_at 80x24
