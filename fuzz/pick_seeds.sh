#!/usr/bin/env bash
# Picks the few inputs of a campaign's corpus that add the most coverage to the committed
# seeds, and copies them into crates/fuzz/seeds/<target>/min-<hash>.
#
#   fuzz/pick_seeds.sh TARGET [K]       (after `cargo +nightly fuzz build -O -a`)
#
# libFuzzer's own merge reports features incrementally (what a file adds to the files merged
# before it), so it cannot rank files. Here: a set-cover merge over edges narrows the corpus to
# candidates, each candidate's edges are measured alone, and the K best are chosen greedily
# (each adding the most edges to the seeds and the files chosen before it; at least 5).
set -euo pipefail
target=$1
k=${2:-6}
cd "$(dirname "$0")"
bin=${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release/$target
seeds=../crates/fuzz/seeds/$target
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-use_counters=0 -max_len=16384 -timeout=60)

# The edges of the files in directory $1, into $2 (one feature per line).
edges() {
    rm -rf "$work/out" "$work/ctl"
    mkdir -p "$work/out"
    "$bin" -merge=1 "${flags[@]}" -merge_control_file="$work/ctl" "$work/out" "$1" >/dev/null 2>&1
    awk '$1 == "FT" { for (i = 3; i <= NF; i++) print $i }' "$work/ctl" | sort -u >"$2"
}

mkdir -p "$work/cover" "$work/one" "$work/ft"
cp "$seeds"/* "$work/cover/"
"$bin" -set_cover_merge=1 "${flags[@]}" "$work/cover" "corpus/$target" >/dev/null 2>&1
edges "$seeds" "$work/seeds.ft"
for f in "$work/cover"/*; do
    [ -e "$seeds/$(basename "$f")" ] && continue
    rm -f "$work/one"/*
    cp "$f" "$work/one/"
    edges "$work/one" "$work/ft/$(basename "$f")"
done
python3 - "$work" "$k" <<'PY' | while read -r name gain; do
import os, sys
work, k = sys.argv[1], int(sys.argv[2])
read = lambda p: set(open(p).read().split())
have = read(f"{work}/seeds.ft")
candidates = {f: read(f"{work}/ft/{f}") for f in os.listdir(f"{work}/ft")}
for _ in range(k):
    if not candidates:
        break
    best = max(candidates, key=lambda f: len(candidates[f] - have))
    gain = len(candidates[best] - have)
    if gain < 5:
        break
    have |= candidates.pop(best)
    print(best, gain)
PY
    echo "$target: min-${name:0:12} adds $gain edges"
    cp "$work/cover/$name" "$seeds/min-${name:0:12}"
done
