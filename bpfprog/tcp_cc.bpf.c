// SPDX-License-Identifier: GPL-2.0
/* Reno congestion control "rawops_reno", registered through a struct_ops
 * link (.struct_ops.link: map created with BPF_F_LINK, then BPF_LINK_CREATE).
 * The implementation is in rawops_reno.h. */
#define RENO_SEC ".struct_ops.link"
#define RENO_NAME "rawops_reno"
#define RENO_VAR rawops_reno
#define RENO_FN(x) reno_##x
#define RENO_GENERATION 1
#include "rawops_reno.h"
