#!/usr/bin/env bash
# Run every fuzz target for SECONDS seconds each (default 60), one after
# the other. Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable
# toolchain the nightly-only flags it uses are unlocked with RUSTC_BOOTSTRAP.
# Crashes land in fuzz/artifacts/TARGET/; the corpus grows in fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
if rustup run nightly rustc --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi
targets=(inspect body import filter sanitize codec)
"${fuzz[@]}" build -O
for target in "${targets[@]}"; do
    echo "== $target: ${seconds} s"
    mkdir -p "corpus/$target"
    "${fuzz[@]}" run -O "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
done
