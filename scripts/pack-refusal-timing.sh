#!/usr/bin/env bash
# Times how long `tamizdat-publish pack` takes to refuse an edition it cannot pack, beside the
# time it takes merely to list the edition folder. A refusal should cost about a listing (and,
# for a missing reference, a scan of the small article files), never a compression of the
# edition's data.
#
#   scripts/pack-refusal-timing.sh              # builds the release binary, then times
#   NO_BUILD=1 scripts/pack-refusal-timing.sh   # uses target/release/tamizdat-publish as it is
#   PUBLISH=/path/to/tamizdat-publish scripts/pack-refusal-timing.sh   # another build
#
# Environment: SIZE_MB=1000 (random incompressible data, in files of 4 MB; 1 MB = 1,000,000
# bytes), BAD_NAMES=60,
# ARTICLES=300 (HTML pages of about 100 KB beside the article with a missing reference),
# WORK=target/pack-refusal-timing (kept between runs: the data is made once).
#
# The editions share the data (hard links): `bad-names` (SIZE_MB in 4 MB files and BAD_NAMES
# file names holding `:`), `missing-reference` (the same files, ARTICLES pages, and an article
# referencing a missing image) and `missing-reference-one-file` (the data as one file, the
# pages and the article). Each is packed once after a warm-up listing (the page cache holds the
# folder then, as it would for a publisher who just wrote it).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
SIZE_MB=${SIZE_MB:-1000}
BAD_NAMES=${BAD_NAMES:-60}
ARTICLES=${ARTICLES:-300}
WORK=${WORK:-$REPO/target/pack-refusal-timing}
NO_BUILD=${NO_BUILD:-0}
PUBLISH=${PUBLISH:-}

if [[ -z $PUBLISH ]]; then
    if [[ $NO_BUILD != 1 ]]; then
        (cd "$REPO" && nice -n 10 cargo build --release --quiet --bin tamizdat-publish)
    fi
    PUBLISH=$REPO/target/release/tamizdat-publish
fi
[[ -x $PUBLISH ]] || { echo "no binary at $PUBLISH" >&2; exit 2; }

data=$WORK/data
files=$((SIZE_MB / 4))
file_bytes=4000000
if [[ ! -f $data/.complete-$files-$file_bytes ]]; then
    rm -rf "$data"
    mkdir -p "$data"
    echo "making $files random files of 4 MB in $data ..." >&2
    for ((i = 0; i < files; i++)); do
        head -c "$file_bytes" /dev/urandom >"$data/$(printf 'part-%04d.bin' "$i")"
    done
    touch "$data/.complete-$files-$file_bytes"
fi
if [[ ! -f $data/.complete-whole ]]; then
    cat "$data"/part-*.bin >"$data/whole.bin"
    touch "$data/.complete-whole"
fi

make_edition() { # NAME [FILES]: a fresh edition folder whose data are hard links to $data
    local edition=$WORK/$1
    rm -rf "$edition"
    mkdir -p "$edition/data"
    ln "$data"/${2:-part-*.bin} "$edition/data/"
    printf -- '---\ntitle: Timing\nlang: en\n---\n\n# Timing\n\nA front page.\n' >"$edition/index.md"
    echo "$edition"
}

bad=$(make_edition bad-names)
for ((i = 0; i < BAD_NAMES; i++)); do
    printf 'x' >"$bad/$(printf 'report %02d: draft.txt' "$i")"
done
# A newsroom's day: ARTICLES pages of about 100 KB of HTML each (checking them takes a moment,
# as it does in a real edition), and one article referencing an image that is not there.
page=$WORK/page.html
{
    printf '<!doctype html><html lang=en><head><title>A story</title></head><body>\n'
    for ((i = 0; i < 400; i++)); do
        printf '<p>Paragraph %d of a long story, with <a href="#p%d">a link</a> and <em>some</em> emphasis.</p>\n' "$i" "$i"
        printf '<table><tr><td>%d</td><td>cell</td></tr></table>\n' "$i"
    done
    printf '</body></html>\n'
} >"$page"
add_articles() { # EDITION
    mkdir -p "$1/news"
    for ((i = 0; i < ARTICLES; i++)); do
        cp "$page" "$1/news/$(printf 'story-%04d.html' "$i")"
    done
    printf -- '---\ntitle: Photo\n---\n\n# Photo\n\n![A photo](images/not-there.jpg)\n' \
        >"$1/story.md"
}
missing=$(make_edition missing-reference)
add_articles "$missing"
# The same in one file: a check between files alone would not stop its compression.
missing_one=$(make_edition missing-reference-one-file whole.bin)
add_articles "$missing_one"

out=$WORK/out
rm -rf "$out" "$WORK/key.pub" "$WORK/key.key"
mkdir -p "$out"
"$PUBLISH" keygen --name "Timing Key" --unencrypted \
    --public-key "$WORK/key.pub" --secret-key "$WORK/key.key" >/dev/null

seconds() { # COMMAND...: runs it, prints wall seconds; its output is kept in $WORK/last.txt
    local start end
    start=$(date +%s.%N)
    "$@" >"$WORK/last.txt" 2>&1 || true
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

pack_it() {
    "$PUBLISH" pack "$1" --secret-key "$WORK/key.key" --channel timing --seq 1 \
        --time 2026-11-25T09:30:00Z --quiet --out "$out/bundle.tar.zst"
}

bytes=$(du -sb --apparent-size "$data" | cut -f1)
echo "binary:  $PUBLISH"
echo "edition: $((files)) data files, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB random data"
for edition in "$bad" "$missing" "$missing_one"; do
    find "$edition" >/dev/null # warm the page cache's metadata
    t_find=$(seconds find "$edition")
    t_ls=$(seconds ls -R "$edition")
    t_pack=$(seconds pack_it "$edition")
    problems=$(grep -c '^  - ' "$WORK/last.txt" || true)
    first=$(grep -m1 '^  - ' "$WORK/last.txt" || head -1 "$WORK/last.txt")
    echo
    echo "$(basename "$edition"):"
    printf '  find:  %6.2f s\n  ls -R: %6.2f s\n  pack:  %6.2f s to refuse (%s problems listed)\n' \
        "$t_find" "$t_ls" "$t_pack" "$problems"
    echo "  first: ${first# }"
    if [[ -e $out/bundle.tar.zst ]]; then
        echo "  ERROR: pack wrote a bundle" >&2
        exit 1
    fi
done
