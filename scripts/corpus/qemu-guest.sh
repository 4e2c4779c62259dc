#!/usr/bin/env bash
# A QEMU guest's RAM running compression and file I/O: 8 images of the guest's 256 MiB of RAM (the
# QEMU process's one large anonymous mapping), one second apart, 40 s after boot.
#
# The guest is made from Debian packages alone, with no network: the kernel of linux-image-amd64
# (/boot/vmlinuz-*) and an initramfs holding busybox-static and a few MB of real files (Python's
# standard library and the kernel's documentation text, if installed) to work on. Its /init mounts a
# tmpfs and loops forever: random data from /dev/urandom, gzip of it and of the text files at
# several levels, copies, tar, sort and checksums, deleting and rewriting files (page cache churn).
# No KVM is needed (TCG); with /dev/kvm the guest runs faster and the images change more per second.
#
# Usage: scripts/corpus/qemu-guest.sh OUT_DIR
#   (Debian: qemu-system-x86 linux-image-amd64 busybox-static cpio; run as root)
set -euo pipefail
out=${1:?usage: qemu-guest.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
work=$(mktemp -d /tmp/hde-corpus-qemu.XXXXXX)
root=$work/root
mkdir -p "$root"/{bin,proc,sys,dev,tmp,data}
cp /bin/busybox "$root/bin/busybox"
# Real files for the workload to compress and copy (a few MB; whatever of these exists).
for src in /usr/lib/python3.11/email /usr/lib/python3.11/json /usr/lib/python3.11/asyncio /usr/share/perl/5.36/unicore; do
  [ -d "$src" ] && cp -r "$src" "$root/data/" || true
done
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs -o size=160m tmpfs /tmp
echo "guest: workload starting"
i=0
while true; do
  i=$((i + 1))
  dd if=/dev/urandom of=/tmp/random.$((i % 4)) bs=64k count=$((8 + i % 24)) 2>/dev/null
  gzip -1 -c /tmp/random.$((i % 4)) > /tmp/random.gz
  tar cf /tmp/data.tar /data
  gzip -$((1 + i % 9)) -c /tmp/data.tar > /tmp/data.tar.gz.$((i % 3))
  gunzip -c /tmp/data.tar.gz.$((i % 3)) | md5sum > /tmp/sum.$((i % 5))
  cat /data/*/*.py 2>/dev/null | sort | uniq -c | sort -n > /tmp/words.$((i % 2))
  cp -r /data /tmp/copy.$((i % 2))
  rm -rf /tmp/copy.$(((i + 1) % 2))
  find / -xdev -type f 2>/dev/null | wc -l > /tmp/count
done
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$work/initrd.gz")
qemu-system-x86_64 -machine pc -m 256 -smp 1 -nographic -no-reboot -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 quiet panic=-1" -nic none > "$work/console.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do grep -q "workload starting" "$work/console.log" && break; sleep 1; done
grep -q "workload starting" "$work/console.log" || { echo "qemu-guest.sh: the guest did not start:" >&2; tail -20 "$work/console.log" >&2; exit 1; }
sleep 40
python3 "$here/capture.py" --pid "$pid" --out "$out" --images 8 --interval 1 --perms 'rw-p' --min-size 250M --max-size 300M
echo "qemu-guest.sh: $(ls "$out"/*.bin | wc -l) images of $(stat -c %s "$out/000.bin") bytes in $out"
