#!/usr/bin/env bash
# Measures graphmail and CLI for Microsoft 365 (`m365`) side by side, in one
# run, on the operations both have (BENCHMARKS.md, "Side by side"):
#
#   start-up:                  m365 version          / graphmail --version
#   local configuration read:  m365 cli config list  / graphmail status
#
#   scripts/compare-m365.sh M365 [GRAPHMAIL] [RUNS]
#
# M365 is the `m365` launcher (for example node_modules/.bin/m365 after
# `npm install @pnp/cli-microsoft365` in a temporary folder; it is not part of
# this repository); GRAPHMAIL defaults to target/release/graphmail; RUNS to 5.
# Each command runs RUNS times under GNU time (`/usr/bin/time`, Debian's
# `time` package), which reports the command's own peak RSS (the ru_maxrss of
# a child it forked itself, so this script's memory is not counted). Prints
# the median and the minimum wall time and the largest peak RSS. Wall times
# include starting GNU time itself (about a millisecond), the same for both;
# examples/bench.rs measures graphmail's start-up more finely.
#
# Both tools run in a throw-away HOME. graphmail reads a state file of 1,000
# connectors and 2,000 routes written by `examples/bench.rs` when
# BENCH_STATE points at one (BENCH_KEEP=DIR on the bench keeps them);
# otherwise an empty state. m365 gets CLIMICROSOFT365_NOUPDATE=1 and
# telemetry disabled, so neither tool touches the network on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."

m365=${1:?usage: $0 M365 [GRAPHMAIL] [RUNS]}
graphmail=${2:-target/release/graphmail}
runs=${3:-5}
[ -x /usr/bin/time ] || { echo "$0: needs GNU time (apt-get install time)" >&2; exit 2; }
[ -x "$graphmail" ] || { echo "$0: no $graphmail (cargo build --release)" >&2; exit 2; }

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME=$home XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data
export CI=1 NO_COLOR=1 CLIMICROSOFT365_NOUPDATE=1
state=${BENCH_STATE:-$home/state.toml}
export GRAPHMAIL_STATE=$state
"$m365" cli config set --key disableTelemetry --value true >/dev/null 2>&1 || true

# measure NAME COMMAND...: RUNS runs; prints median/min wall and max RSS.
measure() {
    local name=$1
    shift
    local walls=() rss=0 kib t0 t1
    for _ in $(seq "$runs"); do
        t0=$(date +%s%N)
        /usr/bin/time -o "$home/rss" -f '%M' "$@" >/dev/null 2>&1 || true
        kib=$(tail -1 "$home/rss")
        t1=$(date +%s%N)
        walls+=("$(echo "($t1 - $t0) / 1000000000" | bc -l)")
        [ "$kib" -gt "$rss" ] && rss=$kib
    done
    local sorted
    sorted=$(printf '%s\n' "${walls[@]}" | sort -g)
    printf '%-40s median %6.3f s  min %6.3f s  peak RSS %6.1f MiB  (%s runs)\n' \
        "$name" \
        "$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")" \
        "$(echo "$sorted" | head -1)" \
        "$(echo "$rss / 1024" | bc -l)" \
        "$runs"
}

echo "m365 $("$m365" version 2>/dev/null | tr -d '"' || echo '?'), node $(node --version), $("$graphmail" --version)"
echo "graphmail state: $state"
measure "m365 version" "$m365" version
measure "graphmail --version" "$graphmail" --version
measure "m365 cli config list" "$m365" cli config list
measure "graphmail status" "$graphmail" status
