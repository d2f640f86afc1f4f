/* The CO-RE target of tests/diff's table: the "kernel" types the local
 * programs (core_cases.bpf.c) are relocated against, by libbpf 1.4.6
 * (btf_custom_path) and by rawops (its kernel BTF folder) alike. Built with
 * clang -g -target bpf; its .BTF section is the target file. Each type is
 * used by a global below so that clang emits it. Every layout differs from
 * the local one on purpose: a relocation that is skipped shows. */
struct core_inner {
	int pad;
	struct {
		unsigned int v;
		unsigned int w;
	} arr[4];
};

struct core_point {
	long long before; /* local has no such field: offsets move */
	unsigned short z;
	int x;
	long long y;
	struct core_inner inner;
	char name[12];
};

struct core_bits {
	unsigned int pre : 7;
	unsigned int a : 3;
	int b : 9;
	unsigned long long c : 44;
};

/* Size and signedness changes. */
struct core_sizes {
	unsigned long long u; /* local: unsigned int */
	long long s;          /* local: int */
	unsigned char small;  /* local: unsigned int */
	unsigned int sign;    /* local: int (signedness only) */
};

enum core_color { RED = 1, GREEN = 5, BLUE = 9 };
enum core_wide { WIDE_ONE = 1, WIDE_BIG = 0x1234567890LL };

/* Anonymous enums reached through typedefs, and an anonymous struct. */
typedef enum { ANON_A = 10, ANON_B = 20 } core_anon_enum;
typedef struct { int first; long second; } core_anon_struct;

/* Two candidates for one local flavour that agree on the fields used. */
struct core_dup { int id; int x; };
struct core_dup___v2 { int id; int x; int extra; };

/* For TYPE_MATCHES: same member names and compatible types, or not. */
struct core_match_yes { int a; long b; };
struct core_match_no { int a; int renamed; };

union core_union { int i; long long l; char c[16]; };

typedef unsigned long core_ulong_t;
core_ulong_t g_ulong;

struct core_point g_point;
struct core_bits g_bits;
struct core_sizes g_sizes;
enum core_color g_color;
enum core_wide g_wide;
core_anon_enum g_anon_enum;
core_anon_struct g_anon_struct;
struct core_dup g_dup;
struct core_dup___v2 g_dup2;
struct core_match_yes g_match_yes;
struct core_match_no g_match_no;
union core_union g_union;
