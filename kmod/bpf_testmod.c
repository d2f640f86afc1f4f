// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_testmod: the seed tutorial's kernel module, rebuilt for rawops' tests.
 *
 *  - struct_ops type `bpf_testmod_ops` (test_1, test_2, test_3), one instance
 *    registered at a time (-EEXIST for a second);
 *  - struct_ops type `bpf_testmod_named_ops`: data members `name` and `flags`
 *    that init_member checks and copies, an op whose argument is __nullable,
 *    and an op BPF may leave NULL;
 *  - kfunc bpf_kfunc_call_test(a, b, c, d) = a + b + c + d, callable from
 *    struct_ops programs;
 *  - bpf_testmod_fmod_target(x) = x, replaceable by SEC("fmod_ret/...")
 *    programs (register_btf_fmodret_id_set); a write of "fmod..." to the trigger
 *    calls it with the write's length and the read gives "fmod=<result>";
 *  - /proc/bpf_testmod_trigger: a write calls the registered ops; a read
 *    returns the last results as one line, e.g.
 *      test_1=42 test_2=30 test_3=5 kfunc=10 named=demo flags=1 run=7 run_null=-1 noop=absent
 *    so tests never need to scrape dmesg.
 */
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

/* ---- the seed's struct_ops type ---------------------------------------- */

struct bpf_testmod_ops {
	int (*test_1)(void);
	int (*test_2)(int a, int b);
	int (*test_3)(const char *buf, int len);
};

/* ---- a second type: data members, a nullable argument, an optional op ----- */

#define NAMED_OPS_FLAG_LOUD 0x1u
#define NAMED_OPS_FLAGS_ALL NAMED_OPS_FLAG_LOUD

struct bpf_testmod_arg {
	int value;
};

struct bpf_testmod_named_ops {
	int (*run)(struct bpf_testmod_arg *arg);  /* arg may be NULL */
	int (*noop)(void);                         /* BPF may leave it NULL */
	char name[16];
	u32 flags;
};

static struct bpf_testmod_ops __rcu *testmod_ops;
static struct bpf_testmod_named_ops __rcu *named_ops;
static DEFINE_MUTEX(results_lock);
static char results[256] = "none";
static u64 last_kfunc_result;
static bool kfunc_called;

/* A per-CPU variable in the module's BTF: what a typed `extern ... __ksym`
 * in a BPF program resolves to with the module's BTF fd in its ld_imm64
 * (BPF_PSEUDO_BTF_ID). Every CPU's copy starts with this value. */
DEFINE_PER_CPU(u64, bpf_testmod_percpu_magic) = 0x7e57c0de;

/* ---- an fmod_ret target ------------------------------------------------- */

/* A module function BPF may replace (SEC("fmod_ret/...")). The verifier
 * allows fmod_ret on LSM hooks, error-injection functions (Debian's kernels
 * have no CONFIG_FUNCTION_ERROR_INJECTION) and the functions a module
 * registers with register_btf_fmodret_id_set(), as here. Writing "fmod..."
 * to the trigger calls it with the length written. */
__bpf_kfunc_start_defs();
noinline int bpf_testmod_fmod_target(int x)
{
	return x;
}
__bpf_kfunc_end_defs();

BTF_KFUNCS_START(bpf_testmod_fmodret_ids)
BTF_ID_FLAGS(func, bpf_testmod_fmod_target)
BTF_KFUNCS_END(bpf_testmod_fmodret_ids)

static const struct btf_kfunc_id_set bpf_testmod_fmodret_set = {
	.owner = THIS_MODULE,
	.set = &bpf_testmod_fmodret_ids,
};

/* ---- kfunc ------------------------------------------------------------- */

__bpf_kfunc_start_defs();

__bpf_kfunc u64 bpf_kfunc_call_test(u32 a, u64 b, u32 c, u64 d)
{
	u64 sum = a + b + c + d;

	WRITE_ONCE(last_kfunc_result, sum);
	WRITE_ONCE(kfunc_called, true);
	return sum;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(bpf_testmod_kfunc_ids)
BTF_ID_FLAGS(func, bpf_kfunc_call_test)
BTF_KFUNCS_END(bpf_testmod_kfunc_ids)

static const struct btf_kfunc_id_set bpf_testmod_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &bpf_testmod_kfunc_ids,
};

/* ---- CFI stubs: the prototypes the BPF programs are checked against ---- */

static int bpf_testmod_ops__test_1(void) { return 0; }
static int bpf_testmod_ops__test_2(int a, int b) { return 0; }
static int bpf_testmod_ops__test_3(const char *buf, int len) { return 0; }

static struct bpf_testmod_ops __bpf_ops_bpf_testmod_ops = {
	.test_1 = bpf_testmod_ops__test_1,
	.test_2 = bpf_testmod_ops__test_2,
	.test_3 = bpf_testmod_ops__test_3,
};

