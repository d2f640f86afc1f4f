/* SPDX-License-Identifier: GPL-2.0 */
/* What newer libbpf headers define and bookworm's libbpf-dev 1.1.2 lacks. */
#ifndef RAWOPS_COMPAT_H
#define RAWOPS_COMPAT_H

/* libbpf 1.2's bpf_ksym_exists(): a __weak extern's address is 0 when the
 * loader could not resolve it, so the test folds away the guarded code. */
#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) ({                                                 \
	_Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); \
	!!sym;                                                                  \
})
#endif

#endif
