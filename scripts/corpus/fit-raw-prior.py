#!/usr/bin/env python3
# Fits where the raw-content prior's repeat-share credit fades (CostModel.REPEAT_CREDIT_ZERO_BITS and
# _FULL_BITS) on KeyframePriorData.java's CSV: a grid of (zero, full) bits, each trace weighted alike,
# error = mean log(actual / predicted)^2; then each trace held out, fitted on the others.
# Usage: scripts/corpus/fit-raw-prior.py keyframes.csv
import csv, math, collections, sys
rows=list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    for k in ['H','rep','zero','actual3','prior3','pages']: r[k]=float(r[k])
def qh(H): return min(1.0, 0.02+0.98*(max(0,min(8,H))/7.9)**2.2)
def g0(rep): return min(1.0,(1-min(0.95,rep))/0.92)
def model(r, a, b):
    s = 1.0 if b<=a else min(1.0,max(0.0,(r['H']-a)/(b-a)))
    g = 1-(1-g0(r['rep']))*s
    hdr=(70+0.2*r['pages'])/(r['pages']*4096)
    return min(1.0, qh(r['H'])*g)+hdr
def err(rs, a, b):
    return sum(math.log(r['actual3']/model(r,a,b))**2 for r in rs)/len(rs)
traces=sorted(set(r['trace'] for r in rows))
grid=[(a,b) for a in [x*0.5 for x in range(0,11)] for b in [x*0.5 for x in range(1,13)] if b>a] + [(0,0)]
def fit(rs):
    # weight each trace equally
    by=collections.defaultdict(list)
    for r in rs: by[r['trace']].append(r)
    return min(grid, key=lambda ab: sum(err(v,*ab) for v in by.values()))
print('current (s=1):', {t: round(err([r for r in rows if r['trace']==t],0,0),3) for t in traces})
ab=fit(rows); print('fit on all', ab, {t: round(err([r for r in rows if r['trace']==t],*ab),3) for t in traces})
for held in traces:
    ab=fit([r for r in rows if r['trace']!=held])
    print('held out', held, 'fit', ab, 'err held %.3f (current %.3f)' % (err([r for r in rows if r['trace']==held],*ab), err([r for r in rows if r['trace']==held],0,0)),
          'mean ratio held x%.2f' % math.exp(sum(math.log(r['actual3']/model(r,*ab)) for r in rows if r['trace']==held)/sum(1 for r in rows if r['trace']==held)))