/* The parameter name suffix __nullable tells the verifier arg may be NULL. */
static int bpf_testmod_named_ops__run(struct bpf_testmod_arg *arg__nullable) { return 0; }
static int bpf_testmod_named_ops__noop(void) { return 0; }

static struct bpf_testmod_named_ops __bpf_ops_bpf_testmod_named_ops = {
	.run = bpf_testmod_named_ops__run,
	.noop = bpf_testmod_named_ops__noop,
};

/* ---- verifier ops shared by both types --------------------------------- */

static int bpf_testmod_init(struct btf *btf)
{
	return 0;
}

static bool bpf_testmod_is_valid_access(int off, int size, enum bpf_access_type type,
					const struct bpf_prog *prog,
					struct bpf_insn_access_aux *info)
{
	/* Arguments are read as the u64 array the trampoline passes, with
	 * their BTF types (so pointer arguments are typed, NULL-checked). */
	if (off < 0 || off % sizeof(u64) || type != BPF_READ)
		return false;
	return btf_ctx_access(off, size, type, prog, info);
}

static const struct bpf_func_proto *
bpf_testmod_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
}

static const struct bpf_verifier_ops bpf_testmod_verifier_ops = {
	.is_valid_access = bpf_testmod_is_valid_access,
	.get_func_proto = bpf_testmod_get_func_proto,
};

/* ---- bpf_testmod_ops registration -------------------------------------- */

static int testmod_init_member(const struct btf_type *t, const struct btf_member *member,
			       void *kdata, const void *udata)
{
	return 0;  /* only function pointers: nothing to copy */
}

static int testmod_reg(void *kdata, struct bpf_link *link)
{
	if (cmpxchg((struct bpf_testmod_ops **)&testmod_ops, NULL, kdata) != NULL)
		return -EEXIST;
	pr_info("bpf_testmod: bpf_testmod_ops registered\n");
	return 0;
}

static void testmod_unreg(void *kdata, struct bpf_link *link)
{
	if (cmpxchg((struct bpf_testmod_ops **)&testmod_ops, kdata, NULL) != kdata)
		pr_warn("bpf_testmod: unexpected unreg of bpf_testmod_ops\n");
	synchronize_rcu();
}

static int testmod_update(void *kdata, void *old_kdata, struct bpf_link *link)
{
	if (cmpxchg((struct bpf_testmod_ops **)&testmod_ops, old_kdata, kdata) != old_kdata)
		return -EINVAL;
	synchronize_rcu();
	return 0;
}

static int testmod_validate(void *kdata)
{
	return 0;
}

static struct bpf_struct_ops bpf_testmod_ops_struct_ops = {
	.verifier_ops = &bpf_testmod_verifier_ops,
	.init = bpf_testmod_init,
	.init_member = testmod_init_member,
	.reg = testmod_reg,
	.unreg = testmod_unreg,
	.update = testmod_update,
	.validate = testmod_validate,
	.cfi_stubs = &__bpf_ops_bpf_testmod_ops,
	.name = "bpf_testmod_ops",
	.owner = THIS_MODULE,
};

/* ---- bpf_testmod_named_ops registration -------------------------------- */

static int named_init_member(const struct btf_type *t, const struct btf_member *member,
			     void *kdata, const void *udata)
{
	const struct bpf_testmod_named_ops *uops = udata;
	struct bpf_testmod_named_ops *kops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	switch (moff) {
	case offsetof(struct bpf_testmod_named_ops, name):
		if (!memchr(uops->name, 0, sizeof(uops->name)) || !uops->name[0])
			return -EINVAL;
		strscpy(kops->name, uops->name, sizeof(kops->name));
		return 1;
	case offsetof(struct bpf_testmod_named_ops, flags):
		if (uops->flags & ~NAMED_OPS_FLAGS_ALL)
			return -EINVAL;
		kops->flags = uops->flags;
		return 1;
	}
	return 0;
}

static int named_reg(void *kdata, struct bpf_link *link)
{
	if (cmpxchg((struct bpf_testmod_named_ops **)&named_ops, NULL, kdata) != NULL)
		return -EEXIST;
	return 0;
}

static void named_unreg(void *kdata, struct bpf_link *link)
{
	cmpxchg((struct bpf_testmod_named_ops **)&named_ops, kdata, NULL);
	synchronize_rcu();
}

static int named_update(void *kdata, void *old_kdata, struct bpf_link *link)
{
	if (cmpxchg((struct bpf_testmod_named_ops **)&named_ops, old_kdata, kdata) != old_kdata)
		return -EINVAL;
	synchronize_rcu();
	return 0;
}

