/* The CO-RE table of tests/diff: every relocation kind, against the
 * hand-made target types of core_target.c, each result stored to `out` so
 * that it stands as an immediate in the instructions the kernel holds.
 * libbpf 1.4.6 and rawops relocate this object against the same target
 * file; the suite compares what each made of it. Local names carry
 * ___flavour suffixes (ignored when matching), and layouts differ from the
 * target's everywhere. Built with clang-19: TYPE_MATCHES needs LLVM >= 15.
 *
 * Row by row (the program, then what it asks):
 *   fields      byte offset, byte size, exists (yes/no) of plain, nested and
 *               array members; two flavours of one target type
 *   bitfields   offset, size, signed, lshift/rshift of bitfields and a plain field
 *   sizes       size and signedness changes; a u32 load of a field that is
 *               u64 in the target (the load widens), a u8 one that narrows
 *   types       type exists/size/matches, local and target type ids, of
 *               structs, a union, a typedef, anonymous types through typedefs
 *   enums       enumerator exists/value, 32 and 64 bit, anonymous enum
 *   dups        a local type with two target candidates that agree */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

struct core_inner___l {
	struct {
		unsigned int w;
		unsigned int v;
	} arr[4];
} __attribute__((preserve_access_index));

struct core_point___a {
	int x;
	long long y;
	unsigned short z;
	struct core_inner___l inner;
	char name[12];
	int missing; /* not in the target */
} __attribute__((preserve_access_index));

struct core_point___b {
	long long y;
	int x;
} __attribute__((preserve_access_index));

struct core_bits___l {
	unsigned int a : 3;
	int b : 5;
	unsigned long long c : 40;
	int plain;
} __attribute__((preserve_access_index));

struct core_sizes___l {
	unsigned int u;
	int s;
	unsigned int small;
	int sign;
} __attribute__((preserve_access_index));

enum core_color___l { RED = 2, GREEN = 3, PURPLE = 4 };
enum core_wide___l { WIDE_ONE = 1, WIDE_BIG = 0x10000000000LL };
typedef enum { ANON_A = 1, ANON_B = 2, ANON_C = 3 } core_anon_enum___l;
typedef struct { int first; long second; } core_anon_struct___l;

struct core_dup___x { int id; int x; } __attribute__((preserve_access_index));
struct core_match_yes___l { int a; long b; };
struct core_match_no___l { int a; long b; };
struct core_absent___l { int a; };
union core_union___l { int i; long long l; };
typedef unsigned long core_ulong_t___l;

long out[64];

SEC("syscall")
int fields(void *ctx)
{
	struct core_point___a *p = 0;
	struct core_point___b *q = 0;

	out[0] = bpf_core_field_offset(p->x);
	out[1] = bpf_core_field_offset(p->y);
	out[2] = bpf_core_field_offset(p->z);
	out[3] = bpf_core_field_offset(p->inner.arr[2].v);
	out[4] = bpf_core_field_offset(p->name);
	out[5] = bpf_core_field_size(p->name);
	out[6] = bpf_core_field_size(p->inner);
	out[7] = bpf_core_field_exists(p->missing);
	out[8] = bpf_core_field_exists(p->inner.arr[3].w);
	out[9] = bpf_core_field_offset(q->y);
	out[10] = bpf_core_field_size(q->x);
	return 0;
}

SEC("syscall")
int bitfields(void *ctx)
{
	struct core_bits___l *b = 0;

	out[0] = bpf_core_field_offset(b->a);
	out[1] = bpf_core_field_size(b->a);
	out[2] = __builtin_preserve_field_info(b->a, BPF_FIELD_LSHIFT_U64);
	out[3] = __builtin_preserve_field_info(b->a, BPF_FIELD_RSHIFT_U64);
	out[4] = __builtin_preserve_field_info(b->a, BPF_FIELD_SIGNED);
	out[5] = __builtin_preserve_field_info(b->b, BPF_FIELD_LSHIFT_U64);
	out[6] = __builtin_preserve_field_info(b->b, BPF_FIELD_RSHIFT_U64);
	out[7] = __builtin_preserve_field_info(b->b, BPF_FIELD_SIGNED);
	out[8] = __builtin_preserve_field_info(b->c, BPF_FIELD_LSHIFT_U64);
	out[9] = __builtin_preserve_field_info(b->c, BPF_FIELD_RSHIFT_U64);
	out[10] = bpf_core_field_offset(b->c);
	out[11] = bpf_core_field_size(b->c);
	out[12] = bpf_core_field_exists(b->plain);
	return 0;
}

SEC("syscall")
int sizes(struct core_sizes___l *ctx)
{
	out[0] = bpf_core_field_size(ctx->u);
	out[1] = bpf_core_field_size(ctx->s);
	out[2] = __builtin_preserve_field_info(ctx->s, BPF_FIELD_SIGNED);
	out[3] = __builtin_preserve_field_info(ctx->sign, BPF_FIELD_SIGNED);
	out[4] = bpf_core_field_size(ctx->small);
	/* Loads through the context: unsigned fields change their load size. */
	out[5] = ctx->u;
	out[6] = ctx->small;
	return 0;
}

SEC("syscall")
int types(void *ctx)
{
	out[0] = bpf_core_type_exists(struct core_point___a);
	out[1] = bpf_core_type_exists(struct core_absent___l);
	out[2] = bpf_core_type_size(struct core_point___a);
	out[3] = bpf_core_type_size(union core_union___l);
	out[4] = bpf_core_type_size(core_ulong_t___l);
	out[5] = bpf_core_type_size(core_anon_struct___l);
	out[6] = bpf_core_type_matches(struct core_match_yes___l);
	out[7] = bpf_core_type_matches(struct core_match_no___l);
	out[8] = bpf_core_type_matches(struct core_absent___l);
	out[9] = bpf_core_type_matches(core_anon_enum___l);
	out[10] = bpf_core_type_id_local(struct core_point___a);
	out[11] = bpf_core_type_id_kernel(struct core_point___a);
	out[12] = bpf_core_type_id_kernel(union core_union___l);
	out[13] = bpf_core_type_id_kernel(core_anon_struct___l);
	out[14] = bpf_core_type_exists(core_anon_enum___l);
	return 0;
}

SEC("syscall")
int enums(void *ctx)
{
	out[0] = bpf_core_enum_value_exists(enum core_color___l, GREEN);
	out[1] = bpf_core_enum_value_exists(enum core_color___l, PURPLE);
	out[2] = bpf_core_enum_value(enum core_color___l, RED);
	out[3] = bpf_core_enum_value(enum core_color___l, GREEN);
	out[4] = bpf_core_enum_value(enum core_wide___l, WIDE_BIG);
	out[5] = bpf_core_enum_value_exists(core_anon_enum___l, ANON_B);
	out[6] = bpf_core_enum_value(core_anon_enum___l, ANON_B);
	out[7] = bpf_core_enum_value_exists(core_anon_enum___l, ANON_C);
	out[8] = bpf_core_type_size(enum core_wide___l);
	return 0;
}

SEC("syscall")
int dups(void *ctx)
{
	struct core_dup___x *d = 0;

	out[0] = bpf_core_field_offset(d->x);
	out[1] = bpf_core_field_exists(d->id);
	/* (bpf_core_type_size() would be ambiguous, 8 vs 12: both loaders
	 * refuse the object, libbpf with "relocation decision ambiguity".) */
	return 0;
}
