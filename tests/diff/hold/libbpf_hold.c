/* The libbpf side of tests/diff: load an object with libbpf 1.4.6 as a
 * skeleton's user would (open, load, attach every program that has an attach
 * point, register every struct_ops map), print a manifest of what the kernel
 * now holds, and keep it all until stdin closes. kstate then reads the
 * kernel's view of those ids; rawops_hold does the same with rawops.
 *
 *   libbpf_hold OBJ.o PIN_ROOT [TARGET_BTF]
 *
 * PIN_ROOT replaces /sys/fs/bpf for LIBBPF_PIN_BY_NAME maps (the caller
 * removes what is pinned there). TARGET_BTF is libbpf's btf_custom_path: the
 * CO-RE target instead of the running kernel's BTF (the CO-RE table).
 * With RAWOPS_DIFF_CALLS=FILE the bpf() calls of the load go to FILE.
 * A sched_ext scheduler is first prepared as its own user space prepares it
 * (tests/common/scx_prepare.c), as rawops_hold's sched_ext profile does.
 *
 * Manifest lines (stdout), then "ready":
 *   prog ID EXPECTED_ATTACH_TYPE 0 SECTION   (0: a field kept for the format)
 *   map ID
 *   link ID
 *   btf ID
 * Exit: 0 after a clean teardown, 2 when libbpf refused (its words on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "scx_prepare.h"

#ifndef BPF_F_LINK /* the machine's UAPI headers may predate 6.4 */
#define BPF_F_LINK (1U << 13)
#endif

enum { MAX_LINKS = 256 };

static int print_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static unsigned int btf_id_of(int fd)
{
	struct bpf_btf_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static unsigned int id_of(int fd)
{
	/* bpf_prog_info, bpf_map_info and bpf_link_info start with type and id. */
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: libbpf_hold OBJ.o PIN_ROOT [TARGET_BTF]\n");
		return 2;
	}
	libbpf_set_print(print_warnings);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = argv[2], .btf_custom_path = argc == 4 ? argv[3] : NULL);
	struct bpf_object *obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) {
		fprintf(stderr, "libbpf: open of %s failed\n", argv[1]);
		return 2;
	}
	struct bpf_link *links[MAX_LINKS];
	int kernel_link[MAX_LINKS];
	int nr_links = 0, status = 0;
	/* RAWOPS_DIFF_NO_REGISTER=1: struct_ops maps are created, not filled nor
	 * registered, and no program is attached (bpf_dummy_ops: its programs
	 * are only test-run). */
	const char *no_register_env = getenv("RAWOPS_DIFF_NO_REGISTER");
	int no_register = no_register_env && *no_register_env == '1';
	struct bpf_map *scx = scx_ops_map(obj);
	if (scx && scx_prepare(obj, scx, false)) {
		fprintf(stderr, "libbpf_hold: cannot prepare sched_ext scheduler %s\n", argv[1]);
		bpf_object__close(obj);
		return 2;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "libbpf: load of %s failed\n", argv[1]);
		bpf_object__close(obj);
		return 2;
	}
	/* The skeleton's attach: programs with an attach point, then struct_ops maps. */
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		/* RAWOPS_DIFF_NO_REGISTER: a programs-only load, as rawops'
		 * ExecOptions::fill_struct_ops = false, attaches nothing either. */
		if (no_register || bpf_program__fd(p) < 0 || bpf_program__type(p) == BPF_PROG_TYPE_STRUCT_OPS ||
		    bpf_program__type(p) == BPF_PROG_TYPE_SYSCALL || !bpf_program__autoattach(p))
			continue;
		struct bpf_link *l = bpf_program__attach(p);
		if (!l || nr_links == MAX_LINKS) {
			fprintf(stderr, "libbpf: attach of program %s failed\n", bpf_program__name(p));
			status = 2;
			goto out;
		}
		kernel_link[nr_links] = 1;
		links[nr_links++] = l;
	}
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) != BPF_MAP_TYPE_STRUCT_OPS || !bpf_map__autocreate(m) || no_register)
			continue;
		struct bpf_link *l = bpf_map__attach_struct_ops(m);
		if (!l || nr_links == MAX_LINKS) {
			fprintf(stderr, "libbpf: registration of struct_ops %s failed\n", bpf_map__name(m));
			status = 2;
			goto out;
		}
		/* A legacy registration's bpf_link stands for the map itself. */
		kernel_link[nr_links] = (bpf_map__map_flags(m) & BPF_F_LINK) != 0;
		links[nr_links++] = l;
	}
	capture_mark_loaded();
	const char *calls = getenv("RAWOPS_DIFF_CALLS");
	if (calls && capture_write(calls)) {
		fprintf(stderr, "libbpf_hold: cannot write %s\n", calls);
		status = 2;
		goto out;
	}
	for (int i = 0; i < nr_links; i++)
		if (kernel_link[i])
			printf("link %u\n", id_of(bpf_link__fd(links[i])));
	bpf_object__for_each_program(p, obj) {
		if (bpf_program__fd(p) < 0)
			continue;
		/* (bpf_program__flags() lacks the BPF_F_SLEEPABLE libbpf adds at load:
		 * the flags sent are compared from the bpf() capture instead.) */
		printf("prog %u %u 0 %s\n", id_of(bpf_program__fd(p)), bpf_program__expected_attach_type(p),
		       bpf_program__section_name(p));
	}
	bpf_object__for_each_map(m, obj) {
		/* libbpf 1.4 hands out a placeholder fd (a memfd) for every map at
		 * open, so bpf_map__fd() is no test of whether a map was created. */
		if (bpf_map__autocreate(m))
			printf("map %u\n", id_of(bpf_map__fd(m)));
	}
	if (bpf_object__btf_fd(obj) >= 0)
		printf("btf %u\n", btf_id_of(bpf_object__btf_fd(obj)));
	printf("ready\n");
	fflush(stdout);
	/* Hold everything until the caller has read the kernel's view. */
	char buf[64];
	while (fgets(buf, sizeof(buf), stdin))
		;
out:
	for (int i = nr_links - 1; i >= 0; i--)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return status;
}
