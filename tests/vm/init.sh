#!/bin/busybox sh
# /init of the guest's initramfs: a minimal system, the tests, power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo "rawops-guest: begin $(uname -r)"
sh /guest.sh
echo "rawops-guest: end"
poweroff -f
