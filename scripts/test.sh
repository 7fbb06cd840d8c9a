#!/usr/bin/env bash
# The test suite, on a fresh Debian machine: installs what the tests need when it is missing
# (stock zstd and tar, Debian's Chromium with fonts for Persian and Russian, Node.js and the
# locked playwright-core that drives Chromium, nginx, openssl, aria2c, microsocks and tinyproxy for
# the mirror tests), then runs every test. `.ci/run` calls this.
#
#   scripts/test.sh              # install what is missing (needs root or sudo), then cargo test
#   scripts/test.sh --no-install # only say what is missing, and stop
#   scripts/test.sh ARGS...      # extra arguments go to `cargo test`
set -euo pipefail
cd "$(dirname "$0")/.."

install=1
if [[ ${1:-} == --no-install ]]; then
    install=0
    shift
fi

missing=()
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v tar >/dev/null 2>&1 || missing+=(tar)
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-core >/dev/null 2>&1 || missing+=(fonts-noto-core)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
# Mirror tests: real nginx serving a mirror over HTTP and HTTPS (a test CA made with
# openssl), and aria2c downloading a bundle from its torrent's web seed.
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v aria2c >/dev/null 2>&1 || missing+=(aria2)
# ...and proxies readers use (a SOCKS5 server as Tor offers, an HTTP proxy).
[ -x /usr/bin/microsocks ] || missing+=(microsocks)
[ -x /usr/bin/tinyproxy ] || missing+=(tinyproxy)
if [ ${#missing[@]} -gt 0 ]; then
    line="apt-get install -y ${missing[*]}"
    if [[ $install == 0 ]]; then
        echo "missing for the tests: ${missing[*]}; install them with: $line" >&2
        exit 2
    fi
    sudo=()
    if [[ $(id -u) != 0 ]]; then
        command -v sudo >/dev/null 2>&1 || {
            echo "the tests need ${missing[*]}; run as root: $line" >&2
            exit 2
        }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q "${missing[@]}"
fi
# playwright-core, exactly as locked (it drives /usr/bin/chromium; it downloads no browser).
if [[ ! -d tests/browser/node_modules/playwright-core ]] || [[ tests/browser/package-lock.json -nt tests/browser/node_modules ]]; then
    (cd tests/browser && npm ci --no-audit --no-fund)
fi

cargo test --locked "$@"
