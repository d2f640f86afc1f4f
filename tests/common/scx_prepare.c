/* sched_ext's pre-load steps with libbpf's generic API (see scx_prepare.h).
 *
 * The scheduler's own loader does them through its skeleton
 * (tools/sched_ext/include/scx/compat.h, enums.h, user_exit_info.h); here
 * the same variables are found by name in the object's BTF, as rawops'
 * sched_ext profile finds them (loader/struct_ops/profile.cpp), and the
 * values are the ones that profile computes, so that both sides of the
 * bench load the same scheduler. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "scx_prepare.h"

#define UEI_DUMP_DFL_LEN 32768 /* user_exit_info_common.h */
#define HOTPLUG_SEQ_PATH "/sys/kernel/sched_ext/hotplug_seq"

static const char *const scx_types[] = { "sched_ext_ops", "sched_ext_ops_cid" };

/* Length of @name without a CO-RE flavour ("sched_ext_ops___v2"). */
static size_t essential_len(const char *name)
{
	const char *flavour = strstr(name, "___");

	return flavour ? (size_t)(flavour - name) : strlen(name);
}

static bool is_scx_type(const char *name)
{
	size_t n = essential_len(name);

	for (size_t i = 0; i < sizeof(scx_types) / sizeof(scx_types[0]); i++)
		if (strlen(scx_types[i]) == n && !strncmp(name, scx_types[i], n))
			return true;
	return false;
}

/* The struct type of struct_ops map @map: its variable, of the same name,
 * in the object's .struct_ops or .struct_ops.link section (libbpf names
 * struct_ops maps after their variables). 0 if not found. */
static __u32 ops_type_id(const struct btf *btf, const struct bpf_map *map)
{
	static const char *const secs[] = { ".struct_ops", ".struct_ops.link" };
	const char *name = bpf_map__name(map);

	for (size_t s = 0; s < sizeof(secs) / sizeof(secs[0]); s++) {
		int id = btf__find_by_name_kind(btf, secs[s], BTF_KIND_DATASEC);
		if (id < 0)
			continue;
		const struct btf_type *sec = btf__type_by_id(btf, id);
		const struct btf_var_secinfo *vsi = btf_var_secinfos(sec);
		for (__u16 i = 0; i < btf_vlen(sec); i++, vsi++) {
			const struct btf_type *var = btf__type_by_id(btf, vsi->type);
			if (strcmp(btf__name_by_offset(btf, var->name_off), name))
				continue;
			int type = btf__resolve_type(btf, var->type);
			return type < 0 ? 0 : (__u32)type;
		}
	}
	return 0;
}

struct bpf_map *scx_ops_map(struct bpf_object *obj)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map;

	if (!btf)
		return NULL;
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		__u32 id = ops_type_id(btf, map);
		const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
		if (t && btf_is_struct(t) && is_scx_type(btf__name_by_offset(btf, t->name_off)))
			return map;
	}
	return NULL;
}

/* A .rodata variable to set: where it lies in the map's initial value. */
struct rodata_var {
	const char *name;
	const char *sec;
	unsigned char *dst;
	__u32 size;
	__u64 value;
	bool found; /* __SCX_*: the kernel has the enumerator */
};

static void store(unsigned char *dst, __u32 size, __u64 value)
{
	if (size == 8) {
		memcpy(dst, &value, 8);
	} else {
		__u32 v = (__u32)value;
		memcpy(dst, &v, 4);
	}
}

static __u64 load(const unsigned char *src, __u32 size)
{
	__u64 v64 = 0;
	__u32 v32 = 0;

	if (size == 8)
		return memcpy(&v64, src, 8), v64;
	return memcpy(&v32, src, 4), v32;
}

static bool ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n > m && !strcmp(s + n - m, sfx);
}

/* The kernel's value of an enumerator as rawops reads it: a 32-bit enum's
 * value sign-extended when BTF marks the enum signed, zero-extended
 * otherwise; a 64-bit enum's as it is. */
static void match_enumerators(const struct btf *vmlinux, const struct btf_type *t,
			      struct rodata_var *want, int nwant)
{
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const char *name;
		__u64 value;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;
			name = btf__name_by_offset(vmlinux, e->name_off);
			value = btf_kflag(t) ? (__u64)(__s64)e->val : (__u64)(__u32)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;
			name = btf__name_by_offset(vmlinux, e->name_off);
			value = btf_enum64_value(e);
		}
		if (strncmp(name, "SCX_", 4))
			continue;
		/* "__SCX_X" wants "SCX_X"; the first enum naming it wins. */
		for (int w = 0; w < nwant; w++) {
			if (!want[w].found && !strcmp(want[w].name + 2, name)) {
				want[w].value = value;
				want[w].found = true;
			}
		}
	}
}

