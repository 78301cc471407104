#!/usr/bin/env bash
# Interleaves our hashing with `openssl dgst -sha256` as 2 parallel processes over the same files,
# so a noisy shared machine affects both alike. Usage: compare.sh DATA_DIR [ROUNDS]
# (DATA_DIR made by `hash_bench gen`; build first: cargo build --release -p oms-hashing --example hash_bench)
set -euo pipefail
data=$1
rounds=${2:-5}
bench=${BENCH:-$(dirname "$0")/../../../target/release/examples/hash_bench}
now() { date +%s.%N; }
for m in llm-like bert-like many-small; do
  n=1; [ "$m" = many-small ] && n=500
  ours=(); ossl=()
  for _ in $(seq "$rounds"); do
    t0=$(now); "$bench" run "$data/$m" --reps 1 "${@:3}" >/dev/null; t1=$(now)
    (cd "$data/$m" && find . -type f -print0 | xargs -0 -P2 -n $n openssl dgst -sha256 >/dev/null); t2=$(now)
    ours+=("$(echo "$t1 - $t0" | bc)"); ossl+=("$(echo "$t2 - $t1" | bc)")
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  printf '%-11s ours %.3fs  openssl %.3fs  (medians of %d; whole processes)\n' "$m" "$(med "${ours[@]}")" "$(med "${ossl[@]}")" "$rounds"
done
