#!/usr/bin/env bash
# Times `tamizdat open` on signed bundles of the articles issue 10 found crashing or stalling
# the library, and prints its wall time and peak memory beside `zstd -d` and `tar -x` of the
# same bundle's payload (what reading the bytes costs at all) and `sha256sum` of the article.
#
#   scripts/hostile-articles.sh                          # builds the release binaries, then times
#   NO_BUILD=1 scripts/hostile-articles.sh               # uses target/release as it is
#   READER=/path/to/old/tamizdat scripts/hostile-articles.sh   # another reader build (before/after)
#
# Environment: WORK=target/hostile-articles (bundles are made once and kept), TIMEOUT=600.
# A crash shows as the signal; a stall as "timeout".
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
WORK=${WORK:-$REPO/target/hostile-articles}
TIMEOUT=${TIMEOUT:-600}
# shellcheck source=release-binaries.sh
source "$SCRIPT_DIR/release-binaries.sh"

# name, file, python expression making its text
cases=(
    "5,000 nested tables|tables.html|'<table><tr><td>' * 5000 + 'x'"
    "14,100 nested divs|divs.html|'<div>' * 14100 + 'x'"
    "50,000 nested b|bold.html|'<b>' * 50000 + 'x'"
    "50,000 > quotes|quotes.md|'>' * 50000 + ' x\\n'"
    "8 MB of &amp;|entities.html|'&amp;' * (8_000_000 // 5)"
    "8 MB of <p>x|paragraphs.html|'<p>x' * (8_000_000 // 4)"
)

printf '%-22s %12s %12s   %s\n' "article" "open s" "open MB" "baseline on the same bundle"
for case in "${cases[@]}"; do
    IFS='|' read -r title file expression <<<"$case"
    edition=$WORK/edition-$file
    bundle=$WORK/$file.tar.zst
    if [[ ! -f $bundle ]]; then
        rm -rf "$edition"
        mkdir -p "$edition"
        python3 -c "import sys; sys.stdout.write($expression)" >"$edition/$file"
        "$PUBLISH" pack "$edition" --secret-key "$key" --channel hostile --seq 1 \
            --out "$bundle" --quiet >/dev/null 2>&1
    fi
    library=$WORK/library
    rm -rf "$library" "$WORK/home"
    set +e
    TAMIZDAT_HOME=$WORK/home /usr/bin/time -f '%e %M' -o "$WORK/time" timeout "$TIMEOUT" \
        "$READER" open "$bundle" --library "$library" --public-key "$REPO/keys/demo.pub" \
        --no-browser --quiet >/dev/null 2>&1
    code=$?
    set -e
    # On a crash, time writes a "Command terminated" line first.
    read -r seconds kilobytes < <(tail -1 "$WORK/time") || true
    if [[ $code == 124 ]]; then
        shown_seconds="timeout"
    elif [[ $code -gt 128 ]]; then
        shown_seconds="signal $((code - 128))"
    else
        shown_seconds=$seconds
    fi
    # The payload (zstd frames of a tar stream) is the bundle's last payload.length bytes.
    payload=$("$REPO/target/release/tamizdat" info "$bundle" --json --public-key "$REPO/keys/demo.pub" \
        | python3 -c "import json, sys; print(json.load(sys.stdin)['manifest']['payload']['length'])")
    offset=$(($(stat -c %s "$bundle") - payload))
    start=$(date +%s.%N)
    tail -c +$((offset + 1)) "$bundle" | zstd -dq | tar -x --to-stdout >/dev/null
    middle=$(date +%s.%N)
    sha256sum "$edition/$file" >/dev/null
    end=$(date +%s.%N)
    printf '%-22s %12s %12s   zstd -d | tar -x %.2f s, sha256sum %.2f s\n' "$title" \
        "$shown_seconds" "$(awk -v k="${kilobytes:-0}" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')" \
        "$(echo "$middle - $start" | bc)" "$(echo "$end - $middle" | bc)"
done
