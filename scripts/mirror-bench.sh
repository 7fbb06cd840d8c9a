#!/usr/bin/env bash
# Measures mirrors against the standard tools, in one run, on the same data: a mirror of
# editions totalling ~500 MB (incompressible, so compression does not flatter anyone) served by
# nginx on 127.0.0.1.
#
#   scripts/mirror-bench.sh            # MB=500 EDITIONS=5 RUNS=3
#
#   sync     tamizdat mirror sync URL DST   vs  wget --mirror URL   vs  curl of every file
#            (each into a fresh folder; wall time and peak RSS, alternating, RUNS rounds)
#   resume   a sync SIGKILLed once half the bytes are on disk, then run again: bytes nginx
#            sent in all, against the mirror's size (what was fetched twice)
#   check    tamizdat mirror check DST  vs  sha256sum DST/bundles/*.tar.zst (warm cache)
#
# Needs nginx (nginx-light), wget, curl; NO_BUILD=1 uses target/release as it is;
# BENCH_DIR (default /tmp/tamizdat-mirror-bench) is removed at the end unless KEEP=1.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MB=${MB:-500}
EDITIONS=${EDITIONS:-5}
RUNS=${RUNS:-3}
BENCH_DIR=${BENCH_DIR:-/tmp/tamizdat-mirror-bench}
export LC_ALL=C

for tool in wget curl /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "missing: nginx (apt-get install -y nginx-light)" >&2; exit 2; }
if [[ ${NO_BUILD:-0} != 1 ]]; then
    (cd "$REPO" && cargo build --release --locked -q)
fi
T="$REPO/target/release/tamizdat"
P="$REPO/target/release/tamizdat-publish"

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"
cd "$BENCH_DIR"
export TAMIZDAT_HOME="$BENCH_DIR/home"
cleanup() {
    [ -f nginx/nginx.pid ] && kill "$(cat nginx/nginx.pid)" 2>/dev/null || true
    if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$BENCH_DIR"; fi
}
trap cleanup EXIT

echo "making a mirror of $EDITIONS editions, $MB MB in all" >&2
"$P" keygen --name "Bench News" --public-key bench.pub --secret-key bench.key --unencrypted -q
"$T" trust add bench.pub </dev/null >/dev/null
per=$((MB * 1000000 / EDITIONS))
bundles=()
for n in $(seq 1 "$EDITIONS"); do
    mkdir -p "edition-$n"
    printf -- '---\ntitle: Bench edition %s\n---\n\nText.\n' "$n" >"edition-$n/index.md"
    head -c "$per" /dev/urandom >"edition-$n/noise.bin"
    "$P" pack "edition-$n" --secret-key bench.key --channel bench --seq "$n" \
        --level 1 --out "bundle-$n.tar.zst" -q
    bundles+=("bundle-$n.tar.zst")
