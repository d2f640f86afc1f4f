/* The bpf() calls of a loader, captured the same way for both sides of
 * tests/diff: each holder is linked with -Wl,--wrap=syscall -Wl,--wrap=close,
 * so every syscall(__NR_bpf, ...) that libbpf.a or librawops.a makes, and
 * every close(), passes through here first. Nothing is decoded by the loader
 * under test: the record is what reached the kernel.
 *
 * Classes (decided when the capture is written):
 *   essential  creates or changes an object the load keeps (BTF, maps,
 *              programs, links, map values, freezes, pins);
 *   probe      creates an object the loader closes again before the load is
 *              done (libbpf's feature probes), or acts only on such objects;
 *              an inner-map template handed to a kept outer map is essential;
 *   query      reads (GET_INFO, GET_NEXT_ID, GET_FD_BY_ID, OBJ_GET, lookups). */
#include "capture.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

long __real_syscall(long number, ...);
int __real_close(int fd);

enum { MAX_RECORDS = 8192, MAX_FDS = 4096, CMD_CLOSE = -1, CMD_DUP = -2 };

/* Which creation record each open fd stands for (-1: none of ours). dup2()
 * matters: libbpf 1.4 creates a map, dup2()s it onto the placeholder fd it
 * handed out at open time, and closes the new fd (reuse_fd()). */
static int fd_creator[MAX_FDS];
static int fd_table_ready;

static int creator_of_fd(int fd)
{
	return fd >= 0 && fd < MAX_FDS ? fd_creator[fd] : -1;
}

static void set_creator(int fd, int creator)
{
	if (fd >= 0 && fd < MAX_FDS)
		fd_creator[fd] = creator;
}

struct record {
	int cmd;           /* bpf command, CMD_CLOSE or CMD_DUP */
	long result;       /* fd for creations */
	int fds[3];        /* fds the attr refers to (-1: none) */
	int creators[3];   /* the creation record each of them stood for (-1: none) */
	char label[96];    /* what the call is about */
	unsigned map_type, value_size, max_entries; /* MAP_CREATE: for the values written later */
	int phase_done;    /* made after capture_mark_loaded() */
};

static struct record records[MAX_RECORDS];
static int nr_records;
static int loaded_mark = -1;
static int overflow;

static struct record *next_record(void)
{
	if (!fd_table_ready) {
		for (int i = 0; i < MAX_FDS; i++)
			fd_creator[i] = -1;
		fd_table_ready = 1;
	}
	if (nr_records == MAX_RECORDS) {
		overflow = 1;
		return NULL;
	}
	struct record *r = &records[nr_records++];
	memset(r, 0, sizeof(*r));
	r->fds[0] = r->fds[1] = r->fds[2] = -1;
	r->creators[0] = r->creators[1] = r->creators[2] = -1;
	r->phase_done = loaded_mark >= 0;
	return r;
}

static int creates_fd(int cmd)
{
	switch (cmd) {
	case BPF_MAP_CREATE: case BPF_PROG_LOAD: case BPF_BTF_LOAD: case BPF_LINK_CREATE:
	case BPF_RAW_TRACEPOINT_OPEN: case BPF_OBJ_GET: case BPF_PROG_GET_FD_BY_ID:
	case BPF_MAP_GET_FD_BY_ID: case BPF_BTF_GET_FD_BY_ID: case BPF_LINK_GET_FD_BY_ID:
		return 1;
	default:
		return 0;
	}
}

