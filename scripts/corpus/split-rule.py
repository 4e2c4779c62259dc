#!/usr/bin/env python3
"""How SPLIT should send the bytes of a changed page: differences (new - old) or new bytes, and by which rule.
Prototype used to choose the rewritten-page rule (docs/benchmarks.md, "Fitted on what"): zstd-3 bytes per
variant over transitions FIRST..LAST of an image directory. Needs numpy and zstandard.
Usage: split-rule.py DIR FIRST LAST"""
import sys, zstandard, numpy as np, glob
PAGE=4096; REG=512
def varint(v, out):
    while v >= 0x80:
        out.append((v & 0x7f) | 0x80); v >>= 7
    out.append(v)
d=sys.argv[1]; first=int(sys.argv[2]); last=int(sys.argv[3])
imgs=sorted(glob.glob(d+"/[0-9][0-9][0-9].bin"))
z=zstandard.ZstdCompressor(level=3)
tot={}
prev=np.fromfile(imgs[first-1],dtype=np.uint8)
for path in imgs[first:last+1]:
    cur=np.fromfile(path,dtype=np.uint8)
    P=prev.reshape(-1,PAGE); C=cur.reshape(-1,PAGE)
    changed=np.nonzero((P!=C).any(axis=1))[0]
    for r0 in range(0,P.shape[0],REG):
        pages=changed[(changed>=r0)&(changed<r0+REG)]
        if len(pages)==0: continue
        V={k:[bytearray(),bytearray(),bytearray(),bytearray()] for k in "ABCDEFX"}  # ctl, diff, lit, raw
        for p in pages:
            o=P[p]; n=C[p]
            if not o.any() or not n.any():
                for k in V: V[k][3]+=n.tobytes()
                continue
            m=(o!=n).astype(np.int8)
            e=np.diff(np.concatenate(([0],m,[0])))
            s=np.nonzero(e==1)[0]; en=np.nonzero(e==-1)[0]
            share=m.sum()/PAGE
            xb=bytearray(); pos=0
            for k in "ABCDEF": varint(len(s),V[k][0])
            for a,b in zip(s,en):
                nb=n[a:b].tobytes(); db=((n[a:b].astype(np.int16)-o[a:b])&0xff).astype(np.uint8).tobytes()
                for k in "ABCEF": varint(a-pos,V[k][0]); varint(b-a,V[k][0])
                V["A"][1]+=db; V["B"][2]+=nb
                (V["C"][2] if share>0.25 else V["C"][1]).__iadd__(nb if share>0.25 else db)
                (V["E"][2] if share>0.125 else V["E"][1]).__iadd__(nb if share>0.125 else db)
                (V["F"][2] if share>0.5 else V["F"][1]).__iadd__(nb if share>0.5 else db)
                lit=(b-a)>=16
                varint(a-pos,V["D"][0]); varint(((b-a)<<1)|int(lit),V["D"][0])
                (V["D"][2] if lit else V["D"][1]).__iadd__(nb if lit else db)
                varint(a-pos,xb); varint(b-a,xb); xb+=nb
                pos=b
            V["X"][1]+=bytes([0])+xb
        for k,(c,df,l,r) in V.items():
            tot[k]=tot.get(k,0)+len(z.compress(bytes(c+df+l+r)))
    prev=cur
names={"A":"split all diff","B":"split all literal","C":"page rule share>1/4 literal","D":"run rule len>=16 literal","X":"xbzrle (interleaved)","E":"page rule share>1/8","F":"page rule share>1/2"}
for k in sorted(tot): print(f"{d} {names[k]:32s} zstd-3 {tot[k]:>12,}")
