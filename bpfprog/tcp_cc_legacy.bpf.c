// SPDX-License-Identifier: GPL-2.0
/* Reno congestion control "rawops_reno_l", registered the legacy way
 * (.struct_ops: BPF_MAP_UPDATE_ELEM on the struct_ops map registers it, map
 * deletion unregisters it). The program names ("renol_cong_avoid", ...) are
 * 16 characters on purpose: longer than BPF_OBJ_NAME_LEN - 1, so the loader's
 * name truncation is exercised. */
#define RENO_SEC ".struct_ops"
#define RENO_NAME "rawops_reno_l"
#define RENO_VAR rawops_reno_l
#define RENO_FN(x) renol_##x
#define RENO_GENERATION 1
#include "rawops_reno.h"
