#!/usr/bin/env python3
"""Capture successive memory images of a live process through /proc/PID/mem.

Selects mappings once (round 0) from /proc/PID/maps by permissions, name and size, then every
--interval seconds reads those same address ranges and writes them laid end to end, in address
order, as DIR/000.bin, DIR/001.bin, ... (the image format `hde trace` and `hde replay --images`
read). Bytes the kernel will not give (EIO: guard pages, unpopulated device memory) are zeros,
as in shared/traces/redis-22m. Every image has the same size.

Needs ptrace access to the process (root, or its owner with kernel.yama.ptrace_scope=0).
"""
import argparse
import os
import re
import sys
import time

PAGE = 4096


def mappings(pid):
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            name = parts[5].strip() if len(parts) > 5 else ""
            out.append((lo, hi, parts[1], name))
    return out


def select(maps, perms, name, exclude, min_size, max_size):
    chosen = []
    for lo, hi, p, n in maps:
        size = hi - lo
        if not re.fullmatch(perms, p) or not re.search(name, n) or (exclude and re.search(exclude, n)):
            continue
        if size < min_size or (max_size and size > max_size):
            continue
        chosen.append((lo, hi, p, n))
    return chosen


def read_range(fd, lo, hi, out):
    chunk = 1 << 20
    at = lo
    while at < hi:
        n = min(chunk, hi - at)
        try:
            data = os.pread(fd, n, at)
        except OSError:
            data = b""
        if len(data) < n:
            # Read page by page to keep what can be read; the rest is zeros.
            buf = bytearray(data)
            p = at + len(data)
            while p < at + n:
                try:
                    page = os.pread(fd, PAGE, p)
                except OSError:
                    page = b""
                buf += page + bytes(PAGE - len(page))
                p += PAGE
            data = bytes(buf)
        out.write(data)
        at += n


def size_arg(s):
    m = re.fullmatch(r"(\d+)([KMG]?)(i?B)?", s.strip(), re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {s}")
    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2).upper()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--out", required=True, help="directory for NNN.bin")
    ap.add_argument("--images", type=int, default=8)
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between the starts of two captures")
    ap.add_argument("--perms", default=r"rw.[ps]", help="regex on the permissions (default: readable and writable)")
    ap.add_argument("--name", default="", help="regex the mapping's name must contain (default: any)")
    ap.add_argument("--exclude-name", default=r"^\[(vvar|vdso|vsyscall|uprobes)\]$|^/(?!dev/(shm|zero))",
                    help="regex of names to leave out (default: kernel pages and file mappings other than /dev/shm, /dev/zero)")
    ap.add_argument("--min-size", type=size_arg, default=4096)
    ap.add_argument("--max-size", type=size_arg, default=0)
    ap.add_argument("--list", action="store_true", help="list the mappings, selected ones marked *, and exit")
    a = ap.parse_args()

    maps = mappings(a.pid)
    chosen = select(maps, a.perms, a.name, a.exclude_name, a.min_size, a.max_size)
    if a.list or not chosen:
        for m in maps:
            mark = "*" if m in chosen else " "
            print(f"{mark} {m[0]:x}-{m[1]:x} {m[2]} {(m[1]-m[0])>>10:>9} KiB {m[3]}")
        if not chosen:
            print("capture.py: no mapping selected", file=sys.stderr)
            return 4
        return 0
    total = sum(hi - lo for lo, hi, _, _ in chosen)
    os.makedirs(a.out, exist_ok=True)
    print(f"capture.py: pid {a.pid}, {len(chosen)} mappings, {total:,} bytes per image, {a.images} images", file=sys.stderr)
    fd = os.open(f"/proc/{a.pid}/mem", os.O_RDONLY)
    try:
        start = time.monotonic()
        for i in range(a.images):
            due = start + i * a.interval
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            t0 = time.monotonic()
            path = os.path.join(a.out, f"{i:03d}.bin")
            with open(path + ".tmp", "wb") as out:
                for lo, hi, _, _ in chosen:
                    read_range(fd, lo, hi, out)
            os.replace(path + ".tmp", path)
            print(f"  {path}: read in {time.monotonic() - t0:.2f} s", file=sys.stderr)
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
