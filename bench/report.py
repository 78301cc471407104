#!/usr/bin/env python3
"""Turns bench/run.sh's results.tsv into a markdown table (stdout).

Lines are `SET NAME MEDIAN_SECONDS PEAK_RSS_KIB`, plus `SET bytes BYTES FILES`.
"""

import sys
from collections import defaultdict


def main():
    rows = defaultdict(dict)
    sizes = {}
    order = []
    for line in open(sys.argv[1]):
        set_name, name, a, b = line.rstrip("\n").split("\t")
        if set_name not in order:
            order.append(set_name)
        if name == "bytes":
            sizes[set_name] = (int(float(a)), int(b))
        else:
            rows[set_name][name] = (float(a), int(b) * 1024 / 1e6)

    def secs(x):
        return f"{x:.2f}" if x >= 0.1 else f"{x:.3f}"

    print("| model | op | ours wall (s) | ours GB/s | reference wall (s) | openssl ×2 (s) "
          "| ours / reference | ours / openssl | ours peak RSS (MB) | reference peak RSS (MB) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for set_name in order:
        r = rows[set_name]
        if set_name == "start-up":
            ours, ref = r["ours"], r["reference"]
            print(f"| start-up (`--version`) | | {secs(ours[0])} | | {secs(ref[0])} | "
                  f"| {ours[0] / ref[0]:.3f} | | {ours[1]:.0f} | {ref[1]:.0f} |")
            continue
        size, files = sizes[set_name]
        openssl = r["openssl"]
        for op in ("sign", "verify"):
            ours, ref = r[f"ours {op}"], r[f"reference {op}"]
            label = f"{set_name} ({files} files, {size / 1e9:.2f} GB)" if op == "sign" else ""
            print(f"| {label} | {op} | {secs(ours[0])} | {size / 1e9 / ours[0]:.2f} | {secs(ref[0])} "
                  f"| {secs(openssl[0])} | {ours[0] / ref[0]:.2f} | {ours[0] / openssl[0]:.2f} "
                  f"| {ours[1]:.0f} | {ref[1]:.0f} |")


if __name__ == "__main__":
    main()
