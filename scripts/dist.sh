#!/usr/bin/env bash
# Builds graphmail's release artefacts for the host target into dist/:
#
#   graphmail-VERSION-TARGET.tar.gz  the binary, man/, completions/, README.md,
#                                    LICENSE-MIT, LICENSE-APACHE, INSTALL
#   graphmail_VERSION-1_ARCH.deb     the same binary, man pages, bash/zsh/fish
#                                    completions in the system folders (cargo-deb)
#   SHA256SUMS                       over the two
#
#   scripts/dist.sh [--out DIR] [--no-deb] [--binary PATH] [--fast]
#
# --no-deb skips the package (no cargo-deb needed); --binary packs an already
# built binary instead of building one, and implies --no-deb; --fast
# compresses lightly. tests/dist.rs uses the last two to check the archive's
# layout with the test build in seconds.
#
# Needs: cargo, GNU tar, gzip, sha256sum; for the .deb, cargo-deb
# (`cargo install cargo-deb --version 3.8.0 --locked`) and dpkg-dev
# (dpkg-shlibdeps computes the package's dependencies from the binary).
#
# Reproducible: SOURCE_DATE_EPOCH (default: the commit's date) dates the
# binary (`graphmail --version`), every file in the archive and in the .deb;
# the archive's entries are sorted, owned by 0:0 with fixed modes, and
# gzipped without a name or time (gzip -n). Two builds of one commit with the
# same toolchain give byte-identical artefacts.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist
deb=1
binary=
level=9
while [ "$#" -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --no-deb) deb=; shift ;;
        --binary) binary=$2; deb=; shift 2 ;;
        --fast) level=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    if ! SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null); then
        echo "$0: not a git checkout: set SOURCE_DATE_EPOCH (seconds since 1970) to date the build" >&2
        exit 2
    fi
fi
export SOURCE_DATE_EPOCH
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
    echo "warning: the working tree has uncommitted changes; the artefacts will not match the commit" >&2
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
target=$(rustc -vV | sed -n 's/^host: //p')
[ -n "$version" ] && [ -n "$target" ] || { echo "$0: cannot tell the version or the target" >&2; exit 1; }

# OpenSSL linked in, not loaded: resolving a shared libssl's and libcrypto's
# symbols cost every start of graphmail 1.5 to 1.8 ms (`--version` 6.5 ->
# 4.8 ms; BENCHMARKS.md, the eleventh landing), and the archive then runs
# where OpenSSL 3 is not installed. openssl-sys reads these variables
# (its build/main.rs, `env` and `determine_mode`); Debian's libssl-dev
# ships the static libraries in the multiarch folder. examples/common/mod.rs
# builds the bench's binary the same way. An OpenSSL security fix then needs
# a new build, as for any statically linked library.
static_openssl() {
    local lib=/usr/lib/x86_64-linux-gnu
    if [ ! -f "$lib/libssl.a" ] || [ ! -f "$lib/libcrypto.a" ]; then
        echo "$0: no static OpenSSL in $lib: apt-get install libssl-dev" >&2
        exit 1
    fi
    export X86_64_UNKNOWN_LINUX_GNU_OPENSSL_STATIC=1
    export X86_64_UNKNOWN_LINUX_GNU_OPENSSL_LIB_DIR=$lib
    export X86_64_UNKNOWN_LINUX_GNU_OPENSSL_INCLUDE_DIR=/usr/include
}

if [ -z "$binary" ]; then
    if [ "$target" = x86_64-unknown-linux-gnu ]; then
        static_openssl
    fi
    echo "== cargo build --profile dist --locked ($target)"
    cargo build --profile dist --locked
    binary=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/dist/graphmail
fi
[ -x "$binary" ] || { echo "$0: no binary at $binary" >&2; exit 1; }
# The binary must be the version being packed.
reported=$("$binary" --version | head -n 1)
[ "$reported" = "graphmail $version" ] || { echo "$0: $binary says '$reported', expected 'graphmail $version'" >&2; exit 1; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
name="graphmail-$version-$target"
work=$(mktemp -d "${TMPDIR:-/tmp}/graphmail-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== $name.tar.gz"
stage="$work/$name"
# Explicit modes: the archive must not depend on the builder's umask.
install -d -m 755 "$stage" "$stage/man" "$stage/completions"
install -m 755 "$binary" "$stage/graphmail"
install -m 644 man/*.1 "$stage/man/"
install -m 644 completions/* "$stage/completions/"
install -m 644 README.md LICENSE-MIT LICENSE-APACHE INSTALL "$stage/"
rm -f "$out/$name.tar.gz"
# --format=gnu: no pax headers carrying access or change times.
tar --create --format=gnu --sort=name --mtime="@$SOURCE_DATE_EPOCH" \
    --owner=0 --group=0 --numeric-owner --directory="$work" "$name" |
    gzip -$level -n >"$out/$name.tar.gz"

artefacts=("$name.tar.gz")
if [ -n "$deb" ]; then
    if ! cargo deb --version >/dev/null 2>&1; then
        echo "$0: cargo-deb is missing: cargo install cargo-deb --version 3.8.0 --locked (or pass --no-deb)" >&2
        exit 1
    fi
    echo "== .deb (cargo deb)"
    # --no-build: package the binary built above; --no-strip: the dist
    # profile stripped it already, so the .deb and the archive carry the
    # same bytes.
    debfile=$(cargo deb --no-build --no-strip --locked --output "$out" | tail -n 1)
    artefacts+=("$(basename "$debfile")")
fi

echo "== SHA256SUMS"
(cd "$out" && sha256sum "${artefacts[@]}" >SHA256SUMS && cat SHA256SUMS)
