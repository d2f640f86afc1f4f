/* The libbpf side of the load benchmark: what the seed tutorial's loader
 * does, in one process: open the object, load it (BTF, maps, programs),
 * register its struct_ops maps (bpf_map__attach_struct_ops), then tear it
 * all down. Linked statically against libbpf 1.4.6 (bookworm-backports).
 *
 * A sched_ext scheduler (a struct_ops map of type sched_ext_ops) is loaded
 * as its own loader does: scx_prepare() between open and load, and its
 * other programs (scx_lib_init_probe, fentry/bpf_scx_reg) attached before
 * the scheduler registers, as SCX_OPS_ATTACH's skeleton attach does; rawops
 * does both too.
 *   libbpf_load OBJ.o [-v]     -v: what scx_prepare() changed, on stderr */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "scx_prepare.h"

#define MAX_LINKS 16

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* The skeleton's attach: every loaded program that can attach itself (its
 * SEC() names the target); the others (struct_ops, syscall) are skipped. */
static int attach_programs(struct bpf_object *obj, struct bpf_link **links, int *n)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__type(prog) == BPF_PROG_TYPE_STRUCT_OPS ||
		    !bpf_program__autoload(prog) || !bpf_program__autoattach(prog))
			continue;
		if (*n == MAX_LINKS)
			return fprintf(stderr, "libbpf_load: more than %d links\n", MAX_LINKS), -E2BIG;
		struct bpf_link *link = bpf_program__attach(prog);
		int err = link ? 0 : -errno;
		if (err == -EOPNOTSUPP)
			continue;
		if (err)
			return fprintf(stderr, "libbpf_load: attach program %s failed: %d\n",
				       bpf_program__name(prog), err), err;
		links[(*n)++] = link;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: libbpf_load OBJ.o [-v]\n");
		return 2;
	}
	bool verbose = argc > 2 && !strcmp(argv[2], "-v");
	libbpf_set_print(quiet);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "libbpf_load: open %s failed\n", argv[1]);
		return 1;
	}
	struct bpf_map *scx = scx_ops_map(obj);
	int err = scx ? scx_prepare(obj, scx, verbose) : 0;
	if (err) {
		fprintf(stderr, "libbpf_load: %s: sched_ext preparation failed: %d\n", argv[1], err);
		bpf_object__close(obj);
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "libbpf_load: load failed: %d\n", err);
		bpf_object__close(obj);
		return 1;
	}
	struct bpf_link *prog_links[MAX_LINKS], *links[MAX_LINKS];
	int nprog = 0, n = 0;
	if (scx && attach_programs(obj, prog_links, &nprog))
		err = 1;
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		if (err || bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || n == MAX_LINKS)
			continue;
		links[n] = bpf_map__attach_struct_ops(map);
		if (!links[n]) {
			fprintf(stderr, "libbpf_load: attach %s failed\n", bpf_map__name(map));
			err = 1;
			break;
		}
		n++;
	}
	printf("registered %d struct_ops\n", n);
	/* As the scheduler's loader: the scheduler first, then the skeleton. */
	while (n > 0)
		bpf_link__destroy(links[--n]);
	while (nprog > 0)
		bpf_link__destroy(prog_links[--nprog]);
	bpf_object__close(obj);
	return err;
}
