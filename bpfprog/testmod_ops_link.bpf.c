// SPDX-License-Identifier: GPL-2.0
/* bpf_testmod_ops registered through a struct_ops link. */
#define TESTMOD_SEC ".struct_ops.link"
#include "testmod_ops.h"
