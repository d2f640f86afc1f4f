// SPDX-License-Identifier: GPL-2.0
/* bpf_testmod_ops registered the legacy way (map update). */
#define TESTMOD_SEC ".struct_ops"
#include "testmod_ops.h"
