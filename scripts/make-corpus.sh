#!/usr/bin/env bash
# Builds (or reuses) the deterministic benchmark corpus for scripts/bench.sh.
#
#   scripts/make-corpus.sh            # full corpus, >= TARGET_MB (default 500) MB
#   SMALL=1 scripts/make-corpus.sh    # quick corpus, one copy without the .gz files (~85 MB)
#
# Environment:
#   BENCH_DIR   work folder (default /tmp/tamizdat-bench)
#   SMALL=1     build the quick corpus instead of the full one
#   TARGET_MB   full corpus: add copies until at least this many MB (10^6 bytes); default 500
#   COPIES      number of numbered copies; default: the fewest that reach TARGET_MB
#   FORCE=1     rebuild even if a matching corpus is present
#   DEDUP=1     (default) take each distinct file content once per copy: /usr/share/doc holds
#               hundreds of byte-identical changelog.Debian.gz files (one per binary package of
#               a source package), which a solid zstd stream dedups within its window and frames
#               of 4,194,304 bytes mostly cannot; DEDUP=0 keeps them (and then the framing cost is ~3%)
#
# Layout, under $BENCH_DIR:
#   corpus-full/copy-01/python/...   Debian's python3.11-doc HTML (symlinks dereferenced)
#   corpus-full/copy-01/share/...    real images, PDFs, SVGs, fonts from /usr/share, and
#                                    (full corpus only) the compressed *.gz files of /usr/share/doc
#   corpus-full/copy-02/...          identical copies, up to copy-NN
#   corpus-full.sha256               `sha256sum -c` list of every file (paths ./copy-NN/...)
#   corpus-full.recipe               what the corpus was built from; a change forces a rebuild
#   corpus-full.renames              names that were renamed or skipped to stay portable
# The python-docs-only subset of the same corpus is corpus-full/copy-01/python.
#
# Every file name is made portable the way tamizdat requires (no : * ? " < > | \ or control
# characters, no trailing dot or space, no Windows device names such as con/aux/nul/com1 even
# with an extension, NFC, no two names in a folder that differ only by case): offenders are
# renamed deterministically (bad characters become _, a reserved or case-colliding name gets a
# ~N suffix); names that cannot be fixed (not UTF-8, too long, too deep) are skipped.
# The last line printed is the corpus folder.
set -euo pipefail

BENCH_DIR=${BENCH_DIR:-/tmp/tamizdat-bench}
SMALL=${SMALL:-0}
TARGET_MB=${TARGET_MB:-500}
COPIES=${COPIES:-}
FORCE=${FORCE:-0}
DEDUP=${DEDUP:-1}
DOCS_SRC=/usr/share/doc/python3.11/html
RECIPE_VERSION=2

log() { printf '[make-corpus] %s\n' "$*" >&2; }

if [[ ! -d $DOCS_SRC ]]; then
    log "installing python3.11-doc"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y python3.11-doc >/dev/null || {
        apt-get update >/dev/null && apt-get install -y python3.11-doc >/dev/null
    }
fi
[[ -d $DOCS_SRC ]] || { log "no $DOCS_SRC after installing python3.11-doc"; exit 1; }

PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)

if [[ $SMALL == 1 ]]; then
    NAME=corpus-quick
    WITH_GZ=0
    TARGET_MB=${SMALL_TARGET_MB:-1}   # one copy is enough
else
    NAME=corpus-full
    WITH_GZ=1
fi
CORPUS=$BENCH_DIR/$NAME
SUMS=$BENCH_DIR/$NAME.sha256
RECIPE=$BENCH_DIR/$NAME.recipe
RENAMES=$BENCH_DIR/$NAME.renames
mkdir -p "$BENCH_DIR"

# The plan: the sorted source list (path, size, mtime) and the copy count. Computing it is cheap
# (a walk of /usr/share); the corpus is rebuilt only when it changes or the files do not match.
PLAN=$(mktemp "$BENCH_DIR/.plan.XXXXXX")
trap 'rm -f "$PLAN" "$PLAN.new"' EXIT
"$PYTHON" - "$DOCS_SRC" "$WITH_GZ" "$TARGET_MB" "${COPIES:-0}" "$RECIPE_VERSION" "$DEDUP" >"$PLAN" <<'EOF'
import hashlib, os, sys, math
docs, with_gz, target_mb, copies, version = sys.argv[1], sys.argv[2] == "1", float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
dedup = sys.argv[6] == "1"
MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp", ".tif", ".tiff",
         ".pdf", ".svg", ".svgz", ".ttf", ".otf", ".woff", ".woff2")
