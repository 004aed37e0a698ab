#!/usr/bin/env bash
# Ctrl-C in the real terminal: the full-screen wizard in a detached tmux session is driven
# with Enter (c on the Plan) to the Provisioning screen, then gets Ctrl-C and `y` (stop now). Checks:
#   - tilink exits 130 and prints how to resume (setup) or why there is nothing to resume
#     (sandbox) on the restored terminal;
#   - the terminal is restored: the alternate screen is off, and `stty -a` run in the pane
#     afterwards shows `icanon` and `echo` (not `-icanon` / `-echo`);
#   - for a setup against `tilink sim`, the journal is kept (IN_PROGRESS, last_error
#     "interrupted") and `tilink setup --non-interactive --resume <id>` completes (exit 0).
# Runs at 100x30. Builds nothing: expects target/debug/tilink (cargo build). Needs tmux and
# python3. Every run has its own TILINK_STATE_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCRIPT=tmux_interrupt
TIMEOUT=${TILINK_E2E_TIMEOUT:-120}
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh
command -v python3 >/dev/null || { echo "tmux_interrupt: python3 is not installed" >&2; exit 2; }

# run_interrupted NAME DIR COMMAND...: runs COMMAND in a pane, Enter to Provisioning,
# Ctrl-C, y; waits for the exit; checks the exit code and the restored terminal.
run_interrupted() {
  local name=$1 dir=$2
  shift 2
  local status_file="$dir/exit-status" stty_file="$dir/stty" cmd
  cmd=$(printf '%q ' "$@")
  # The pane keeps running after tilink exits so the screen, the status and the tty
  # settings can be read.
  open_pane "$name" "$dir" <<PANE
$cmd 2> '$dir/stderr'
echo \$? > '$status_file'
cat '$dir/stderr'
stty -a > '$stty_file'
echo TILINK-EXITED
sleep 600
PANE
  local end=$((SECONDS + TIMEOUT))
  until screen "$name" | grep -q 'Provisioning'; do
    [ $SECONDS -lt $end ] || fail "$name" "never reached Provisioning"
    if screen "$name" | grep -q TILINK-EXITED; then fail "$name" "tilink exited before Provisioning"; fi
    # The Plan screen creates on its own key (c); Enter advances the others.
    if screen "$name" | grep -q 'step 6/9 Plan'; then
      tmux send-keys -t "$name" c
    else
      tmux send-keys -t "$name" Enter
    fi
    sleep 0.4
  done
  # Let provisioning actually start, then Ctrl-C.
  sleep 0.5
  screen "$name" | grep -q 'ACTIVE: private link' && fail "$name" "finished before Ctrl-C; slow the clock"
  tmux send-keys -t "$name" C-c
  end=$((SECONDS + 10))
  until screen "$name" | grep -q 'Stop provisioning?'; do
    [ $SECONDS -lt $end ] || fail "$name" "Ctrl-C did not ask to stop"
    sleep 0.1
  done
  # The dialog tells the truth about resuming: how (setup), or that there is nothing (sandbox).
  screen "$name" | grep -qE -- '--resume|nothing to' || fail "$name" "the stop dialog does not say whether and how to resume"
  tmux send-keys -t "$name" y
  expect_130_restored "$name" "$status_file" "$stty_file" "Ctrl-C, y"
  screen "$name" | grep -q TILINK-EXITED || fail "$name" "the shell's text is not on the restored screen"
  grep -qw 'icanon' "$stty_file" || fail "$name" "stty shows no icanon"
  grep -qw 'echo' "$stty_file" || fail "$name" "stty shows no echo"
  grep -q 'tilink: ' "$dir/stderr" || fail "$name" "nothing said on stderr after the stop"
}

# 1. The sandbox wizard.
d1="$WORK/sandbox"
mkdir -p "$d1/state"
run_interrupted "tilink-int-$$-sandbox" "$d1" \
  env TILINK_STATE_DIR="$d1/state" TILINK_NO_KEYRING=1 "$BIN" sandbox --time-scale 0.1
grep -q 'sandbox stopped' "$d1/stderr" || fail "tilink-int-$$-sandbox" "no 'sandbox stopped' message: $(cat "$d1/stderr")"
echo "tmux_interrupt: sandbox ok (Ctrl-C, y → exit 130, terminal restored: icanon echo)"

# 2. The setup wizard against `tilink sim`: the journal is kept and the setup resumes.
d2="$WORK/setup"
mkdir -p "$d2/state"
start_sim "$d2" --time-scale 0.1
sim_env=(
  TILINK_STATE_DIR="$d2/state" TILINK_NO_KEYRING=1 TILINK_POLL_SCALE=0.1 HOME="$d2"
  TILINK_ALIBABA_ENDPOINT="$(field alibaba_endpoint)" TILINK_TIDB_ENDPOINT="$(field tidb_endpoint)"
  ALIBABA_CLOUD_ACCESS_KEY_ID="$(field alibaba_access_key_id)"
  ALIBABA_CLOUD_ACCESS_KEY_SECRET="$(field alibaba_access_key_secret)"
  TIDBCLOUD_PUBLIC_KEY="$(field tidb_public_key)" TIDBCLOUD_PRIVATE_KEY="$(field tidb_private_key)"
)
cluster=$(field cluster_id)
rds=$(field rds_instance_id)
run_interrupted "tilink-int-$$-setup" "$d2" \
  env "${sim_env[@]}" "$BIN" setup --cluster-id "$cluster" --rds-instance "$rds"
journal=$(ls "$d2"/state/setups/*.json 2>/dev/null | head -n1)
[ -n "$journal" ] || fail "tilink-int-$$-setup" "no journal kept"
python3 - "$journal" <<'EOF' || fail "tilink-int-$$-setup" "journal not kept as interrupted: $(cat "$journal")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["state"] == "IN_PROGRESS", j["state"]
assert j.get("last_error") == "interrupted", j.get("last_error")
EOF
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["setup_id"])' "$journal")
grep -q -- "--resume $id" "$d2/stderr" || fail "tilink-int-$$-setup" "stderr does not say --resume $id: $(cat "$d2/stderr")"
env "${sim_env[@]}" "$BIN" setup --non-interactive --yes --cluster-id "$cluster" --rds-instance "$rds" \
  --resume "$id" > "$d2/resume.out" 2> "$d2/resume.err" \
  || { echo "tmux_interrupt: resume failed:" >&2; cat "$d2/resume.err" >&2; exit 1; }
grep -q '^ACTIVE' "$d2/resume.out" || { echo "tmux_interrupt: resume did not reach ACTIVE" >&2; cat "$d2/resume.out" >&2; exit 1; }
echo "tmux_interrupt: setup ok (Ctrl-C, y → exit 130, journal kept, --resume $id → ACTIVE)"
