/* What a sched_ext scheduler's own user space does to its object between
 * open and load (tools/sched_ext/include/scx: SCX_OPS_OPEN, SCX_ENUM_INIT,
 * UEI_SET_SIZE), done with libbpf's generic API so that the libbpf side of
 * make bench (tests/bench/libbpf_load.c) and of the differential tests
 * (tests/diff/hold/libbpf_hold.c) load the kernel's schedulers the way their
 * loaders do. rawops does the same as
 * the sched_ext profile (loader/struct_ops/profile.cpp); without it the
 * __SCX_* constants stay 0 and the kernel kills the scheduler. */
#ifndef RAWOPS_TESTS_SCX_PREPARE_H
#define RAWOPS_TESTS_SCX_PREPARE_H

#include <stdbool.h>

struct bpf_object;
struct bpf_map;

/* The struct_ops map of @obj whose type (in the object's BTF) is
 * sched_ext_ops or sched_ext_ops_cid, or NULL when there is none. */
struct bpf_map *scx_ops_map(struct bpf_object *obj);

/* Before bpf_object__load(): every .rodata `__SCX_<NAME>` set to the
 * running kernel's enumerator SCX_<NAME> (0 if it has none), @ops's
 * hotplug_seq from /sys/kernel/sched_ext/hotplug_seq, data members of @ops
 * the kernel's type lacks cleared, and each exit-info block's
 * <uei>_dump_len and .data.<uei>_dump sized to ops.exit_dump_len or 32768.
 * @verbose: each change on stderr. Returns 0 or a negative errno. */
int scx_prepare(struct bpf_object *obj, struct bpf_map *ops, bool verbose);

#endif