entries = []  # (destination prefix, source root, relative path as bytes, size, mtime)

def walk(root, follow):
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow):
        dirnames.sort()
        for name in filenames:
            full = os.path.join(dirpath, name)
            yield full, os.path.relpath(full, root)

for full, rel in walk(docs, True):
    try:
        st = os.stat(full)            # follows the _static/*.js symlinks; skips dangling ones
    except OSError:
        continue
    entries.append(("python", docs, rel, st.st_size, int(st.st_mtime)))

skip = os.path.realpath(docs).rstrip("/") + "/"
for full, rel in walk("/usr/share", False):
    if full.startswith(skip) or full.startswith("/usr/share/doc/python3.11/"):
        continue
    low = full.lower()
    ok = low.endswith(MEDIA) or (with_gz and full.startswith("/usr/share/doc/") and low.endswith(".gz"))
    if not ok:
        continue
    st = os.lstat(full)
    if not os.path.isfile(full) or os.path.islink(full):  # regular files only: no duplicate via symlink
        continue
    entries.append(("share", "/usr/share", rel, st.st_size, int(st.st_mtime)))

entries.sort(key=lambda e: (e[0], os.fsencode(e[2])))
seen, unique, dups = {}, [], []
for e in entries:
    h = hashlib.sha256()
    with open(os.path.join(e[1], e[2]), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    if dedup and digest in seen:
        dups.append((e, seen[digest]))
        continue
    seen.setdefault(digest, e)
    unique.append(e + (digest,))
entries = unique
total = sum(e[3] for e in entries)
if copies <= 0:
    copies = max(1, math.ceil(target_mb * 1e6 / total))
print(f"version {version} dedup {int(dedup)} gz {int(with_gz)}")
print(f"copies {copies}")
print(f"bytes_per_copy {total}")
print(f"files_per_copy {len(entries)}")
for prefix, root, rel, size, mtime, digest in entries:
    print(f"src\t{prefix}\t{root}\t{os.fsencode(rel).hex()}\t{size}\t{digest}")
for e, first in dups:
    print(f"dup\t{e[0]}/{os.fsencode(e[2]).decode('utf-8', 'replace')}\t{first[0]}/{os.fsencode(first[2]).decode('utf-8', 'replace')}\t{e[3]}")
EOF
copies=$(awk '$1=="copies"{print $2}' "$PLAN")
per_copy=$(awk '$1=="bytes_per_copy"{print $2}' "$PLAN")
files_per_copy=$(awk '$1=="files_per_copy"{print $2}' "$PLAN")

check_existing() {
    [[ -d $CORPUS && -s $SUMS && -s $RECIPE ]] || return 1
    cmp -s "$PLAN" "$RECIPE" || { log "sources or parameters changed since the corpus was built"; return 1; }
    log "checking the existing corpus against $SUMS"
    # Same set of files...
    diff <(cd "$CORPUS" && find . -type f | LC_ALL=C sort) \
         <(sed -E 's/^[0-9a-f]{64}  //' "$SUMS" | LC_ALL=C sort) >/dev/null \
        || { log "the file list differs from $SUMS"; return 1; }
    # ...and the same contents.
    (cd "$CORPUS" && sha256sum --quiet --strict -c "$SUMS" >/dev/null 2>&1) \
        || { log "some files do not match $SUMS"; return 1; }
    return 0
}

if [[ $FORCE != 1 ]] && check_existing; then
    log "reusing $CORPUS ($copies copies of $files_per_copy files, list $(sha256sum <"$SUMS" | cut -c1-16))"
    echo "$CORPUS"
    exit 0
fi

log "building $CORPUS: $copies copies x $files_per_copy files x $((per_copy / 1000000)) MB"
previous_sums=""
if [[ -s $SUMS ]]; then
    previous_sums=$(mktemp "$BENCH_DIR/.prev.XXXXXX")
    cp "$SUMS" "$previous_sums"
fi
rm -rf "$CORPUS" "$CORPUS.tmp" "$SUMS" "$RECIPE"
mkdir -p "$CORPUS.tmp/copy-01"

# First copy: sanitize names while copying. Files get mode 0644, folders 0755 and a fixed mtime,
# so that a tar of the corpus is byte-identical from one build to the next.
"$PYTHON" - "$PLAN" "$CORPUS.tmp/copy-01" "$RENAMES" <<'EOF'
import os, sys, shutil, unicodedata
plan, dest_root, renames_path = sys.argv[1:4]
FIXED_MTIME = 1700000000
BAD = set('<>:"|?*\\')
RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {f"{p}{d}" for p in ("COM", "LPT") for d in "0123456789¹²³"}
# copy-NN/ is 8 bytes; tamizdat's limits: 1024 bytes per path, 255 per name, 32 levels
MAX_PATH, MAX_NAME, MAX_DEPTH = 1024 - 8, 255, 32 - 1

def reserved(name):
    stem = name.split(".", 1)[0].rstrip(" ").upper()
    return stem in RESERVED

def sanitize(name):
    name = unicodedata.normalize("NFC", name)
    name = "".join("_" if (c in BAD or ord(c) < 0x20 or ord(c) == 0x7f) else c for c in name)
    while name and name[-1] in ". ":
        name = name[:-1] + "_"
    if name in ("", ".", ".."):
        name = "_" + name
    if reserved(name):
        name = "_" + name
    return name

def key(name):
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).lower())

