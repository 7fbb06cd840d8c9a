# Sourced by the measuring scripts: builds the release binaries (unless NO_BUILD=1), names them
# PUBLISH and READER (READER may be set to another build, for before/after figures), checks
# for /usr/bin/time and zstd, and copies the demo key to $WORK/demo.key (mode 0600) as $key.
# Expects REPO and WORK to be set.
NO_BUILD=${NO_BUILD:-0}
if [[ $NO_BUILD != 1 ]]; then
    (cd "$REPO" && nice -n 10 cargo build --release --quiet --bins)
fi
PUBLISH=$REPO/target/release/tamizdat-publish
READER=${READER:-$REPO/target/release/tamizdat}
[[ -x $READER && -x $PUBLISH ]] || { echo "no binaries in target/release" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v zstd >/dev/null || { echo "needs zstd (apt-get install zstd)" >&2; exit 2; }
mkdir -p "$WORK"
key=$WORK/demo.key
cp "$REPO/keys/demo.key" "$key"
chmod 600 "$key"