static void note(struct record *r, int cmd, const union bpf_attr *a)
{
	switch (cmd) {
	case BPF_MAP_CREATE:
		snprintf(r->label, sizeof(r->label), "map '%.16s' type=%u", a->map_name, a->map_type);
		r->map_type = a->map_type;
		r->value_size = a->value_size;
		r->max_entries = a->max_entries;
		if (a->inner_map_fd)
			r->fds[0] = (int)a->inner_map_fd;
		break;
	case BPF_PROG_LOAD:
		/* prog_flags (BPF_F_SLEEPABLE) is compared here: the kernel does not report it. */
		snprintf(r->label, sizeof(r->label), "prog '%.16s' type=%u insns=%u flags=0x%x eat=%u", a->prog_name,
			 a->prog_type, a->insn_cnt, a->prog_flags, a->expected_attach_type);
		break;
	case BPF_BTF_LOAD:
		snprintf(r->label, sizeof(r->label), "btf size=%u", a->btf_size);
		break;
	case BPF_MAP_UPDATE_ELEM: case BPF_MAP_LOOKUP_ELEM: case BPF_MAP_FREEZE: case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_GET_NEXT_KEY:
		r->fds[0] = (int)a->map_fd;
		break;
	case BPF_LINK_CREATE:
		r->fds[0] = (int)a->link_create.prog_fd; /* the map fd for struct_ops links */
		snprintf(r->label, sizeof(r->label), "attach_type=%u", a->link_create.attach_type);
		break;
	case BPF_OBJ_PIN:
		r->fds[0] = (int)a->bpf_fd;
		snprintf(r->label, sizeof(r->label), "pin");
		break;
	case BPF_OBJ_GET_INFO_BY_FD:
		r->fds[0] = (int)a->info.bpf_fd;
		break;
	case BPF_RAW_TRACEPOINT_OPEN:
		r->fds[0] = (int)a->raw_tracepoint.prog_fd;
		break;
	case BPF_PROG_BIND_MAP:
		r->fds[0] = (int)a->prog_bind_map.prog_fd;
		r->fds[1] = (int)a->prog_bind_map.map_fd;
		break;
	default:
		break;
	}
}

int __real_dup2(int oldfd, int newfd);
int __real_dup3(int oldfd, int newfd, int flags);

static void note_dup(int oldfd, int newfd, int result)
{
	if (result < 0)
		return;
	struct record *r = next_record();
	if (r) {
		r->cmd = CMD_DUP;
		r->result = newfd;
		r->fds[0] = oldfd;
	}
	set_creator(newfd, creator_of_fd(oldfd));
}

/* A global-data map's value (an ARRAY of one element) as written at load:
 * its FNV-1a hash goes into the call's label, so the values both loaders
 * wrote are compared even when the programs change them before kstate reads
 * the map (a registered sched_ext scheduler keeps its counters there). */
static void note_initial_value(struct record *r, const union bpf_attr *a)
{
	int c = r->creators[0];
	if (c < 0 || records[c].cmd != BPF_MAP_CREATE || records[c].map_type != BPF_MAP_TYPE_ARRAY ||
	    records[c].max_entries != 1 || !a->value)
		return;
	const unsigned char *v = (const unsigned char *)(unsigned long)a->value;
	unsigned long long h = 0xcbf29ce484222325ull;
	for (unsigned i = 0; i < records[c].value_size; i++)
		h = (h ^ v[i]) * 0x100000001b3ull;
	snprintf(r->label, sizeof(r->label), "value fnv1a=%016llx", h);
}

long __wrap_syscall(long number, ...)
{
	va_list ap;
	long a[6];
	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	long result = __real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (number == __NR_dup3 || number == __NR_dup2) { /* libbpf's reuse_fd() calls sys_dup3() */
		int saved = errno;
		note_dup((int)a[0], (int)a[1], (int)result);
		errno = saved;
		return result;
	}
	if (number != __NR_bpf)
		return result;
	int saved = errno;
	struct record *r = next_record();
	if (r) {
		r->cmd = (int)a[0];
		r->result = result;
		note(r, r->cmd, (const union bpf_attr *)a[1]);
		for (int k = 0; k < 3; k++)
			r->creators[k] = creator_of_fd(r->fds[k]);
		if (r->cmd == BPF_MAP_UPDATE_ELEM)
			note_initial_value(r, (const union bpf_attr *)a[1]);
		if (creates_fd(r->cmd) && result >= 0)
			set_creator((int)result, (int)(r - records));
	}
	errno = saved;
	return result;
}

int __wrap_close(int fd)
{
	struct record *r = next_record();
	if (r) {
		r->cmd = CMD_CLOSE;
		r->result = fd;
	}
	set_creator(fd, -1);
	return __real_close(fd);
}

int __wrap_dup2(int oldfd, int newfd)
{
	int result = __real_dup2(oldfd, newfd);
	note_dup(oldfd, newfd, result);
	return result;
}