static struct bpf_struct_ops bpf_testmod_named_ops_struct_ops = {
	.verifier_ops = &bpf_testmod_verifier_ops,
	.init = bpf_testmod_init,
	.init_member = named_init_member,
	.reg = named_reg,
	.unreg = named_unreg,
	.update = named_update,
	.validate = testmod_validate,
	.cfi_stubs = &__bpf_ops_bpf_testmod_named_ops,
	.name = "bpf_testmod_named_ops",
	.owner = THIS_MODULE,
};

/* ---- /proc/bpf_testmod_trigger ----------------------------------------- */

static ssize_t trigger_write(struct file *file, const char __user *ubuf, size_t count, loff_t *pos)
{
	struct bpf_testmod_named_ops *nops;
	struct bpf_testmod_ops *ops;
	struct bpf_testmod_arg arg = { .value = 7 };
	char buf[64];
	char line[256];
	int len = 0;

	if (count >= sizeof(buf))
		count = sizeof(buf) - 1;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	if (count >= 4 && !strncmp(buf, "fmod", 4)) {
		len = scnprintf(line, sizeof(line), "fmod=%d", bpf_testmod_fmod_target(count));
		mutex_lock(&results_lock);
		strscpy(results, line, sizeof(results));
		mutex_unlock(&results_lock);
		return count;
	}
	WRITE_ONCE(kfunc_called, false);
	line[0] = '\0';
	rcu_read_lock();
	ops = rcu_dereference(testmod_ops);
	if (ops) {
		if (ops->test_1)
			len += scnprintf(line + len, sizeof(line) - len, "test_1=%d ", ops->test_1());
		if (ops->test_2)
			len += scnprintf(line + len, sizeof(line) - len, "test_2=%d ", ops->test_2(10, 20));
		if (ops->test_3)
			len += scnprintf(line + len, sizeof(line) - len, "test_3=%d ", ops->test_3(buf, count));
	}
	nops = rcu_dereference(named_ops);
	if (nops) {
		len += scnprintf(line + len, sizeof(line) - len, "named=%s flags=%u ", nops->name, nops->flags);
		if (nops->run) {
			len += scnprintf(line + len, sizeof(line) - len, "run=%d ", nops->run(&arg));
			len += scnprintf(line + len, sizeof(line) - len, "run_null=%d ", nops->run(NULL));
		}
		len += scnprintf(line + len, sizeof(line) - len, "noop=%s ",
				 nops->noop ? "set" : "absent");
	}
	rcu_read_unlock();
	if (READ_ONCE(kfunc_called))
		len += scnprintf(line + len, sizeof(line) - len, "kfunc=%llu ", READ_ONCE(last_kfunc_result));
	if (len)
		line[len - 1] = '\0';  /* drop the trailing space */

	mutex_lock(&results_lock);
	strscpy(results, len ? line : "none", sizeof(results));
	mutex_unlock(&results_lock);
	return count;
}

static int trigger_show(struct seq_file *m, void *v)
{
	mutex_lock(&results_lock);
	seq_printf(m, "%s\n", results);
	mutex_unlock(&results_lock);
	return 0;
}

static int trigger_open(struct inode *inode, struct file *file)
{
	return single_open(file, trigger_show, NULL);
}

static const struct proc_ops trigger_proc_ops = {
	.proc_open = trigger_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = trigger_write,
};

static struct proc_dir_entry *trigger_file;

static int __init bpf_testmod_init_module(void)
{
	int ret;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS, &bpf_testmod_kfunc_set);
	if (ret)
		return ret;
	/* The kfunc tutorial's program calls it from a kprobe. */
	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_KPROBE, &bpf_testmod_kfunc_set);
	if (ret)
		return ret;
	ret = register_btf_fmodret_id_set(&bpf_testmod_fmodret_set);
	if (ret)
		return ret;
	ret = register_bpf_struct_ops(&bpf_testmod_ops_struct_ops, bpf_testmod_ops);
	if (ret)
		return ret;
	ret = register_bpf_struct_ops(&bpf_testmod_named_ops_struct_ops, bpf_testmod_named_ops);
	if (ret)
		return ret;
	trigger_file = proc_create("bpf_testmod_trigger", 0666, NULL, &trigger_proc_ops);
	if (!trigger_file)
		return -ENOMEM;
	pr_info("bpf_testmod: loaded\n");
	return 0;
}

static void __exit bpf_testmod_exit_module(void)
{
	/* struct_ops registrations hold a module reference: rmmod only gets
	 * here once every map and link of our types is gone. */
	proc_remove(trigger_file);
	pr_info("bpf_testmod: unloaded\n");
}

module_init(bpf_testmod_init_module);
module_exit(bpf_testmod_exit_module);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rawops test module: struct_ops types bpf_testmod_ops and bpf_testmod_named_ops, a kfunc, a trigger file");
