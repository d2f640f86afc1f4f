/* The libbpf side of the load benchmark: what the seed tutorial's loader
 * does, in one process: open the object, load it (BTF, maps, programs),
 * register its struct_ops maps (bpf_map__attach_struct_ops), then tear it
 * all down. Linked statically against libbpf 1.4.6 (bookworm-backports). */
#include <stdio.h>

#include <bpf/libbpf.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: libbpf_load OBJ.o\n");
		return 2;
	}
	libbpf_set_print(quiet);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "libbpf_load: open %s failed\n", argv[1]);
		return 1;
	}
	int err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "libbpf_load: load failed: %d\n", err);
		bpf_object__close(obj);
		return 1;
	}
	struct bpf_link *links[16];
	int n = 0;
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS || n == 16)
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
	while (n > 0)
		bpf_link__destroy(links[--n]);
	bpf_object__close(obj);
	return err;
}
