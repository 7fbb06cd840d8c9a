#!/usr/bin/env bash
# Builds and runs the fuzz targets, each for a number of seconds, at most JOBS at a time.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 600 s; all the targets)
#
# Environment: JOBS (targets run at once, default 2), RSS_LIMIT_MB (default 256).
# Seeds: on first use (an empty corpus folder) it runs the make_seeds helper (fuzz-key bundles
# via tamizdat::pack, test vectors, paths) and packs two demo-key bundles with the real
# `tamizdat-publish` binary. Corpora grow in fuzz/corpus/<target>/, crashes go to
# fuzz/artifacts/<target>/, logs to fuzz/artifacts/logs/<target>.log (all git-ignored).
# Reproduce a crash: cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir=$(pwd)
repo=$(cd .. && pwd)

seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(header path verify_unpack verify_unpack_signed salvage_signed render_article
    statement root_chain certified_header catalog)
fi
jobs=${JOBS:-2}
rss=${RSS_LIMIT_MB:-256}

max_len() {
  case $1 in
    header) echo 65536 ;;               # a header is 100 + M bytes; the seeds' are < 2 KB
    path) echo 4096 ;;                  # paths are at most 1024 bytes; allow longer to test that
    verify_unpack) echo 65536 ;;        # whole bundles; the seeds are 0.2 to 14 KB
    verify_unpack_signed) echo 65536 ;; # manifest + uncompressed tar; the largest seed is 32 KB
    salvage_signed) echo 65536 ;;       # the same input format as verify_unpack_signed
    statement) echo 16384 ;;            # statements and credentials blocks; the seeds are < 2 KB
    root_chain) echo 16384 ;;           # credentials blocks or JSON bodies; the seeds are < 2 KB
    certified_header) echo 65536 ;;     # as header, with a credentials block of a few KB
    catalog) echo 16384 ;;              # catalogs, entry points, channel lists; seeds < 2 KB
  esac
}

# The targets run in memory; anything that still needs a temporary file gets one in memory too.
if [ -z "${TMPDIR:-}" ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi
# ASan's default 256 MB free-list quarantine alone would fill the RSS limit; keep it small so
# that -rss_limit_mb measures the code under test.
export ASAN_OPTIONS="quarantine_size_mb=16${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

seed() {
  if [ -n "$(ls -A corpus/header 2>/dev/null)" ]; then
    return
  fi
  echo "== making seed corpora"
  cargo run --quiet --release --bin make_seeds -- corpus
  (cd "$repo" && cargo build --quiet --release --bin tamizdat-publish)
  local key
  key=$(mktemp)
  install -m 600 "$repo/keys/demo.key" "$key"
  for edition in examples/edition tests/vectors/edition; do
    local out name
    name=demo-key-$(basename "$(dirname "$edition")").tar.zst
    out=$(mktemp -u --suffix=.tar.zst)
    "$repo/target/release/tamizdat-publish" pack "$repo/$edition" --secret-key "$key" \
      --channel demo --seq 1 --time 1700000000 --out "$out" --quiet >/dev/null
    cp "$out" "corpus/header/$name"
    cp "$out" "corpus/verify_unpack/$name"
    rm -f "$out"
  done
  rm -f "$key"
}

seed
# Salvage reads the same input format as verify_unpack_signed: start from its seeds.
if [ -z "$(ls -A corpus/salvage_signed 2>/dev/null)" ]; then
  mkdir -p corpus/salvage_signed
  cp corpus/verify_unpack_signed/* corpus/salvage_signed/
fi
echo "== building ${targets[*]}"
for t in "${targets[@]}"; do
  (cd "$repo" && cargo +nightly fuzz build "$t" 2>&1 | grep -E '^(error|warning)' -A5) || true
  (cd "$repo" && cargo +nightly fuzz build "$t" >/dev/null 2>&1) || { echo "build of $t failed"; exit 2; }
done

mkdir -p artifacts/logs
run_one() {
  local t=$1
  mkdir -p "corpus/$t" "artifacts/$t"
  # Committed seeds (fuzz/seeds/<target>/, see make_authority_seeds) are read as a second
  # corpus folder; new inputs go to fuzz/corpus/<target>/ only.
  local seeds=()
  if [ -d "seeds/$t" ]; then
    seeds=("fuzz/seeds/$t")
  fi
  (cd "$repo" && cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "${seeds[@]}" -- \
    -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout=10 -max_len="$(max_len "$t")" \
    -print_final_stats=1 -artifact_prefix="$fuzz_dir/artifacts/$t/") \
    >"artifacts/logs/$t.log" 2>&1 || true
}

echo "== running ${#targets[@]} targets for ${seconds}s each, $jobs at a time, rss limit ${rss} MB"
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

status=0
for t in "${targets[@]}"; do
  log=artifacts/logs/$t.log
  execs=$(grep -a 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
  cov=$(grep -aE '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9A-Za-z]+')
  echo "-- $t: executions ${execs:-?}; ${cov:-no coverage line}; log $fuzz_dir/$log"
  if grep -aqE '^==[0-9]+==|ERROR: libFuzzer|panicked at|SUMMARY: ' "$log"; then
    status=1
    grep -aE 'panicked at|ERROR: libFuzzer|SUMMARY: |^==[0-9]+== ?ERROR' "$log" | head -5 | sed 's/^/   /'
    grep -aE 'Test unit written to' "$log" | sed 's/^/   /'
  fi
done
exit $status
