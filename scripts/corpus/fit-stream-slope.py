#!/usr/bin/env python3
"""How a codec's share of the XBZRLE stream depends on the run-start share r, each trace held out.

Reads the CSV of DeltaStreamData.java (argument 1). For delta frames with under 2 % new pages, the
target is zstd-3's block over the XBZRLE block (frame headers taken off); the model is the prior's
1 - (1 - (A + B r)) min(1, (1 - q_h) / 0.5). Each trace's mean log error is taken out (learning
corrects the level), so the fit is of the shape only: per held-out trace, the (A, B) that the other
three fit best, and the held-out trace's weighted spread with it and with the shipped (0.38, 0.49).
"""
import csv
import math
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    for k in r:
        if k != 'trace':
            r[k] = float(r[k])
rows = [r for r in rows if r['new'] < 0.02 and r['actualnone'] > 2000]
traces = sorted({r['trace'] for r in rows})


def target(r):
    header = 70 + 0.2 * r['pages']
    return (r['actual3'] - header) / (r['actualnone'] - header)


def share(a, b, r):
    return 1 - (1 - max(0.02, min(1, a + b * r['r']))) * min(1, (1 - r['qh']) / 0.5)


def spread(a, b, ts):
    total = 0
    for t in ts:
        logs = [(math.log(share(a, b, r) / target(r)), r['actualnone']) for r in rows if r['trace'] == t]
        w = sum(x for _, x in logs)
        mean = sum(l * x for l, x in logs) / w
        total += sum(x * (l - mean) ** 2 for l, x in logs) / w
    return total / len(ts)


grid = [(a / 100, b / 100) for a in range(20, 61, 10) for b in range(-40, 61, 5)]
print('frames', {t: sum(1 for r in rows if r['trace'] == t) for t in traces})
for held in traces:
    others = [t for t in traces if t != held]
    best = min(grid, key=lambda ab: spread(*ab, others))
    print('held out %s: fit %s, its spread %.4f (shipped 0.38 + 0.49 r: %.4f)' % (held, best, spread(*best, [held]), spread(0.38, 0.49, [held])))
