#!/usr/bin/env bash
# Signals on the full-screen wizard (issue 17): SIGTERM, SIGHUP and SIGINT (sent with kill,
# not the Ctrl-C key, which raw mode turns into a key press) on three screens (Welcome, Plan,
# Provisioning) of `tilink sandbox`. Each must exit 130 with a message, leave the alternate
# screen, and leave the terminal cooked (`stty -a`: icanon and echo). Before, SIGTERM left
# raw mode, the alternate screen and a hidden cursor behind and exited 143.
# Runs at 100x30. Expects target/debug/tilink (cargo build) and tmux.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCRIPT=tmux_signals
TIMEOUT=${TILINK_E2E_TIMEOUT:-90}
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

# one SIGNAL SCREEN: the sandbox wizard taken to SCREEN with Enter, then `kill -SIGNAL`.
one() {
  local sig=$1 want=$2 name="tilink-sig-$$-$1-$2" dir="$WORK/$1-$2"
  mkdir -p "$dir/state"
  open_pane "$name" "$dir" <<PANE
env TILINK_STATE_DIR='$dir/state' TILINK_NO_KEYRING=1 '$BIN' sandbox --time-scale 0.2 2> '$dir/stderr' &
echo \$! > '$dir/pid'
wait \$!
echo \$? > '$dir/status'
stty -a > '$dir/stty'
echo TILINK-EXITED
sleep 600
PANE
  local end=$((SECONDS + TIMEOUT))
  # The header names the screen: " tilink setup · step N/9 <title>".
  until screen "$name" | head -n 1 | grep -q "step [0-9]*/[0-9]* $want"; do
    [ $SECONDS -lt $end ] || fail "$name" "never reached $want"
    if [ -s "$dir/status" ]; then fail "$name" "exited before $want"; fi
    if [ "$want" != Welcome ]; then tmux send-keys -t "$name" Enter; fi
    sleep 0.4
  done
  sleep 0.3
  kill -"$sig" "$(cat "$dir/pid")"
  expect_130_restored "$name" "$dir/status" "$dir/stty" "SIG$sig on $want"
  grep -q "interrupted by SIG$sig" "$dir/stderr" || fail "$name" "no message after SIG$sig: $(cat "$dir/stderr")"
  tmux kill-session -t "$name" 2>/dev/null || true
}

for sig in TERM HUP INT; do
  for want in Welcome Plan Provisioning; do
    one "$sig" "$want"
  done
  echo "tmux_signals: SIG$sig on Welcome, Plan, Provisioning → exit 130, terminal restored"
done
