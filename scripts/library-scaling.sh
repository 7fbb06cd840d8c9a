#!/usr/bin/env bash
# Shows that importing into the library does not grow with the library: imports editions of
# 150 articles (151 pages each) one by one, and prints for the import that makes the library
# 1, 20 and 200 editions its wall time, peak memory and how many files it wrote, beside
# `zstd -d | tar -x` of the same bundle (what reading its bytes costs at all); then the same
# for opening an edition already there, which must write nothing.
#
#   scripts/library-scaling.sh              # builds the release binaries, then measures
#   NO_BUILD=1 scripts/library-scaling.sh   # uses target/release as it is
#   READER=/path/to/old/tamizdat scripts/library-scaling.sh   # another reader build
#
# Environment: WORK=target/library-scaling (bundles are made once and kept), EDITIONS=200,
# ARTICLES=150.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
WORK=${WORK:-$REPO/target/library-scaling}
EDITIONS=${EDITIONS:-200}
ARTICLES=${ARTICLES:-150}
# shellcheck source=release-binaries.sh
source "$SCRIPT_DIR/release-binaries.sh"
mkdir -p "$WORK/bundles"

# One edition folder: the demo edition and ARTICLES Markdown articles of about 4 kB.
edition=$WORK/edition
if [[ ! -f $edition/.complete ]]; then
    rm -rf "$edition"
    cp -r "$REPO/examples/edition" "$edition"
    mkdir -p "$edition/more"
    python3 - "$edition/more" "$ARTICLES" <<'EOF'
import random, sys
folder, count = sys.argv[1], int(sys.argv[2])
words = "river bridge council library bread oven winter market school lantern harbour".split()
rng = random.Random(7)
for index in range(count - 3):
    text = " ".join(rng.choice(words) for _ in range(700))
    with open(f"{folder}/article-{index:03}.md", "w") as out:
        out.write(f"---\ntitle: Article {index}\nlang: en\n---\n\n# Article {index}\n\n{text}\n")
EOF
    touch "$edition/.complete"
fi
for sequence in $(seq 1 "$EDITIONS"); do
    bundle=$WORK/bundles/edition-$sequence.tar.zst
    [[ -f $bundle ]] && continue
    "$PUBLISH" pack "$edition" --secret-key "$key" --channel scaling --seq "$sequence" \
        --title "Edition $sequence" --time 2026-11-25T09:30:00Z --out "$bundle" --quiet \
        >/dev/null 2>&1
done

library=$WORK/library
rm -rf "$library" "$WORK/home"
# /usr/bin/time's %M is in KiB (1,024 bytes); the table shows MB of 1,000,000 bytes.
open_one() { # bundle -> "seconds peak-KiB files-written"
    local after
    touch "$WORK/stamp"
    sleep 0.01
    TAMIZDAT_HOME=$WORK/home /usr/bin/time -f '%e %M' -o "$WORK/time" \
        "$READER" open "$1" --library "$library" --public-key "$REPO/keys/demo.pub" \
        --no-browser --quiet >/dev/null 2>&1
    after=$(find "$library" -newer "$WORK/stamp" -type f | wc -l)
    echo "$(cat "$WORK/time") $after"
}
baseline() { # bundle -> "seconds peak-KiB"
    rm -rf "$WORK/untar"
    mkdir -p "$WORK/untar"
    /usr/bin/time -f '%e %M' -o "$WORK/time" \
        sh -c "zstd -dc --quiet '$1' | tar -x -C '$WORK/untar' 2>/dev/null" || true
    cat "$WORK/time"
}
mkdir -p "$library"
touch "$WORK/stamp"

printf '%-34s %8s %9s %14s   %s\n' "import" "open s" "open MB" "files written" "zstd -d | tar -x of the bundle"
for sequence in $(seq 1 "$EDITIONS"); do
    bundle=$WORK/bundles/edition-$sequence.tar.zst
    read -r seconds kilobytes written < <(open_one "$bundle")
    if [[ $sequence == 1 || $sequence == 20 || $sequence == 200 || $sequence == "$EDITIONS" ]]; then
        read -r base_seconds base_kilobytes < <(baseline "$bundle")
        printf '%-34s %8s %9.1f %14s   %s s, %.1f MB\n' \
            "edition $sequence (library of $sequence)" "$seconds" "$(awk "BEGIN { print $kilobytes * 1024 / 1e6 }")" \
            "$written" "$base_seconds" "$(awk "BEGIN { print $base_kilobytes * 1024 / 1e6 }")"
    fi
done
read -r seconds kilobytes written < <(open_one "$WORK/bundles/edition-1.tar.zst")
printf '%-34s %8s %9.1f %14s   (checks every byte again)\n' \
    "edition 1 again (library of $EDITIONS)" "$seconds" "$(awk "BEGIN { print $kilobytes * 1024 / 1e6 }")" "$written"
echo "library: $(du -sB1 "$library" | awk '{ printf "%.1f MB", $1 / 1e6 }'), $(find "$library" -type f | wc -l) files"
