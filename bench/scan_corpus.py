#!/usr/bin/env python3
"""Runs each scanner on every corpus file and prints the detection / false-positive table.

usage: scan_corpus.py CORPUS_DIR PEERS_VENV MODEL_SIGNING_BIN [--jobs N] [--tools a,b]
A file counts as *flagged* when the tool reports an issue (exit status 1 for every tool
here); errors (other non-zero statuses) are counted separately, since a scanner that errors
out has not told the user the file is malicious.
"""
import concurrent.futures as cf, json, os, subprocess, sys, time

corpus, venv, ours = sys.argv[1:4]
jobs = int(sys.argv[sys.argv.index("--jobs") + 1]) if "--jobs" in sys.argv else 2
only = sys.argv[sys.argv.index("--tools") + 1].split(",") if "--tools" in sys.argv else None
expected = json.load(open(os.path.join(corpus, "expected.json")))
b = os.path.join(venv, "bin")
TOOLS = {
    "model_signing scan": lambda p: [ours, "scan", p],
    "picklescan": lambda p: [os.path.join(b, "picklescan"), "--path", p],
    "modelscan": lambda p: [os.path.join(b, "modelscan"), "-p", p],
    "fickling": lambda p: [os.path.join(b, "fickling"), "--check-safety", p],
    "modelaudit": lambda p: [os.path.join(b, "modelaudit"), "scan", "--no-cache", p],
}


def run(tool, name):
    cmd = TOOLS[tool](os.path.join(corpus, name))
    try:
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        return r.returncode
    except subprocess.TimeoutExpired:
        return "timeout"


rows = {}
for tool in TOOLS:
    if only and tool not in only:
        continue
    t0 = time.time()
    with cf.ThreadPoolExecutor(jobs) as ex:
        codes = dict(zip(expected, ex.map(lambda n: run(tool, n), expected)))
    rows[tool] = (codes, time.time() - t0)
    json.dump({k: str(v) for k, v in codes.items()}, open("/tmp/scan_corpus_%s.json" % tool.replace(" ", "_"), "w"), indent=1)

bad = [n for n, l in expected.items() if l != "safe"]
good = [n for n, l in expected.items() if l == "safe"]
print("| tool | malicious flagged (of %d) | malicious errored | malicious passed clean | benign flagged = FP (of %d) | benign errored | wall time (s) |" % (len(bad), len(good)))
print("|---|---|---|---|---|---|---|")
for tool, (codes, secs) in rows.items():
    flagged = sum(1 for n in bad if codes[n] == 1)
    errored = sum(1 for n in bad if codes[n] not in (0, 1))
    clean = sum(1 for n in bad if codes[n] == 0)
    fp = sum(1 for n in good if codes[n] == 1)
    ferr = sum(1 for n in good if codes[n] not in (0, 1))
    print("| %s | %d | %d | %d | %d | %d | %.0f |" % (tool, flagged, errored, clean, fp, ferr, secs))
print()
print("Malicious files passed clean (exit 0) per tool:")
for tool, (codes, _) in rows.items():
    missed = sorted(n for n in bad if codes[n] == 0)
    print("- %s (%d): %s" % (tool, len(missed), ", ".join(missed) if missed else "none"))
