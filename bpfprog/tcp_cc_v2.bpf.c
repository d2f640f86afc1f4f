// SPDX-License-Identifier: GPL-2.0
/* A second object with the same tcp name "rawops_reno" as tcp_cc.bpf.c, for
 * BPF_LINK_UPDATE (the kernel only swaps a struct_ops link to a map whose
 * congestion control has the same name). It has its own maps (own counters)
 * and marks itself with generation 2, which its init copies into
 * rawops_stats.generation; its programs are named reno2_*. */
#define RENO_SEC ".struct_ops.link"
#define RENO_NAME "rawops_reno"
#define RENO_VAR rawops_reno_v2
#define RENO_FN(x) reno2_##x
#define RENO_GENERATION 2
#include "rawops_reno.h"