static bool has_member(const struct btf *btf, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = btf_members(t);

	for (__u16 i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return true;
	return false;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int scx_prepare(struct bpf_object *obj, struct bpf_map *ops, bool verbose)
{
	struct btf *btf = bpf_object__btf(obj);
	struct rodata_var *vars = NULL;
	struct bpf_map **resize = NULL;
	__u32 *resize_to = NULL;
	int nvars = 0, nscx = 0, nresize = 0, err = 0;
	struct btf *vmlinux = NULL;

	__u32 ops_id = ops_type_id(btf, ops);
	size_t ops_size = 0;
	unsigned char *ops_data = bpf_map__initial_value(ops, &ops_size);
	if (!ops_id || !ops_data) {
		fprintf(stderr, "scx_prepare: %s: no BTF type or data for the struct_ops map\n",
			bpf_map__name(ops));
		return -EINVAL;
	}

	/* The .rodata variables: __SCX_* (8 bytes, SCX_ENUM_INIT) and
	 * <uei>_dump_len whose .data.<uei>_dump section exists (UEI_SET_SIZE). */
	for (__u32 id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type *sec = btf__type_by_id(btf, id);
		if (!btf_is_datasec(sec))
			continue;
		const char *sec_name = btf__name_by_offset(btf, sec->name_off);
		if (strcmp(sec_name, ".rodata") && strncmp(sec_name, ".rodata.", 8))
			continue;
		struct bpf_map *map = bpf_object__find_map_by_name(obj, sec_name);
		size_t size = 0;
		unsigned char *data = map ? bpf_map__initial_value(map, &size) : NULL;
		if (!data)
			continue;
		struct rodata_var *more = realloc(vars, (nvars + btf_vlen(sec)) * sizeof(*vars));
		if (!more) {
			err = -ENOMEM;
			goto out;
		}
		vars = more;
		const struct btf_var_secinfo *vsi = btf_var_secinfos(sec);
		for (__u16 i = 0; i < btf_vlen(sec); i++, vsi++) {
			const struct btf_type *var = btf__type_by_id(btf, vsi->type);
			const char *name = btf__name_by_offset(btf, var->name_off);
			bool scx = !strncmp(name, "__SCX_", 6) && vsi->size == 8;
			bool uei = ends_with(name, "_dump_len") && (vsi->size == 4 || vsi->size == 8);
			if ((!scx && !uei) || vsi->offset + vsi->size > size)
				continue;
			vars[nvars++] = (struct rodata_var){ .name = name, .sec = sec_name,
							     .dst = data + vsi->offset, .size = vsi->size };
			nscx += scx;
		}
	}

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = -errno;
		fprintf(stderr, "scx_prepare: cannot load the kernel's BTF: %d\n", err);
		goto out;
	}
	/* One pass over the kernel's types (~100k): the enumerators, and the
	 * kernel's own struct of the ops type. */
	const struct btf_type *ops_t = btf__type_by_id(btf, ops_id);
	const char *ops_name = btf__name_by_offset(btf, ops_t->name_off);
	size_t ops_name_len = essential_len(ops_name);
	const struct btf_type *kern_t = NULL;
	for (__u32 id = 1; id < btf__type_cnt(vmlinux); id++) {
		const struct btf_type *t = btf__type_by_id(vmlinux, id);
		if (btf_is_enum(t) || btf_is_enum64(t)) {
			/* As rawops' profile and scx's SCX_ENUM_SET: enums named scx_*. */
			if (nscx && !strncmp(btf__name_by_offset(vmlinux, t->name_off), "scx_", 4))
				match_enumerators(vmlinux, t, vars, nvars);
		} else if (!kern_t && btf_is_struct(t)) {
			const char *name = btf__name_by_offset(vmlinux, t->name_off);
			if (strlen(name) == ops_name_len && !strncmp(name, ops_name, ops_name_len))
				kern_t = t;
		}
	}

	/* SCX_OPS_OPEN: hotplug_seq; the compat stanzas clear what the kernel's
	 * type lacks (libbpf refuses a non-zero member it cannot place). */
	__u32 exit_dump_len = 0;
	const struct btf_member *m = btf_members(ops_t);
	for (__u16 i = 0; i < btf_vlen(ops_t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		__u32 off = btf_member_bit_offset(ops_t, i) / 8;
		__s64 size = btf__resolve_size(btf, m->type);
		if (!*name || size <= 0 || off + size > ops_size)
			continue;
		if (!strcmp(name, "exit_dump_len") && size == 4)
			exit_dump_len = (__u32)load(ops_data + off, 4);
		if (kern_t && !has_member(vmlinux, kern_t, name) && !all_zero(ops_data + off, size)) {
			memset(ops_data + off, 0, size);
			if (verbose)
				fprintf(stderr, "scx_prepare: %s.%s cleared (the kernel's %s lacks it)\n",
					bpf_map__name(ops), name, ops_name);
			continue;
		}
		if (!strcmp(name, "hotplug_seq") && (size == 4 || size == 8)) {
			unsigned long long seq;
			FILE *f = fopen(HOTPLUG_SEQ_PATH, "r");
			/* Unreadable: left as compiled, as rawops does. */
			if (f && fscanf(f, "%llu", &seq) == 1) {
				store(ops_data + off, size, seq);
				if (verbose)
					fprintf(stderr, "scx_prepare: set %s.hotplug_seq = %llu\n",
						bpf_map__name(ops), seq);
			}
			if (f)
				fclose(f);
		}
	}

	/* SCX_ENUM_INIT and UEI_SET_SIZE's <uei>_dump_len. */
	__u32 dump_len = exit_dump_len ? exit_dump_len : UEI_DUMP_DFL_LEN;
	resize = calloc(nvars ? nvars : 1, sizeof(*resize));
	resize_to = calloc(nvars ? nvars : 1, sizeof(*resize_to));
	if (!resize || !resize_to) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < nvars; i++) {
		struct rodata_var *v = &vars[i];
		if (strncmp(v->name, "__SCX_", 6) || v->size != 8) {
			/* <uei>_dump_len: only with its .data.<uei>_dump section. */
			char sec[128];
			snprintf(sec, sizeof(sec), ".data.%.*s", (int)(strlen(v->name) - 4), v->name);
			struct bpf_map *map = bpf_object__find_map_by_name(obj, sec);
			int sec_id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
			if (!map || sec_id < 0)
				continue;
			/* Like RESIZE_ARRAY: the section's last variable, an array,
			 * gets dump_len elements. */
			const struct btf_type *st = btf__type_by_id(btf, sec_id);
			if (!btf_vlen(st))
				continue;
			const struct btf_var_secinfo *last = btf_var_secinfos(st) + btf_vlen(st) - 1;
			int arr_id = btf__resolve_type(btf, btf__type_by_id(btf, last->type)->type);
			const struct btf_type *arr = arr_id < 0 ? NULL : btf__type_by_id(btf, arr_id);
			__s64 elem = arr && btf_is_array(arr) ? btf__resolve_size(btf, btf_array(arr)->type) : -1;
			if (elem <= 0)
				continue;
			v->value = dump_len;
			resize[nresize] = map;
			resize_to[nresize++] = last->offset + (__u32)elem * dump_len;
		}
		store(v->dst, v->size, v->value);
		if (verbose)
			fprintf(stderr, "scx_prepare: set %s '%s' = %llu\n", v->sec, v->name,
				(unsigned long long)v->value);
	}
	/* Last: resizing rewrites the object's BTF, and the type pointers
	 * above would dangle. */
	for (int i = 0; i < nresize; i++) {
		err = bpf_map__set_value_size(resize[i], resize_to[i]);
		if (err) {
			fprintf(stderr, "scx_prepare: resize %s to %u bytes: %d\n",
				bpf_map__name(resize[i]), resize_to[i], err);
			goto out;
		}
		if (verbose)
			fprintf(stderr, "scx_prepare: resize %s to %u bytes\n", bpf_map__name(resize[i]),
				resize_to[i]);
	}
out:
	/* The skeleton keeps its copy of the kernel's BTF; freed here, which
	 * only lowers libbpf's side of the peak RSS. */
	btf__free(vmlinux);
	free(resize_to);
	free(resize);
	free(vars);
	return err;
}
