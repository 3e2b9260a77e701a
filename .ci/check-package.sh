#!/usr/bin/env bash
# Installs graphmail's .deb as a user would, uses it from its installed files,
# purges it and checks that nothing is left behind. As root, on Debian or
# Ubuntu, with the package not installed before (it is not installed after):
#
#   .ci/check-package.sh dist/graphmail_0.1.0-1_amd64.deb
#
# Checks: `graphmail --version` (text and JSON) from the default PATH, `man -w`
# for the man pages, `/usr/bin/graphmail demo`, a bash completion of
# `graphmail conn<TAB>` through the installed completion file, the zsh and
# fish completions in their system folders, and after `apt-get purge` no file
# or folder of the package left.
set -euo pipefail

deb=${1:?usage: $0 PATH/graphmail_VERSION_ARCH.deb}
deb=$(realpath "$deb")
pkg=$(dpkg-deb --field "$deb" Package)
upstream=$(dpkg-deb --field "$deb" Version)
upstream=${upstream%-*}
# What a user's shell finds, not a developer's ~/.cargo/bin.
user_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

say() { echo "check-package: $*"; }
fail() {
    echo "check-package: FAILED: $*" >&2
    exit 1
}
installed() { dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed; }

if installed; then
    fail "$pkg is installed already; apt-get purge $pkg first"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/graphmail-check.XXXXXX")
cleanup() {
    # A failed check must not leave the package on the machine.
    if installed; then apt-get purge -y -qq "$pkg" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Folders of the package that exist before it: shared ones (/usr/bin) stay.
dpkg-deb --contents "$deb" | awk '$1 ~ /^d/ { sub(/^\./, "", $NF); sub(/\/$/, "", $NF); print $NF }' |
    while read -r dir; do [ -d "$dir" ] && echo "$dir"; done >"$work/dirs-before" || true

say "apt-get install $deb"
apt-get install -y -qq --no-install-recommends "$deb" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; fail "apt-get install"; }
dpkg -L "$pkg" >"$work/files"
say "installed $(wc -l <"$work/files") paths; Depends: $(dpkg-query -W -f='${Depends}' "$pkg")"

# --version, as found on a user's PATH.
found=$(PATH=$user_path command -v graphmail) || fail "graphmail is not on the PATH"
[ "$found" = /usr/bin/graphmail ] || fail "graphmail resolves to $found, not /usr/bin/graphmail"
first=$(PATH=$user_path graphmail --version | head -n 1)
[ "$first" = "graphmail $upstream" ] || fail "graphmail --version says '$first', expected 'graphmail $upstream'"
json=$(PATH=$user_path graphmail --version --output json)
grep -q '"commit": "[0-9a-f]\{40\}"' <<<"$json" || fail "--version --output json names no commit: $json"
say "ok: graphmail --version: $(PATH=$user_path graphmail --version | tr '\n' ' ')"

# Man pages where man looks, gzipped.
for page in graphmail graphmail-connector-add; do
    where=$(man -w "$page") || fail "man -w $page found nothing"
    [ "$where" = "/usr/share/man/man1/$page.1.gz" ] || fail "man -w $page: $where"
done
man -P cat graphmail 2>/dev/null | grep -q "EXIT STATUS" || fail "man graphmail does not render"
say "ok: man -w graphmail: $(man -w graphmail)"

# The demo from the installed binary, with a throw-away home.
mkdir -p "$work/home"
if ! HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" \
    CI=1 NO_COLOR=1 /usr/bin/graphmail demo </dev/null >"$work/demo.log" 2>&1; then
    tail -n 30 "$work/demo.log" >&2
    fail "/usr/bin/graphmail demo"
fi
grep -q "^Done\." "$work/demo.log" || fail "the demo did not finish: $(tail -n 5 "$work/demo.log")"
say "ok: /usr/bin/graphmail demo ($(grep -c '^\$ graphmail' "$work/demo.log") commands)"

# Bash completion through the installed file, called as `complete -F` calls
# it (command, word, previous word).
completion=/usr/share/bash-completion/completions/graphmail
words=$(bash --norc --noprofile -c '
    source "$1"
    complete -p graphmail >/dev/null || exit 3
    COMP_WORDS=(graphmail conn); COMP_CWORD=1; COMP_LINE="graphmail conn"; COMP_POINT=${#COMP_LINE}
    _graphmail graphmail conn graphmail
    printf "%s\n" "${COMPREPLY[@]}"' bash "$completion") || fail "bash completion from $completion"
[ "$words" = connector ] || fail "graphmail conn<TAB> completes to '$words', expected 'connector'"
say "ok: graphmail conn<TAB> -> $words"
for file in /usr/share/zsh/vendor-completions/_graphmail /usr/share/fish/vendor_completions.d/graphmail.fish; do
    grep -qx "$file" "$work/files" && [ -s "$file" ] || fail "$file not installed"
done
if command -v zsh >/dev/null; then zsh -n /usr/share/zsh/vendor-completions/_graphmail || fail "zsh completion syntax"; fi
if command -v fish >/dev/null; then fish -n /usr/share/fish/vendor_completions.d/graphmail.fish || fail "fish completion syntax"; fi
say "ok: zsh and fish completions in their system folders"

say "apt-get purge $pkg"
apt-get purge -y -qq "$pkg" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get purge"; }
installed && fail "$pkg still installed after purge"
left=0
while read -r path; do
    [ "$path" = /. ] && continue
    if [ -d "$path" ] && [ ! -L "$path" ]; then
        grep -qx "$path" "$work/dirs-before" && continue
    fi
    if [ -e "$path" ] || [ -L "$path" ]; then
        echo "left behind: $path" >&2
        left=$((left + 1))
    fi
done <"$work/files"
[ "$left" -eq 0 ] || fail "$left paths left behind by apt-get purge"
say "ok: apt-get purge left nothing of the $(wc -l <"$work/files") paths behind"
