#!/usr/bin/env bash
# Benchmarks tamizdat against the standard tools, in one run, on the same data, at one level,
# following /work/shared/BENCHMARKING.md.
#
#   sudo scripts/bench.sh                  # full corpus (>= 500 MB) + its python-docs subset
#   sudo scripts/bench.sh --quick-corpus   # ~85 MB corpus, to test the script itself (or SMALL=1)
#
# Options / environment:
#   --quick-corpus  (SMALL=1)   small corpus: one copy of the python docs + images/PDFs/fonts
#   --level N       (LEVEL=3)   zstd level for tamizdat and for zstd
#   --runs N        (RUNS=5)    timed runs per command after one warm-up, alternating A B A B
#   READ_RUNS=10                timed runs for the (short) verify / sha256sum / zstd -d group
#   BENCH_DIR=/tmp/tamizdat-bench   work folder: corpus (kept), results (kept), run.* (removed)
#   TARGET_MB=500, COPIES=N     corpus size (see scripts/make-corpus.sh)
#   DOCS_SUBSET=1               also benchmark the python-docs-only subset of the corpus
#   NO_BUILD=1                  do not run cargo build --release (use the binaries as they are)
#
# What is measured (hyperfine, one invocation per round so commands alternate; medians with
# min-max; /usr/bin/time -v for peak RSS of every process):
#   pack     tamizdat-publish pack (all cores, and --threads 1)  vs  tar | zstd -T1, -T0
#   verify   tamizdat verify, verify --quick  vs  zstd -dc plain.tar.zst, zstd -dc bundle,
#            sha256sum bundle
#   unpack   tamizdat unpack  vs  zstd -dc | tar -xf  (and the same followed by sync); before
#            every run: rm -rf the outputs, sync, echo 3 > /proc/sys/vm/drop_caches
#   sizes    bundle vs plain .tar.zst; bundle payload vs the same tar as one solid zstd frame
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
SMALL=${SMALL:-0}
LEVEL=${LEVEL:-3}
RUNS=${RUNS:-5}
BENCH_DIR=${BENCH_DIR:-/tmp/tamizdat-bench}
DOCS_SUBSET=${DOCS_SUBSET:-1}
NO_BUILD=${NO_BUILD:-0}
while (($#)); do
    case $1 in
        --quick-corpus | --small) SMALL=1 ;;
        --level) LEVEL=$2; shift ;;
        --level=*) LEVEL=${1#*=} ;;
        --runs) RUNS=$2; shift ;;
        --runs=*) RUNS=${1#*=} ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
READ_RUNS=${READ_RUNS:-$((RUNS * 2))}
[[ $LEVEL =~ ^[0-9]+$ ]] && ((LEVEL >= 1 && LEVEL <= 22)) || { echo "LEVEL must be 1..22" >&2; exit 2; }
[[ $RUNS =~ ^[0-9]+$ ]] && ((RUNS >= 1)) || { echo "RUNS must be >= 1" >&2; exit 2; }
((EUID == 0)) || { echo "run as root (unpack timings drop the page cache)" >&2; exit 2; }
export SMALL BENCH_DIR LC_ALL=C DEBIAN_FRONTEND=noninteractive
ZLEVEL=-$LEVEL
((LEVEL > 19)) && ZLEVEL="--ultra -$LEVEL"
START=$(date +%s)

log() { printf '\n[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
q() { printf '%q' "$1"; }

# ---------------------------------------------------------------- tools
apt_updated=0
need() { # need COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && [[ $1 != /* || -x $1 ]] && return 0
    log "installing $2"
    if ! apt-get install -y "$2" >/dev/null 2>&1; then
        ((apt_updated)) || { apt-get update >/dev/null; apt_updated=1; }
        apt-get install -y "$2" >/dev/null
    fi
}
need hyperfine hyperfine
need /usr/bin/time time
need zstd zstd
need tar tar
need sha256sum coreutils
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3) || { need python3 python3; PYTHON=$(command -v python3); }

# ---------------------------------------------------------------- work folders
mkdir -p "$BENCH_DIR"
RUN=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
MODE=$([[ $SMALL == 1 ]] && echo quick || echo full)
RESULTS=$BENCH_DIR/results/$(date +%Y%m%d-%H%M%S)-$MODE-L$LEVEL
mkdir -p "$RESULTS/raw"
cleanup() {
    local rc=$?
    # Large outputs only: bundles, plain archives, unpacked trees. The corpus and results stay.
    rm -rf "$RUN"
    ((rc == 0)) || echo "bench.sh failed (exit $rc); partial results in $RESULTS" >&2
}
trap cleanup EXIT
METRICS=$RESULTS/metrics.tsv
: >"$METRICS"
metric() { printf '%s\t%s\n' "$1" "$2" >>"$METRICS"; }

# ---------------------------------------------------------------- helper (merge, tables, summary)
HELPER=$RUN/helper.py
cat >"$HELPER" <<'PY'
import json, os, statistics, sys

def load_metrics(path):
    m = {}
    for line in open(path, encoding="utf-8"):
        k, _, v = line.rstrip("\n").partition("\t")
        m[k] = v
    return m

def merge(out, names, rounds):
    """Merges one-run-per-command hyperfine exports (one per round) into one export."""
    per = {}
    for path in rounds:
        for r in json.load(open(path))["results"]:
            e = per.setdefault(r["command"], {"times": [], "user": [], "system": []})
            e["times"] += r["times"]
            e["user"].append(r["user"])
            e["system"].append(r["system"])
    results = []
    for name in names:
        e = per[name]
        t = e["times"]
        results.append({
            "command": name, "times": t, "runs": len(t),
            "median": statistics.median(t), "min": min(t), "max": max(t),
            "mean": statistics.fmean(t), "stddev": statistics.stdev(t) if len(t) > 1 else 0.0,
            "user": statistics.median(e["user"]), "system": statistics.median(e["system"]),
        })
    json.dump({"results": results, "note": "merged from alternating one-run hyperfine rounds (warm-up round dropped)"},
              open(out, "w"), indent=1)

def table(path, corpus_bytes, commands_file):
    cmds = json.load(open(commands_file))
    res = json.load(open(path))["results"]
    b = float(corpus_bytes)
    print(f"  {'command':<22} {'median s':>9} {'min-max s':>17} {'MB/s':>8} {'CPU s':>7}  runs")
    for r in res:
        print(f"  {r['command']:<22} {r['median']:9.3f} {r['min']:8.3f}-{r['max']:<8.3f} "
              f"{b / r['median'] / 1e6:8.1f} {r['user'] + r['system']:7.2f}  {r['runs']}")
    for r in res:
        print(f"    {r['command']}: {cmds[r['command']]}")

def summary(results_dir):
    m = load_metrics(os.path.join(results_dir, "metrics.tsv"))
    out = []
    p = out.append
    p("=" * 100)
    p("tamizdat benchmark summary")
    p("=" * 100)
    p(f"machine   : {m['machine.nproc']} CPUs, {m['machine.cpu']} (SHA-NI: {m['machine.sha_ni']}), "
      f"{m['machine.mem']}, kernel {m['machine.kernel']}, {m['machine.fs']} at {m['bench_dir']}")
    p(f"tamizdat  : {m['tool.tamizdat']}, git {m['tool.git']}")
    p(f"            {m['tool.build']}")
    p(f"tools     : {m['tool.zstd']}; {m['tool.tar']}; {m['tool.hyperfine']}; {m['tool.sha256sum']}; {m['tool.rustc']}")
    p(f"protocol  : zstd level {m['level']}; hyperfine, 1 warm-up round then {m['runs']} round(s) "
      f"({m['read_runs']} for verify/sha256sum/zstd -d), commands alternating A B A B within each round; "
      f"unpack runs after rm -rf + sync + drop_caches; MB = 10^6 bytes, MB/s = corpus bytes / median")
    p(f"results   : {results_dir}")
    for label in m["labels"].split():
        g = lambda k, d="": m.get(f"{label}.{k}", d)
        bytes_ = int(g("bytes"))
        p("")
        p("-" * 100)
        p(f"corpus '{label}': {g('desc')}")
        p(f"  {int(g('files')):,} files, {bytes_ / 1e6:.1f} MB, sha256 list digest {g('digest')}")
        if label != "docs":
            p(f"  names: {m['corpus.names']}")
        p("-" * 100)
        rows = []
        meds = {}
        for group in ("pack", "read", "unpack"):
            path = os.path.join(results_dir, f"{label}-{group}.json")
            if not os.path.exists(path):
                continue
            for r in json.load(open(path))["results"]:
                meds[r["command"]] = r["median"]
                rows.append((group, r))
        p(f"  {'work':<7} {'command':<34} {'median s':>9} {'min-max s':>15} {'MB/s':>8} {'CPU s':>6} {'peak RSS MB':>14}")
        for group, r in rows:
            rss = g(f"rss.{r['command']}", "")
            parts = g(f"rssparts.{r['command']}", "")
            rss_s = (f"{int(rss) * 1024 / 1e6:.1f}" if rss else "-") + (f" ({parts})" if parts else "")
            desc = m.get(f"desc.{r['command']}", r["command"])
            p(f"  {group:<7} {desc:<34} {r['median']:9.3f} {r['min']:7.3f}-{r['max']:<7.3f} "
              f"{bytes_ / r['median'] / 1e6:8.1f} {r['user'] + r['system']:6.2f} {rss_s:>14}")
        def ratio(a, b):
            return meds[a] / meds[b] if a in meds and b in meds else float("nan")
        def mark(ok):
            return "PASS" if ok else "MISS"
        p("")
        p("  ratios (time / time; > 1 means tamizdat is slower):")
        p(f"    pack (all cores)  vs tar|zstd -T0        : {ratio('tz_pack', 'tar_zstd_T0'):6.2f}x")
        p(f"    pack (all cores)  vs tar|zstd -T1        : {ratio('tz_pack', 'tar_zstd_T1'):6.2f}x")
        p(f"    pack --threads 1  vs tar|zstd -T1        : {ratio('tz_pack_t1', 'tar_zstd_T1'):6.2f}x   (one compression thread each)")
        p(f"    verify            vs zstd -dc plain      : {ratio('tz_verify', 'zstd_dc_plain'):6.2f}x")
        p(f"    verify            vs zstd -dc bundle     : {ratio('tz_verify', 'zstd_dc_bundle'):6.2f}x")
        p(f"    verify            vs sha256sum bundle    : {ratio('tz_verify', 'sha256_bundle'):6.2f}x")
        qs = ratio('sha256_bundle', 'tz_verify_quick')
        p(f"    verify --quick speed / sha256sum speed  : {qs * 100:6.1f}%   target >= 80%  {mark(qs >= 0.8)}")
        u = ratio('tz_unpack', 'zstd_tar')
        p(f"    unpack            vs zstd -dc | tar -xf  : {u:6.2f}x   target <= 1.30x  {mark(u <= 1.3)}")
        p(f"    unpack            vs zstd|tar + sync     : {ratio('tz_unpack', 'zstd_tar_sync'):6.2f}x   (durable like tamizdat, which syncs the tree before renaming it into place)")
        for key, what in (("tz_pack", "pack peak RSS"), ("tz_pack_t1", "pack --threads 1 peak RSS"), ("tz_unpack", "unpack peak RSS"), ("tz_verify", "verify peak RSS")):
            rss = g(f"rss.{key}", "")
            if rss:
                mb = int(rss) * 1024 / 1e6  # time -v counts KiB; MB are 1,000,000 bytes
                target = f"target < 134.2 MB  {mark(mb < 134.2)}" if key in ("tz_pack", "tz_unpack") else ""
                p(f"    {what:<40}: {mb:6.1f} MB  {target}")
        sz = lambda k: int(g(f"size.{k}"))
        plain, bundle, header = sz("plain_T1"), sz("bundle"), sz("header")
        payload = bundle - header
        p("")
        p("  sizes (bytes):")
        row = lambda what, n, rest="": p(f"    {what:<40} {n:>14,}  {rest}")
        row(f"plain: tar | zstd {m['zlevel']} -T1", plain, f"({bytes_ / plain:.2f}x)   -T0 gives {sz('plain_T0'):,}")
        row("tamizdat bundle", bundle, f"({bytes_ / bundle:.2f}x)   {(bundle / plain - 1) * 100:+.2f}% vs plain   target <= +3%  {mark(bundle <= plain * 1.03)}")
        row("  signed header (skippable frame)", header, f"{header / int(g('files')):.0f} bytes per file, uncompressed")
        row(f"  payload ({g('frames')} zstd frames)", payload, f"{(payload / plain - 1) * 100:+.2f}% vs plain")
        row("bundle's tar, uncompressed", sz('tz_tar'), f"(GNU tar of the corpus: {sz('gnu_tar'):,})")
        row(f"bundle's tar as ONE solid frame", sz('tz_solid'), f"(zstd {m['zlevel']} --single-thread)")
        p(f"    {'cost of framing: payload vs solid frame':<40} {(payload / sz('tz_solid') - 1) * 100:+13.2f}%")
        row("GNU tar as ONE solid frame", sz('gnu_solid'), f"(plain -T1 is {(plain / sz('gnu_solid') - 1) * 100:+.2f}% vs this)")
        p(f"    pack output identical with 1 and all threads: {g('same_output')}; "
          f"unpacked tree matches the corpus sha256 list: {g('unpack_ok')}")
    p("")
    p(f"total time of this run: {int(m['elapsed']) // 60} min {int(m['elapsed']) % 60} s")
    text = "\n".join(out)
    open(os.path.join(results_dir, "summary.txt"), "w").write(text + "\n")
    print(text)

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "merge":
        out, names_file = sys.argv[2], sys.argv[3]
        merge(out, json.load(open(names_file)), sys.argv[4:])
    elif cmd == "table":
        table(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "summary":
        summary(sys.argv[2])
    elif cmd == "header_len":
        with open(sys.argv[2], "rb") as f:
            head = f.read(8)
        magic = int.from_bytes(head[:4], "little")
        assert 0x184D2A50 <= magic <= 0x184D2A5F, "bundle does not start with a skippable frame"
        print(8 + int.from_bytes(head[4:8], "little"))
PY

# ---------------------------------------------------------------- build
if [[ $NO_BUILD != 1 ]]; then
    log "cargo build --release in $REPO"
    for attempt in 1 2 3; do
        if (cd "$REPO" && cargo build --release) >"$RESULTS/build.log" 2>&1; then
            build_state="cargo build --release OK"
            break
        fi
        build_state="BUILD FAILED, using existing binaries"
        tail -5 "$RESULTS/build.log" >&2
        ((attempt < 3)) && { log "build failed (someone mid-edit?); retrying in 60 s"; sleep 60; }
    done
else
    build_state="not rebuilt (NO_BUILD=1)"
fi
for b in tamizdat tamizdat-publish; do
    [[ -x $REPO/target/release/$b ]] || { echo "no $REPO/target/release/$b" >&2; exit 1; }
done
# Snapshot the binaries: others may rebuild target/release while we measure.
mkdir -p "$RUN/bin" "$RUN/keys"
cp "$REPO/target/release/tamizdat" "$REPO/target/release/tamizdat-publish" "$RUN/bin/"
TZ=$RUN/bin/tamizdat
TZP=$RUN/bin/tamizdat-publish
cp "$REPO/keys/demo.key" "$REPO/keys/demo.pub" "$RUN/keys/"
chmod 600 "$RUN/keys/demo.key"
KEY=$RUN/keys/demo.key
PUB=$RUN/keys/demo.pub

# ---------------------------------------------------------------- machine
metric machine.nproc "$(nproc)"
metric machine.cpu "$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
metric machine.sha_ni "$(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
metric machine.mem "$(awk '/^MemTotal/{printf "%.1f GB RAM", $2*1024/1e9}' /proc/meminfo)"
metric machine.kernel "$(uname -r)"
metric machine.fs "$(findmnt -no FSTYPE -T "$BENCH_DIR" 2>/dev/null || stat -f -c %T "$BENCH_DIR")"
metric bench_dir "$BENCH_DIR"
metric tool.tamizdat "$("$TZ" --version) / $("$TZP" --version)"
git_rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
git_dirty=$(git -C "$REPO" status --porcelain 2>/dev/null | grep -c . || true)
metric tool.git "$git_rev$( ((git_dirty > 0)) && echo " + $git_dirty uncommitted changes")"
metric tool.build "$build_state, binaries $(date -r "$REPO/target/release/tamizdat" '+%F %T'), sha256 $(sha256sum "$TZ" | cut -c1-12)/$(sha256sum "$TZP" | cut -c1-12)"
metric tool.zstd "zstd $(zstd -V | grep -o 'v[0-9.]*' | head -1)"
metric tool.tar "$(tar --version | head -1)"
metric tool.hyperfine "$(hyperfine --version)"
metric tool.sha256sum "$(sha256sum --version | head -1)"
metric tool.rustc "$(rustc --version 2>/dev/null || echo 'rustc ?')"
metric level "$LEVEL"
metric zlevel "$ZLEVEL"
metric runs "$RUNS"
metric read_runs "$READ_RUNS"

# ---------------------------------------------------------------- corpus
log "corpus ($MODE)"
CORPUS=$("$SCRIPT_DIR/make-corpus.sh" | tail -1)
SUMS=$CORPUS.sha256
copies=$(awk '$1=="copies"{print $2}' "$CORPUS.recipe")
dedup_note=$(awk '$1=="version"{print ($4 == "1") ? "each distinct content once per copy" : "duplicates kept"; exit}' "$CORPUS.recipe")
renamed=$(grep -c '^renamed' "$CORPUS.renames" || true)
skipped_dup=$(grep -c '^skipped (same bytes' "$CORPUS.renames" || true)
skipped_other=$(grep -c '^skipped (' "$CORPUS.renames" || true)
metric corpus.names "$renamed renamed for portability, $((skipped_other - skipped_dup)) unfixable names skipped, $skipped_dup duplicate contents skipped (per copy; see $CORPUS.renames)"

# ---------------------------------------------------------------- measuring helpers
# run_group LABEL GROUP ROUNDS NAME PREPARE CMD [NAME PREPARE CMD...]
# One hyperfine invocation per round with --runs 1, so the commands alternate A B C A B C;
# round 0 is the warm-up and is dropped. PREPARE runs before every run of its own command
# (hyperfine --prepare, one per command; "" for none). The merged export is
# $RESULTS/LABEL-GROUP.json; the raw per-round exports are under $RESULTS/raw.
run_group() {
    local label=$1 group=$2 rounds=$3
    shift 3
    local -a args=() names=() preps=() cmds=()
    local any_prep=0
    while (($#)); do
        names+=("$1"); preps+=("${2:-:}"); cmds+=("$3")
        [[ -n $2 ]] && any_prep=1
        args+=(--command-name "$1" "$3")
        shift 3
    done
    "$PYTHON" -c 'import json,sys;n=len(sys.argv)//2;print(json.dumps(dict(zip(sys.argv[1:n+1],sys.argv[n+1:]))))' \
        "${names[@]}" "${cmds[@]}" >"$RESULTS/raw/$label-$group.commands.json"
    "$PYTHON" -c 'import json,sys;print(json.dumps(sys.argv[1:]))' "${names[@]}" >"$RESULTS/raw/$label-$group.names.json"
    local -a prep=()
    local p
    if ((any_prep)); then
        for p in "${preps[@]}"; do prep+=(--prepare "$p"); done
    fi
    local -a files=()
    local r
    for ((r = 0; r <= rounds; r++)); do
        printf '  %s/%s round %d/%d%s\n' "$label" "$group" "$r" "$rounds" "$( ((r == 0)) && echo ' (warm-up)')" >&2
        if ! hyperfine --runs 1 --style none "${prep[@]}" \
            --export-json "$RESULTS/raw/$label-$group.round$r.json" "${args[@]}" >/dev/null; then
            echo "hyperfine failed; the commands were:" >&2
            cat "$RESULTS/raw/$label-$group.commands.json" >&2
            exit 1
        fi
        ((r == 0)) || files+=("$RESULTS/raw/$label-$group.round$r.json")
    done
    "$PYTHON" "$HELPER" merge "$RESULTS/$label-$group.json" "$RESULTS/raw/$label-$group.names.json" "${files[@]}"
    echo "  $label / $group (hyperfine, median of $rounds alternating runs):"
    "$PYTHON" "$HELPER" table "$RESULTS/$label-$group.json" "$(metric_get "$label.bytes")" \
        "$RESULTS/raw/$label-$group.commands.json"
}
metric_get() { awk -F'\t' -v k="$1" '$1==k{v=$2} END{print v}' "$METRICS"; }

# rss LABEL NAME COMMAND...: peak RSS of one process, as time -v gives it (in units of 1,024
# bytes; the report shows MB of 1,000,000 bytes).
rss() {
    local label=$1 name=$2
    shift 2
    /usr/bin/time -v -o "$RESULTS/raw/$label-rss-$name.txt" "$@" >/dev/null
    metric "$label.rss.$name" "$(awk -F': ' '/Maximum resident set size/{print $2}' "$RESULTS/raw/$label-rss-$name.txt")"
}
# rss_pipe LABEL NAME: reads the two time -v files of a two-process pipeline just run.
rss_pipe() {
    local label=$1 name=$2 a b
    a=$(awk -F': ' '/Maximum resident set size/{print $2}' "$RESULTS/raw/$label-rss-$name.1.txt")
    b=$(awk -F': ' '/Maximum resident set size/{print $2}' "$RESULTS/raw/$label-rss-$name.2.txt")
    metric "$label.rss.$name" "$((a + b))"
    metric "$label.rssparts.$name" "$(awk -v a="$a" -v b="$b" -v n1="$3" -v n2="$4" 'BEGIN{printf "%s %.1f + %s %.1f", n1, a*1024/1e6, n2, b*1024/1e6}')"
}
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# ---------------------------------------------------------------- one corpus
# bench_corpus LABEL DIR DESCRIPTION SUMS_PREFIX: SUMS_PREFIX is DIR's path inside $SUMS ("./" or
# "./copy-01/python/"), to check the unpacked tree.
bench_corpus() {
    local label=$1 dir=$2 desc=$3 prefix=$4
    local bytes files
    bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
    files=$(find "$dir" -type f | wc -l)
    local sub=$RUN/$label.sha256
    grep -F "  $prefix" "$SUMS" | sed "s|  $prefix|  ./|" >"$sub"
    metric "$label.bytes" "$bytes"
    metric "$label.files" "$files"
    metric "$label.desc" "$desc"
    metric "$label.digest" "$(sha256sum <"$sub" | cut -c1-16)"
    labels+=" $label"

    local B=$RUN/$label.bundle.tar.zst B1=$RUN/$label.bundle-t1.tar.zst
    local P1=$RUN/$label.plain-T1.tar.zst P0=$RUN/$label.plain-T0.tar.zst
    local OT=$RUN/$label.out-tamizdat OP=$RUN/$label.out-tar OS=$RUN/$label.out-tar-sync
    local D qB qB1 qP1 qP0 qOT qOP qOS qK qPUB
    D=$(q "$dir"); qB=$(q "$B"); qB1=$(q "$B1"); qP1=$(q "$P1"); qP0=$(q "$P0")
    qOT=$(q "$OT"); qOP=$(q "$OP"); qOS=$(q "$OS"); qK=$(q "$KEY"); qPUB=$(q "$PUB")
    local pack="$(q "$TZP") pack $D --secret-key $qK --channel bench --seq 1 --level $LEVEL --time 0 --quiet --force"
    local tarc="tar -cf - --sort=name -C $D ."

    metric "desc.tz_pack" "tamizdat-publish pack ($(nproc) threads)"
    metric "desc.tz_pack_t1" "tamizdat-publish pack --threads 1"
    metric "desc.tar_zstd_T1" "tar | zstd $ZLEVEL -T1"
    metric "desc.tar_zstd_T0" "tar | zstd $ZLEVEL -T0"
    metric "desc.tz_verify" "tamizdat verify"
    metric "desc.tz_verify_quick" "tamizdat verify --quick"
    metric "desc.zstd_dc_plain" "zstd -dc plain.tar.zst >/dev/null"
    metric "desc.zstd_dc_bundle" "zstd -dc bundle >/dev/null"
    metric "desc.sha256_bundle" "sha256sum bundle"
    metric "desc.tz_unpack" "tamizdat unpack (cold cache)"
    metric "desc.zstd_tar" "zstd -dc | tar -xf (cold cache)"
    metric "desc.zstd_tar_sync" "zstd -dc | tar -xf; sync (cold)"

    # ---- pack: sync before each run so no run pays for the previous one's write-back.
    log "$label: pack ($RUNS rounds)"
    run_group "$label" pack "$RUNS" \
        tz_pack sync "$pack --out $qB" \
        tz_pack_t1 sync "$pack --threads 1 --out $qB1" \
        tar_zstd_T1 sync "$tarc | zstd $ZLEVEL -T1 -q -c > $qP1" \
        tar_zstd_T0 sync "$tarc | zstd $ZLEVEL -T0 -q -c > $qP0"
    metric "$label.same_output" "$(cmp -s "$B" "$B1" && echo yes || echo NO)"
    log "$label: peak RSS of the packers"
    sync; rss "$label" tz_pack "$TZP" pack "$dir" --secret-key "$KEY" --channel bench --seq 1 --level "$LEVEL" --time 0 --quiet --force --out "$B"
    sync; rss "$label" tz_pack_t1 "$TZP" pack "$dir" --secret-key "$KEY" --channel bench --seq 1 --level "$LEVEL" --time 0 --quiet --force --threads 1 --out "$B1"
    local t
    for t in 1 0; do
        sync
        /usr/bin/time -v -o "$RESULTS/raw/$label-rss-tar_zstd_T$t.1.txt" tar -cf - --sort=name -C "$dir" . |
            /usr/bin/time -v -o "$RESULTS/raw/$label-rss-tar_zstd_T$t.2.txt" zstd $ZLEVEL -T$t -q -c >"$RUN/$label.plain-rss.tar.zst"
        rss_pipe "$label" "tar_zstd_T$t" tar zstd
    done
    rm -f "$RUN/$label.plain-rss.tar.zst"

    # ---- verify (warm cache: the warm-up round reads everything once). Flush the plain
    # archives written above first, so background write-back does not land in these runs.
    sync
    log "$label: verify, verify --quick, zstd -d, sha256sum ($READ_RUNS rounds)"
    run_group "$label" read "$READ_RUNS" \
        tz_verify "" "$(q "$TZ") verify $qB --public-key $qPUB --quiet" \
        tz_verify_quick "" "$(q "$TZ") verify --quick $qB --public-key $qPUB --quiet" \
        zstd_dc_plain "" "zstd -dc -q $qP1 > /dev/null" \
        zstd_dc_bundle "" "zstd -dc -q $qB > /dev/null" \
        sha256_bundle "" "sha256sum $qB > /dev/null"
    rss "$label" tz_verify "$TZ" verify "$B" --public-key "$PUB" --quiet
    rss "$label" tz_verify_quick "$TZ" verify --quick "$B" --public-key "$PUB" --quiet
    rss "$label" zstd_dc_plain zstd -dc -q "$P1" -o /dev/null -f
    rss "$label" zstd_dc_bundle zstd -dc -q "$B" -o /dev/null -f
    rss "$label" sha256_bundle sha256sum "$B"

    # ---- unpack: every run starts from rm -rf + sync + drop_caches (see BENCHMARKING.md:
    # never time extraction shortly after deleting a big tree without dropping caches).
    local drop="sync; echo 3 > /proc/sys/vm/drop_caches"
    log "$label: unpack ($RUNS rounds, rm -rf + sync + drop_caches before every run)"
    run_group "$label" unpack "$RUNS" \
        tz_unpack "rm -rf $qOT; $drop" "$(q "$TZ") unpack $qB --to $qOT --public-key $qPUB --quiet" \
        zstd_tar "rm -rf $qOP; $drop" "mkdir -p $qOP && zstd -dc -q $qP1 | tar -xf - -C $qOP" \
        zstd_tar_sync "rm -rf $qOS; $drop" "mkdir -p $qOS && zstd -dc -q $qP1 | tar -xf - -C $qOS && sync"
    metric "$label.unpack_ok" "$( (cd "$OT" && sha256sum --quiet --strict -c "$sub" >/dev/null 2>&1) && [[ $(find "$OT" -type f | wc -l) == "$files" ]] && echo yes || echo NO)"
    log "$label: peak RSS of the unpackers"
    rm -rf "$OT" "$OP" "$OS"; drop_caches
    rss "$label" tz_unpack "$TZ" unpack "$B" --to "$OT" --public-key "$PUB" --quiet
    rm -rf "$OP"; mkdir -p "$OP"; drop_caches
    /usr/bin/time -v -o "$RESULTS/raw/$label-rss-zstd_tar.1.txt" zstd -dc -q "$P1" |
        /usr/bin/time -v -o "$RESULTS/raw/$label-rss-zstd_tar.2.txt" tar -xf - -C "$OP"
    rss_pipe "$label" zstd_tar zstd tar
    rm -rf "$OT" "$OP" "$OS"

    # ---- sizes
    log "$label: sizes (solid single-thread compressions)"
    metric "$label.size.bundle" "$(stat -c %s "$B")"
    metric "$label.size.plain_T1" "$(stat -c %s "$P1")"
    metric "$label.size.plain_T0" "$(stat -c %s "$P0")"
    metric "$label.size.header" "$("$PYTHON" "$HELPER" header_len "$B")"
    metric "$label.frames" "$(zstd -l "$B" 2>/dev/null | awk 'NR==2{print $1}')"
    metric "$label.size.tz_tar" "$(zstd -dc -q "$B" | wc -c)"
    metric "$label.size.tz_solid" "$(zstd -dc -q "$B" | zstd $ZLEVEL --single-thread -q -c | wc -c)"
    metric "$label.size.gnu_tar" "$(tar -cf - --sort=name -C "$dir" . | wc -c)"
    metric "$label.size.gnu_solid" "$(tar -cf - --sort=name -C "$dir" . | zstd $ZLEVEL --single-thread -q -c | wc -c)"
    rm -f "$B" "$B1" "$P1" "$P0"
}

labels=""
if [[ $SMALL == 1 ]]; then
    bench_corpus quick "$CORPUS" "quick corpus: python3.11-doc HTML + images/PDFs/SVGs/fonts from /usr/share, 1 copy, $dedup_note" "./"
else
    bench_corpus full "$CORPUS" "$copies copies of (python3.11-doc HTML + images/PDFs/SVGs/fonts + /usr/share/doc/*.gz), $dedup_note" "./"
fi
if [[ $DOCS_SUBSET == 1 ]]; then
    bench_corpus docs "$CORPUS/copy-01/python" "python3.11-doc HTML only (the corpus's copy-01/python)" "./copy-01/python/"
fi
metric labels "$labels"
metric elapsed "$(($(date +%s) - START))"

echo
"$PYTHON" "$HELPER" summary "$RESULTS"