done
"$P" mirror add "${bundles[@]}" --to mirror --secret-key bench.key -q
TOTAL=$(du -cb mirror/bundles/*.tar.zst | tail -1 | cut -f1)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p nginx/tmp
user=""
((EUID == 0)) && user="user root root;"
cat >nginx/nginx.conf <<EOF
$user
worker_processes 1;
pid $BENCH_DIR/nginx/nginx.pid;
error_log $BENCH_DIR/nginx/error.log;
events { worker_connections 64; }
http {
    access_log $BENCH_DIR/nginx/access.log;
    client_body_temp_path $BENCH_DIR/nginx/tmp;
    proxy_temp_path $BENCH_DIR/nginx/tmp;
    fastcgi_temp_path $BENCH_DIR/nginx/tmp;
    uwsgi_temp_path $BENCH_DIR/nginx/tmp;
    scgi_temp_path $BENCH_DIR/nginx/tmp;
    sendfile on;
    server {
        listen 127.0.0.1:$PORT;
        root $BENCH_DIR/mirror;
        location /__limited/ { alias $BENCH_DIR/mirror/; limit_rate 100m; }
    }
}
EOF
"$NGINX" -p "$BENCH_DIR/nginx" -c "$BENCH_DIR/nginx/nginx.conf"
URL="http://127.0.0.1:$PORT/"
for _ in $(seq 50); do curl -sf -o /dev/null "$URL/tamizdat-mirror.json" && break; sleep 0.1; done
sent() { awk '{ s += $10 } END { printf "%.0f\n", s }' nginx/access.log; }
bytes_in() { # total bytes of the files under a folder, 0 when it does not exist
    if [ -d "$1" ]; then du -cb "$1" | tail -1 | cut -f1; else echo 0; fi
}

# Lists every file of the mirror, for curl.
(cd mirror && find . -type f | sed 's|^\./||' | sort) >files.txt

measure() { # NAME COMMAND...: prints "NAME seconds peak-KiB"
    local name=$1
    shift
    /usr/bin/time -f "$name %e %M" -o time.out "$@" >/dev/null 2>&1
    cat time.out
}
sync_run() { rm -rf dst && measure tamizdat "$T" mirror sync "$URL" dst; }
wget_run() { rm -rf dst && measure wget wget -q --mirror --no-parent -nH -P dst "$URL"; }
curl_run() {
    rm -rf dst && mkdir dst
    measure curl bash -c "cd dst && while read -r f; do mkdir -p \"\$(dirname \"\$f\")\"; curl -sf -o \"\$f\" \"$URL\$f\"; done <../files.txt"
}
echo "sync of $TOTAL bytes of bundles from nginx on 127.0.0.1, $RUNS rounds:" >&2
: >sync.txt
sync_run >/dev/null # warm-up: page cache holds the mirror
for _ in $(seq "$RUNS"); do
    sync_run >>sync.txt
    wget_run >>sync.txt
    curl_run >>sync.txt
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
printf '\n%-10s %10s %10s %12s\n' tool "median s" "MB/s" "peak RSS MiB"
for tool in tamizdat wget curl; do
    s=$(awk -v t=$tool '$1 == t { print $2 }' sync.txt | median)
    rss=$(awk -v t=$tool '$1 == t { print $3 }' sync.txt | median)
    printf '%-10s %10.2f %10.0f %12.1f\n' "$tool" "$s" "$(echo "$TOTAL / $s / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done

echo >&2
echo "resume: a sync killed once half the bytes are on disk, then run again" >&2
rm -rf dst
before=$(sent)
"$T" mirror sync "${URL}__limited/" dst >/dev/null 2>&1 &
pid=$!
while :; do
    on_disk=$(bytes_in dst/bundles)
    ((on_disk >= TOTAL / 2)) && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
at_kill=$(bytes_in dst/bundles)
"$T" mirror sync "${URL}__limited/" dst >/dev/null
"$T" mirror check dst >/dev/null
after=$(sent)
served=$((after - before))
printf 'killed with %d of %d bytes on disk; nginx sent %d bytes in all: %d fetched twice (%.2f%% of the mirror)\n' \
    "$at_kill" "$TOTAL" "$served" "$((served - TOTAL))" "$(echo "($served - $TOTAL) * 100 / $TOTAL" | bc -l)"

echo >&2
echo "check: tamizdat mirror check vs sha256sum, warm cache, $RUNS rounds" >&2
: >check.txt
sha256sum dst/bundles/*.tar.zst >/dev/null
for _ in $(seq "$RUNS"); do
    measure check "$T" mirror check dst >>check.txt
    measure sha256sum sha256sum dst/bundles/*.tar.zst >>check.txt
done
printf '\n%-10s %10s %10s %12s\n' tool "median s" "MB/s" "peak RSS MiB"
for tool in check sha256sum; do
    s=$(awk -v t=$tool '$1 == t { print $2 }' check.txt | median)
    rss=$(awk -v t=$tool '$1 == t { print $3 }' check.txt | median)
    printf '%-10s %10.2f %10.0f %12.1f\n' "$tool" "$s" "$(echo "$TOTAL / $s / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
