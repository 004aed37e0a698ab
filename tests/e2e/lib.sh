# Shared by the tmux end-to-end scripts: source it after setting SCRIPT (the name used in
# messages) and, optionally, SCREEN_HISTORY (lines of scrollback `screen` reads). Resolves
# the binary (TILINK_BIN, default target/debug/tilink), checks tmux, makes WORK, kills every
# session in SESSIONS (and the simulator `start_sim` started) on exit, and defines
# `screen NAME`, `fail NAME MESSAGE`, `start_sim DIR ARGS…` and `field NAME`.

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
