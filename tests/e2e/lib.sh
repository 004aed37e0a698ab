# Shared by the tmux end-to-end scripts: source it after setting SCRIPT (the name used in
# messages) and, optionally, SCREEN_HISTORY (lines of scrollback `screen` reads). Resolves
# the binary (TILINK_BIN, default target/debug/tilink), checks tmux, makes WORK, kills every
# session in SESSIONS on exit, and defines `screen NAME` and `fail NAME MESSAGE`.

BIN=${TILINK_BIN:-target/debug/tilink}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "$SCRIPT: $BIN not found; run cargo build first" >&2; exit 2; }
command -v tmux >/dev/null || { echo "$SCRIPT: tmux is not installed" >&2; exit 2; }

WORK=$(mktemp -d)
SESSIONS=()
cleanup() {
  for s in "${SESSIONS[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

screen() { tmux capture-pane -p -S "-${SCREEN_HISTORY:-0}" -t "$1"; }
fail() { echo "$SCRIPT: $2" >&2; echo "----- screen of $1 -----" >&2; screen "$1" >&2 || true; exit 1; }