int __wrap_dup3(int oldfd, int newfd, int flags)
{
	int result = __real_dup3(oldfd, newfd, flags);
	note_dup(oldfd, newfd, result);
	return result;
}

/* alive[i]: creation record i still had an open fd when the load was done. */
static unsigned char alive[MAX_RECORDS];

void capture_mark_loaded(void)
{
	loaded_mark = nr_records;
	for (int fd = 0; fd < MAX_FDS; fd++)
		if (fd_creator[fd] >= 0)
			alive[fd_creator[fd]] = 1;
}

static const char *cmd_name(int cmd)
{
	static const char *const names[] = {
		"MAP_CREATE", "MAP_LOOKUP_ELEM", "MAP_UPDATE_ELEM", "MAP_DELETE_ELEM", "MAP_GET_NEXT_KEY",
		"PROG_LOAD", "OBJ_PIN", "OBJ_GET", "PROG_ATTACH", "PROG_DETACH", "PROG_TEST_RUN",
		"PROG_GET_NEXT_ID", "MAP_GET_NEXT_ID", "PROG_GET_FD_BY_ID", "MAP_GET_FD_BY_ID",
		"OBJ_GET_INFO_BY_FD", "PROG_QUERY", "RAW_TRACEPOINT_OPEN", "BTF_LOAD", "BTF_GET_FD_BY_ID",
		"TASK_FD_QUERY", "MAP_LOOKUP_AND_DELETE_ELEM", "MAP_FREEZE", "BTF_GET_NEXT_ID",
		"MAP_LOOKUP_BATCH", "MAP_LOOKUP_AND_DELETE_BATCH", "MAP_UPDATE_BATCH", "MAP_DELETE_BATCH",
		"LINK_CREATE", "LINK_UPDATE", "LINK_GET_FD_BY_ID", "LINK_GET_NEXT_ID", "ENABLE_STATS",
		"ITER_CREATE", "LINK_DETACH", "PROG_BIND_MAP", "TOKEN_CREATE",
	};
	static char other[32];
	if (cmd >= 0 && cmd < (int)(sizeof(names) / sizeof(names[0])))
		return names[cmd];
	snprintf(other, sizeof(other), "CMD_%d", cmd);
	return other;
}

static int is_essential_cmd(int cmd)
{
	switch (cmd) {
	case BPF_BTF_LOAD: case BPF_MAP_CREATE: case BPF_MAP_UPDATE_ELEM: case BPF_MAP_FREEZE:
	case BPF_PROG_LOAD: case BPF_LINK_CREATE: case BPF_OBJ_PIN: case BPF_RAW_TRACEPOINT_OPEN:
	case BPF_PROG_BIND_MAP:
		return 1;
	default:
		return 0;
	}
}

/* 1 if record i is a creation that only served a probe: gone before the
 * load was done, and not an inner-map template a kept outer map took. */
static int is_probe_creation(int i)
{
	if (!creates_fd(records[i].cmd) || records[i].result < 0 || alive[i])
		return 0;
	for (int j = i + 1; j < nr_records; j++)
		if (records[j].cmd == BPF_MAP_CREATE && records[j].creators[0] == i && alive[j])
			return 0;
	return 1;
}

int capture_write(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	if (overflow)
		fprintf(f, "# overflow: more than %d records\n", MAX_RECORDS);
	for (int i = 0; i < nr_records; i++) {
		const struct record *r = &records[i];
		if (r->cmd < 0 || r->phase_done)
			continue;
		const char *cls;
		char refs[160] = "";
		int probe = is_probe_creation(i);
		for (int k = 0; k < 3; k++) {
			int c = r->creators[k];
			if (c < 0)
				continue;
			if (is_probe_creation(c))
				probe = 1;
			size_t used = strlen(refs);
			snprintf(refs + used, sizeof(refs) - used, " on [%s]", records[c].label);
		}
		if (probe)
			cls = "probe";
		else if (is_essential_cmd(r->cmd) && r->result >= 0)
			cls = "essential";
		else
			cls = r->result < 0 ? "failed" : "query";
		fprintf(f, "%s %s %s%s\n", cls, cmd_name(r->cmd), r->label, refs);
	}
	return fclose(f);
}
