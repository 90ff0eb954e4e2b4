#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ (cargo fuzz, libFuzzer) for a bounded time, starting from the
# committed corpus: scripts/fuzz.sh [seconds per target, default 60].
#
# Each target works on a temporary copy of fuzz/corpus/<target>, so nothing new is written into
# the repository; a crash or hang is saved under fuzz/artifacts/<target>/ (ignored by git) and
# fails the run (every target still runs). Installs cargo-fuzz (and a nightly toolchain) when
# missing. Builds in fuzz/target, never in the main target directory.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [seconds per target]" >&2; exit 2 ;;
esac

if ! cargo +nightly --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

cd fuzz
target_dir="$PWD/target"
echo "== fuzz build"
cargo +nightly fuzz build --target-dir "$target_dir"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for target in $(cargo +nightly fuzz list); do
  echo "== fuzz ${target}, ${seconds} s"
  corpus="$work/$target"
  mkdir -p "$corpus"
  if [ -d "corpus/$target" ]; then
    cp -R "corpus/$target/." "$corpus/"
  fi
  log="$work/$target.log"
  set +e
  cargo +nightly fuzz run --target-dir "$target_dir" "$target" "$corpus" -- \
    -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1
  code=$?
  set -e
  # The last status line, e.g. `#52113 DONE cov: 1830 ft: 6511 corp: 502/61Kb exec/s: 1736 rss: 88Mb`.
  grep -E '^#[0-9]+' "$log" | tail -n 1 || true
  if [ "$code" -ne 0 ]; then
    failed+=("$target")
    echo "-- ${target} failed (exit ${code}):"
    grep -E -A 30 'panicked at|ERROR: libFuzzer|==ERROR|SUMMARY|Test unit written' "$log" | head -n 80 || tail -n 60 "$log"
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED ${failed[*]} (inputs under fuzz/artifacts/; reproduce with cargo +nightly fuzz run <target> <file>)"
  exit 1
fi
echo "fuzz: every target ran ${seconds} s without a finding"
