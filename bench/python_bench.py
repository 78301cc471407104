#!/usr/bin/env python3
"""In-process verification benchmark: model_signing_rs vs the reference model_signing.

    python_bench.py RUNS MODEL SIGNATURE PUBLIC_KEY CLI     (CLI "-": skip the CLI row)

Prints one TSV line per measurement: name, median seconds, min seconds. Each
measurement is the median of RUNS warm runs after one warm-up, in this process
(the libraries are imported once, as an application would).
"""

import statistics
import subprocess
import sys
import time

import model_signing
import model_signing_rs


def timed(fn, runs):
    fn()  # warm-up (page cache, lazy initialisation)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def main():
    runs = int(sys.argv[1])
    model, sig, pub, cli = sys.argv[2:6]
    ours = model_signing_rs.verifying.Config().use_elliptic_key_verifier(public_key=pub)
    ref = model_signing.verifying.Config().use_elliptic_key_verifier(public_key=pub)
    cases = [
        ("ours verify (in-process)", lambda: ours.verify(model, sig)),
        ("ours read_verified (in-process)",
         lambda: model_signing_rs.read_verified(model, sig, ours)),
        # A fresh Config per run: the reference caches the guessed hashing config.
        ("reference verify (in-process)",
         lambda: model_signing.verifying.Config()
         .use_elliptic_key_verifier(public_key=pub).verify(model, sig)),
    ]
    if cli != "-":
        cases.insert(2, ("our CLI verify (subprocess)",
                         lambda: subprocess.run([cli, "verify", "key", "--public_key", pub,
                                                 "--signature", sig, model],
                                                check=True, stdout=subprocess.DEVNULL)))
    del ref
    for name, fn in cases:
        median, best = timed(fn, runs)
        print(f"{name}\t{median:.3f}\t{best:.3f}", flush=True)


if __name__ == "__main__":
    main()