used = {}     # destination folder -> set of collision keys
mapped = {}   # (destination folder, source name) -> destination name
log = []

def place(folder, name):
    """The destination name of source name `name` in destination folder `folder`."""
    if (folder, name) in mapped:
        return mapped[(folder, name)]
    new = sanitize(name)
    keys = used.setdefault(folder, set())
    if key(new) in keys:
        stem, dot, ext = new.partition(".") if not new.startswith(".") else (new, "", "")
        n = 2
        while True:
            candidate = f"{stem}~{n}{dot}{ext}"
            if key(candidate) not in keys and not reserved(candidate):
                new = candidate
                break
            n += 1
    keys.add(key(new))
    mapped[(folder, name)] = new
    return new

copied = 0
for line in open(plan, encoding="utf-8"):
    if line.startswith("dup\t"):
        _, rel, first, size = line.rstrip("\n").split("\t")
        log.append(f"skipped (same bytes as {first}): {rel}")
        continue
    if not line.startswith("src\t"):
        continue
    _, prefix, root, rel_hex, size, digest = line.rstrip("\n").split("\t")
    rel_bytes = bytes.fromhex(rel_hex)
    try:
        rel = rel_bytes.decode("utf-8")
    except UnicodeDecodeError:
        log.append(f"skipped (name not UTF-8): {prefix}/{rel_bytes!r}")
        continue
    parts = [prefix] + rel.split("/")
    folder, out = "", []
    for part in parts:
        new = place(folder, part)
        out.append(new)
        folder = folder + "/" + new
    dest_rel = "/".join(out)
    if len(parts) > MAX_DEPTH or len(dest_rel.encode()) > MAX_PATH or any(len(p.encode()) > MAX_NAME for p in out):
        log.append(f"skipped (too long or too deep): {prefix}/{rel}")
        continue
    if out != parts:
        log.append(f"renamed: {prefix}/{rel} -> {dest_rel}")
    dest = os.path.join(dest_root, dest_rel)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copyfile(os.path.join(root, rel), dest)
    os.chmod(dest, 0o644)
    os.utime(dest, (FIXED_MTIME, FIXED_MTIME))
    copied += 1

for dirpath, dirnames, _ in os.walk(dest_root, topdown=False):
    os.chmod(dirpath, 0o755)
    os.utime(dirpath, (FIXED_MTIME, FIXED_MTIME))
with open(renames_path, "w", encoding="utf-8") as f:
    f.write("\n".join(log) + ("\n" if log else ""))
print(f"[make-corpus] copied {copied} files; {len(log)} renamed or skipped (see {renames_path})", file=sys.stderr)
EOF

for ((i = 2; i <= copies; i++)); do
    cp -a "$CORPUS.tmp/copy-01" "$(printf '%s/copy-%02d' "$CORPUS.tmp" "$i")"
done
touch -d @1700000000 "$CORPUS.tmp"
mv "$CORPUS.tmp" "$CORPUS"

log "writing $SUMS"
(cd "$CORPUS" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) >"$SUMS.tmp"
mv "$SUMS.tmp" "$SUMS"
cp "$PLAN" "$RECIPE"
if [[ -n $previous_sums ]]; then
    if cmp -s "$previous_sums" "$SUMS"; then
        log "the rebuilt corpus matches the previous sha256 list exactly"
    else
        log "NOTE: the rebuilt corpus differs from the previous sha256 list (sources changed?)"
    fi
    rm -f "$previous_sums"
fi
log "corpus list digest $(sha256sum <"$SUMS" | cut -c1-16), $(wc -l <"$SUMS") files, $(du -sb --apparent-size "$CORPUS" | cut -f1) bytes (incl. folders)"
echo "$CORPUS"
