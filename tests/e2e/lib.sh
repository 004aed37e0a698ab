# Shared by the tmux end-to-end scripts: source it after setting SCRIPT (the name used in
# messages) and, optionally, SCREEN_HISTORY (lines of scrollback `screen` reads). Resolves
# the binary (TILINK_BIN, default target/debug/tilink), checks tmux, makes WORK, kills every
# session in SESSIONS (and the simulator `start_sim` started) on exit, and defines
# `screen NAME`, `fail NAME MESSAGE`, `start_sim DIR ARGS…`, `field NAME`, `open_pane NAME
# DIR` and `expect_130_restored NAME STATUS_FILE STTY_FILE WHAT`.

BIN=${TILINK_BIN:-target/debug/tilink}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "$SCRIPT: $BIN not found; run cargo build first" >&2; exit 2; }
command -v tmux >/dev/null || { echo "$SCRIPT: tmux is not installed" >&2; exit 2; }

WORK=$(mktemp -d)
SESSIONS=()
SIM_PID=""
cleanup() {
  for s in "${SESSIONS[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
  if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_sim DIR [SIM ARGS...]: `tilink sim` in the background (stopped on exit), its
# manifest in DIR/manifest; then `field NAME` reads one manifest value.
start_sim() {
  local dir=$1
  shift
  "$BIN" sim "$@" > "$dir/manifest" 2> "$dir/sim.stderr" &
  SIM_PID=$!
  SIM_MANIFEST="$dir/manifest"
  local end=$((SECONDS + 20))
  until [ -s "$SIM_MANIFEST" ]; do
    [ $SECONDS -lt $end ] || { echo "$SCRIPT: tilink sim printed no manifest" >&2; exit 1; }
    sleep 0.1
  done
}
field() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$SIM_MANIFEST" "$1"; }

screen() { tmux capture-pane -p -S "-${SCREEN_HISTORY:-0}" -t "$1"; }
fail() { echo "$SCRIPT: $2" >&2; echo "----- screen of $1 -----" >&2; screen "$1" >&2 || true; exit 1; }

# open_pane NAME DIR: writes the script on stdin to DIR/pane.sh and runs it in a detached
# 100x30 tmux session NAME (killed on exit).
open_pane() {
  SESSIONS+=("$1")
  cat > "$2/pane.sh"
  tmux new-session -d -s "$1" -x 100 -y 30 "bash '$2/pane.sh'"
}

# expect_130_restored NAME STATUS_FILE STTY_FILE WHAT: waits (20 s) for the exit status and
# the `stty -a` the pane writes after tilink exits, then checks exit 130, the alternate
# screen off and the terminal not left raw (-icanon) or without echo (-echo). WHAT (what
# stopped tilink) goes into the failure messages.
expect_130_restored() {
  local name=$1 status_file=$2 stty_file=$3 what=$4
  local end=$((SECONDS + 20)) status
  until [ -s "$status_file" ] && [ -s "$stty_file" ]; do
    [ $SECONDS -lt $end ] || fail "$name" "tilink did not exit after $what"
    sleep 0.2
  done
  sleep 0.3
  status=$(cat "$status_file")
  [ "$status" = 130 ] || fail "$name" "exit status $status after $what (want 130)"
  [ "$(tmux display-message -p -t "$name" '#{alternate_on}')" = 0 ] || fail "$name" "the alternate screen is still on after $what"
  if grep -qw -- '-icanon' "$stty_file"; then fail "$name" "terminal left in raw mode (-icanon) after $what: $(cat "$stty_file")"; fi
  if grep -qw -- '-echo' "$stty_file"; then fail "$name" "terminal left without echo (-echo) after $what: $(cat "$stty_file")"; fi
}
