#!/usr/bin/env python3
"""Maps a modelaudit directory JSON report onto the corpus labels: a file is flagged when an
issue of severity warning/critical names it. usage: modelaudit_table.py CORPUS REPORT.json"""
import json, os, sys
corpus, report = sys.argv[1:3]
expected = json.load(open(os.path.join(corpus, "expected.json")))
try:
    data = json.load(open(report))
except Exception as e:
    print("modelaudit produced no report:", e); sys.exit(0)
flagged = set()
for issue in data.get("issues", []):
    if str(issue.get("severity", "")).lower() not in ("warning", "critical", "error", "high"):
        continue
    loc = str(issue.get("location") or issue.get("details", {}).get("path") or "")
    for name in expected:
        if name in loc:
            flagged.add(name)
bad = [n for n, l in expected.items() if l != "safe"]
good = [n for n, l in expected.items() if l == "safe"]
print("| modelaudit | %d of %d malicious flagged | %d of %d benign flagged (FP) |" % (
    sum(n in flagged for n in bad), len(bad), sum(n in flagged for n in good), len(good)))
print("missed:", ", ".join(sorted(n for n in bad if n not in flagged)) or "none")
print("false positives:", ", ".join(sorted(n for n in good if n in flagged)) or "none")
