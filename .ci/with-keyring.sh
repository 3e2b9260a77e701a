#!/usr/bin/env bash
# Runs a command inside a headless, unlocked gnome-keyring Secret Service
# session, with GRAPHMAIL_KEYRING_TESTS=1 so tests/keyring.rs runs for real.
#
#   .ci/with-keyring.sh cargo test --test keyring
#
# Needs: gnome-keyring dbus-x11 libsecret-tools (apt), i.e. dbus-run-session,
# gnome-keyring-daemon and secret-tool on PATH.
#
# NOTE: the keyring lives in a fresh throw-away directory (an old login
# keyring created with another password would refuse to unlock), reached
# through XDG_DATA_HOME (gnome-keyring stores keyrings in
# $XDG_DATA_HOME/keyrings). HOME is left alone so cargo and rustup still find
# their homes; the tests seal HOME/XDG for the binary themselves.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG]..." >&2
    exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon secret-tool; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool not found: apt-get install -y gnome-keyring dbus-x11 libsecret-tools" >&2
        exit 1
    fi
done

if [ -z "${GRAPHMAIL_KEYRING_INNER:-}" ]; then
    keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/graphmail-keyring.XXXXXX")
    trap 'rm -rf "$keyring_home"' EXIT
    mkdir -p "$keyring_home/data" "$keyring_home/run"
    chmod 700 "$keyring_home/run"
    # Not exec: the trap must run to remove the keyring dir.
    GRAPHMAIL_KEYRING_INNER=1 \
        GRAPHMAIL_KEYRING_HOME="$keyring_home" \
        XDG_DATA_HOME="$keyring_home/data" \
        XDG_RUNTIME_DIR="$keyring_home/run" \
        dbus-run-session -- "$0" "$@"
    exit $?
fi

# Inside the private D-Bus session.
# --unlock reads the password on stdin and creates the login keyring with it.
printf %s graphmail-ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# Fail here, not in the tests, when the Secret Service does not answer.
if ! printf %s probe | timeout 10 secret-tool store --label='graphmail probe' service graphmail-probe user probe; then
    echo "$0: the Secret Service did not accept a secret" >&2
    exit 1
fi
secret-tool clear service graphmail-probe user probe
unset GRAPHMAIL_KEYRING_INNER
export GRAPHMAIL_KEYRING_TESTS=1
"$@"
