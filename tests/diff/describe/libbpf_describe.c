/* The libbpf side of tests/diff: open and load an object with libbpf 1.4.6
 * (no attach, no registration) and print what it decided, one line per map
 * and per program, in the format rawops_describe prints. Maps, as the kernel
 * reports them: name, type, flags, sizes (only the maps libbpf created);
 * programs: section, type, expected attach type (struct_ops: member index),
 * for the programs libbpf loaded. Sorted by the caller.
 * PIN_ROOT replaces libbpf's default /sys/fs/bpf for LIBBPF_PIN_BY_NAME maps,
 * so that the caller can remove what libbpf pinned (the pins outlive us). */
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: libbpf_describe OBJ.o PIN_ROOT\n");
		return 2;
	}
	libbpf_set_print(quiet);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = argv[2]);
	struct bpf_object *obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) {
		fprintf(stderr, "libbpf: open failed\n");
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "libbpf: load failed\n");
		bpf_object__close(obj);
		return 1;
	}
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj) {
		if (!bpf_map__autocreate(m))
			continue;
		/* What the kernel holds: libbpf's own label may be longer than the 15
		 * characters the kernel keeps. */
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_map_get_info_by_fd(bpf_map__fd(m), &info, &len)) {
			fprintf(stderr, "libbpf: map info of %s failed\n", bpf_map__name(m));
			return 1;
		}
		printf("map %s type=%u flags=0x%x key=%u value=%u max_entries=%u\n", info.name, info.type, info.map_flags,
		       info.key_size, info.value_size, info.max_entries);
	}
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__autoload(p))
			continue;
		/* (BPF_F_SLEEPABLE is not compared: libbpf adds it to the load
		 * attributes only, and the kernel does not report it.) */
		printf("prog %s sec=%s type=%u expected_attach_type=%u\n", bpf_program__name(p),
		       bpf_program__section_name(p), bpf_program__type(p), bpf_program__expected_attach_type(p));
	}
	bpf_object__close(obj);
	return 0;
}
