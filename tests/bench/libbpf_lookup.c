/* The libbpf side of the BTF benchmark: what a libbpf-based loader does
 * before it can bind a struct_ops map: load vmlinux BTF (btf__load_vmlinux_btf)
 * and find the value type, then walk its members. Linked statically against
 * libbpf 1.4.6 (bookworm-backports). Prints the same facts as
 * btf_lookup.cpp so the two outputs can be compared. */
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

static int print_struct(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	if (id < 0) {
		fprintf(stderr, "libbpf_lookup: %s not found: %d\n", name, id);
		return -1;
	}
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	printf("%s id=%d size=%u\n", name, id, t->size);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		printf("  %s bit_offset=%u type=%u\n", btf__name_by_offset(btf, m->name_off),
		       btf_member_bit_offset(t, i), m->type);
	return 0;
}

int main(int argc, char **argv)
{
	const char *value = argc > 1 ? argv[1] : "bpf_struct_ops_tcp_congestion_ops";
	const char *ops = argc > 2 ? argv[2] : "tcp_congestion_ops";
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf) {
		fprintf(stderr, "libbpf_lookup: btf__load_vmlinux_btf failed\n");
		return 1;
	}
	int err = print_struct(btf, value) || print_struct(btf, ops);
	btf__free(btf);
	return err ? 1 : 0;
}
