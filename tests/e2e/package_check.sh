#!/usr/bin/env bash
# The packages, for real (issue 31): runs scripts/package, then
#   .deb     dpkg -i; /usr/bin/tilink --version names this commit; `man -w tilink` and
#            `man -w tilink-doctor` find the pages; the bash completion is in bash-completion's
#            completionsdir and loads (`tilink doc<Tab>` offers doctor); zsh and fish files are
#            in their vendor directories; dpkg -r (a trap removes it even on failure);
#   .rpm     rpm -qlp lists the same files; rpm -qip names name, version, licence, summary;
#   tarball  sha256sum -c; its binary, pages and completions; its tilink names this commit;
#   USAGE.md the per-user block of "Install" runs as written in a fresh HOME, and bash, man
#            (and zsh, fish when installed) find what it wrote.
# TILINK_PACKAGE_PROFILE picks the Cargo profile (default dev: the debug build scripts/test
# already made, seconds instead of the minutes of a release build; release for a release).
# Needs dpkg, rpm, man-db and bash-completion (scripts/test installs them); root or sudo.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCRIPT=package_check
profile=${TILINK_PACKAGE_PROFILE:-dev}
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
fail() { echo "$SCRIPT: $*" >&2; exit 1; }
ok() { echo "  ok  $*"; }
for tool in dpkg rpm man sha256sum git; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$SCRIPT: \`$tool\` is not installed" >&2; exit 2; }
done
if dpkg -s tilink >/dev/null 2>&1; then
  echo "$SCRIPT: a tilink package is installed already; this test installs and removes one:" >&2
  echo "  remove it first (dpkg -r tilink)" >&2
  exit 2
fi

WORK=$(mktemp -d)
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then $SUDO dpkg -r tilink >/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

began=$SECONDS
scripts/package --profile "$profile"
echo "  scripts/package --profile $profile: $((SECONDS - began)) s"
pkg=target/package
commit=$(git rev-parse --short=12 HEAD)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
licence=$(sed -n 's/^license = "\(.*\)"$/\1/p' Cargo.toml | head -1)
summary=$(sed -n 's/^description = "\(.*\)"$/\1/p' Cargo.toml | head -1)
deb=$(ls "$pkg"/tilink_*.deb)
rpm=$(ls "$pkg"/tilink-*.rpm)
tarball=$(ls "$pkg"/tilink-*.tar.gz)

# What both packages must install: the binary, every page the binary writes, completions.
pages=()
for p in "$pkg"/assets/man/*.1.gz; do pages+=("/usr/share/man/man1/$(basename "$p")"); done
[ ${#pages[@]} -ge 10 ] || fail "only ${#pages[@]} man pages in $pkg/assets/man"
common=(/usr/bin/tilink "${pages[@]}" /usr/share/bash-completion/completions/tilink
  /usr/share/fish/vendor_completions.d/tilink.fish)

echo "==> .deb: $deb"
installed=1
# --path-include: a container's dpkg may be told to drop /usr/share/man (docker slim images).
$SUDO dpkg --path-include='/usr/share/man/man1/tilink*' -i "$deb" >/dev/null
listed=$(dpkg -L tilink)
for f in "${common[@]}" /usr/share/zsh/vendor-completions/_tilink /usr/share/doc/tilink/copyright; do
  grep -qxF "$f" <<<"$listed" || fail "the deb does not install $f"
  [ -e "$f" ] || fail "$f is not on disk after dpkg -i"
done
ok "dpkg -i: ${#common[@]} files + zsh completion + copyright"
line=$(/usr/bin/tilink --version)
[[ $line == "tilink $version ($commit "* ]] || fail "/usr/bin/tilink --version says \`$line\`, not version $version commit $commit"
ok "$line"
for page in tilink tilink-doctor tilink-setup; do
  where=$(env -u MANPATH PATH=/usr/bin:/bin man -w "$page") || fail "man -w $page finds nothing"
  [ "$where" = "/usr/share/man/man1/$page.1.gz" ] || fail "man -w $page: $where"
done
MANPAGER=cat MANWIDTH=80 man tilink-doctor 2>/dev/null | grep -q "Walk an existing chain" ||
  fail "man tilink-doctor does not render the doctor page"
ok "man -w tilink, tilink-doctor, tilink-setup; man tilink-doctor renders"
compdir=/usr/share/bash-completion/completions
if pkg-config --exists bash-completion 2>/dev/null; then
  compdir=$(pkg-config --variable=completionsdir bash-completion)
fi
[ -f "$compdir/tilink" ] || fail "no bash completion in $compdir (bash-completion's completionsdir)"
# bash-completion's own loader finds it by command name, and it completes a subcommand.
bash_completes() { # HOME, then the words; prints COMPREPLY
  local home=$1
  shift
  # shellcheck disable=SC2016 # expanded by the inner bash
  env -i HOME="$home" PATH="$PATH" bash --norc --noprofile -c '
    . /usr/share/bash-completion/bash_completion
    _comp_load tilink 2>/dev/null || __load_completion tilink 2>/dev/null || _completion_loader tilink
    complete -p tilink >/dev/null || exit 1
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    "$(complete -p tilink | sed -n "s/.*-F \([^ ]*\) .*/\1/p")" tilink "${@: -1}" "${@: -2:1}"
    printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}
if [ -f /usr/share/bash-completion/bash_completion ]; then
  bash_completes "$WORK" tilink doc | grep -qx doctor || fail "bash-completion does not complete \`tilink doc\` to doctor"
  ok "bash completion in $compdir loads: tilink doc<Tab> → doctor"
else
  ok "bash completion in $compdir (bash-completion not installed: not loaded)"
fi
$SUDO dpkg -r tilink >/dev/null
installed=0
if [ -e /usr/bin/tilink ] || [ -e /usr/share/man/man1/tilink.1.gz ]; then fail "dpkg -r left files behind"; fi
ok "dpkg -r tilink removes it"

echo "==> .rpm: $rpm"
rpm_files=$(rpm -qlp "$rpm" 2>/dev/null)
for f in "${common[@]}" /usr/share/zsh/site-functions/_tilink /usr/share/licenses/tilink/LICENSE; do
  grep -qxF "$f" <<<"$rpm_files" || fail "the rpm does not install $f"
done
ok "rpm -qlp: the same ${#common[@]} files, zsh's site-functions, the licence"
rpm -qip "$rpm" 2>/dev/null | sed 's/^/      /' | head -12
got=$(rpm -qp --queryformat '%{NAME}\n%{VERSION}\n%{LICENSE}\n%{SUMMARY}\n' "$rpm" 2>/dev/null)
want=$(printf '%s\n' tilink "$version" "$licence" "$summary")
[ "$got" = "$want" ] || fail "rpm -qip: got
$got
want
$want"
ok "rpm -qip: tilink $version, $licence, the summary"

echo "==> tarball: $tarball"
(cd "$pkg" && sha256sum -c "$(basename "$tarball").sha256" >/dev/null) || fail "sha256sum -c fails"
ok "sha256sum -c"
tar -xzf "$tarball" -C "$WORK"
top=$(basename "$tarball" .tar.gz)
for f in tilink LICENSE README.md man/tilink.1.gz man/tilink-doctor.1.gz \
  completions/tilink.bash completions/_tilink completions/tilink.fish; do
  [ -f "$WORK/$top/$f" ] || fail "the tarball lacks $top/$f"
done
[[ $("$WORK/$top/tilink" --version) == *"($commit "* ]] || fail "the tarball's tilink does not name $commit"
ok "binary (names $commit), man pages, completions, LICENSE, README.md"

echo "==> docs/USAGE.md: the per-user install block in a fresh HOME"
home="$WORK/home"
mkdir -p "$home/.cargo/bin"
cp "$WORK/$top/tilink" "$home/.cargo/bin/"
block=$(awk '/package_check.sh runs the next block/ {on=1; next}
  on && /^```sh/ {inside=1; next} inside && /^```/ {exit} inside {print}' docs/USAGE.md)
[ -n "$block" ] || fail "no block after the package_check marker in docs/USAGE.md"
userpath="$home/.cargo/bin:/usr/bin:/bin"
env -i HOME="$home" PATH="$userpath" bash -euo pipefail -c "$block" 2>"$WORK/usage.err" ||
  fail "the USAGE.md block fails in a fresh HOME: $(cat "$WORK/usage.err")"
where=$(env -i HOME="$home" PATH="$userpath" man -w tilink-doctor) || fail "man does not find tilink-doctor after the USAGE.md block"
ok "ran as written; man -w tilink-doctor → ${where#"$home"/}"
if [ -f /usr/share/bash-completion/bash_completion ]; then
  bash_completes "$home" tilink doc | grep -qx doctor || fail "bash-completion does not load ~/.local/share/bash-completion/completions/tilink"
  ok "bash-completion loads the per-user file"
fi
if command -v zsh >/dev/null 2>&1; then
  # shellcheck disable=SC2016 # expanded by zsh
  env -i HOME="$home" PATH="$userpath" zsh -fc 'fpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit -u -d ~/.zcompdump; (( $+_comps[tilink] ))' ||
    fail "zsh does not register the completion from ~/.zfunc"
  ok "zsh registers _tilink from ~/.zfunc"
fi
if command -v fish >/dev/null 2>&1; then
  env -i HOME="$home" PATH="$userpath" fish -c 'complete -C "tilink doc"' | grep -q '^doctor' ||
    fail "fish does not complete tilink doc from ~/.config/fish/completions"
  ok "fish completes tilink doc → doctor"
fi
echo "$SCRIPT: all checks passed in $((SECONDS - began)) s"
