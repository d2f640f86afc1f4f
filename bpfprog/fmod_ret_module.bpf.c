// SPDX-License-Identifier: GPL-2.0
/*
 * fmod_ret on a module function (guest, with kmod/bpf_testmod.ko): the
 * target bpf_testmod_fmod_target is found in the module's BTF (libbpf
 * searches vmlinux, then the modules), so the program is loaded with
 * attach_btf_obj_fd = the module's BTF and attached with BPF_LINK_CREATE.
 * Returning non-zero replaces the function's result: x becomes 1000 + x.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

__u64 replaced;  /* .bss */

SEC("fmod_ret/bpf_testmod_fmod_target")
int BPF_PROG(fmod_target, int x, int ret)
{
	replaced++;
	return 1000 + x;
}
