/* test_arena.c - src/common/arena.c: the per-request bump allocator.
 *
 * Includes arena.c (as h2o's t/00unit does) to see its block list, so the
 * tests can tell a large one-off block from the shared small-allocation
 * block. Every test frees its arena; ASan's leak check covers the rest. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/common/arena.c"

#include <stdlib.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* -- alignment and growth ---------------------------------------------- */

static void test_alignment(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    static const size_t sizes[] = {1, 0, 3, 15, 16, 17, 31, 33, 100, 1000, 2048, 2049, 5000, 7};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = fl_arena_alloc(a, sizes[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % ARENA_ALIGN, 0);
        memset(p, 0xab, sizes[i]); /* ASan: the whole size is usable */
    }
    fl_arena_free(a);
}

static void test_used_counts_rounded_sizes(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    assert_int_equal(fl_arena_used(a), 0);
    assert_non_null(fl_arena_alloc(a, 1));
    assert_int_equal(fl_arena_used(a), 16);
    assert_non_null(fl_arena_alloc(a, 16));
    assert_int_equal(fl_arena_used(a), 32);
    assert_non_null(fl_arena_alloc(a, 17));
    assert_int_equal(fl_arena_used(a), 64);
    fl_arena_free(a);
}

static void test_small_allocations_are_disjoint(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    enum { N = 2000 }; /* 2000 * 48 bytes: several 8 KiB blocks */
    unsigned char *ptrs[N];
    for (size_t i = 0; i < N; i++) {
        ptrs[i] = fl_arena_alloc(a, 40);
        assert_non_null(ptrs[i]);
        memset(ptrs[i], (int)(i & 0xff), 40);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < 40; j++)
            assert_int_equal(ptrs[i][j], i & 0xff);
    size_t nblocks = 0;
    for (struct block *b = a->blocks; b; b = b->next)
        nblocks++;
    assert_true(nblocks >= (size_t)N * 48 / ARENA_BLOCK);
    assert_int_equal(fl_arena_used(a), (size_t)N * 48);
    fl_arena_free(a);
}

static void test_large_allocation_gets_own_block(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    char *small1 = fl_arena_alloc(a, 32);
    assert_non_null(small1);
    struct block *first = a->blocks;

    size_t big = 100 * 1024;
    unsigned char *p = fl_arena_alloc(a, big);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % ARENA_ALIGN, 0);
    memset(p, 0x5a, big);
    /* The small block stays first, so small allocations keep using it. */
    assert_ptr_equal(a->blocks, first);
    assert_non_null(first->next);
    assert_int_equal(first->next->size, big);

    char *small2 = fl_arena_alloc(a, 32);
    assert_ptr_equal(small2, small1 + 32);
    assert_int_equal(fl_arena_used(a), 32 + big + 32);
    fl_arena_free(a);
}

static void test_large_allocation_first(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    unsigned char *big = fl_arena_alloc(a, 3000); /* > ARENA_BLOCK / 4 */
    assert_non_null(big);
    memset(big, 1, 3000);
    unsigned char *small = fl_arena_alloc(a, 10);
    assert_non_null(small);
    memset(small, 2, 10);
    assert_int_equal(big[2999], 1);
    unsigned char *big2 = fl_arena_alloc(a, 50000);
    assert_non_null(big2);
    memset(big2, 3, 50000);
    assert_int_equal(small[9], 2);
    fl_arena_free(a);
}

/* -- the max_bytes bound ------------------------------------------------ */

/* Runs fn in a child process: 1 when the child was killed by SIGABRT
 * (the arena's cap, alloc.h's policy), 0 when it exited normally. */
static int aborts(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2); /* the fatal log line is expected */
        fn();
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void fill_to_the_cap(void)
{
    fl_arena *a = fl_arena_new(1024);
    fl_arena_alloc(a, 1000); /* rounds to 1008 */
    fl_arena_alloc(a, 16);   /* exactly 1024 */
    fl_arena_free(a);
}

static void one_past_the_cap(void)
{
    fl_arena *a = fl_arena_new(1024);
    fl_arena_alloc(a, 1000);
    fl_arena_alloc(a, 32); /* 1008 + 32 > 1024 */
}

static void printf_past_the_cap(void)
{
    fl_arena *a = fl_arena_new(1024);
    fl_arena_alloc(a, 1024);
    fl_arena_printf(a, "%d", 42);
}

static void size_max(void)
{
    fl_arena_alloc(fl_arena_new(0), SIZE_MAX);
}

static void size_max_unaligned(void)
{
    fl_arena_alloc(fl_arena_new(0), SIZE_MAX - 8);
}

static void default_cap_plus_one(void)
{
    fl_arena_alloc(fl_arena_new(0), ARENA_DEFAULT_MAX + 1);
}

static void test_max_bytes_bound(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(1024);
    assert_non_null(fl_arena_alloc(a, 1000)); /* rounds to 1008 */
    assert_non_null(fl_arena_alloc(a, 16));   /* exactly 1024 */
    assert_int_equal(fl_arena_used(a), 1024);
    fl_arena_free(a);
    assert_false(aborts(fill_to_the_cap));
    assert_true(aborts(one_past_the_cap));
    assert_true(aborts(printf_past_the_cap));
}

static void test_overflowing_size_aborts(void **state)
{
    (void)state;
    assert_true(aborts(size_max));
    assert_true(aborts(size_max_unaligned));
    assert_true(aborts(default_cap_plus_one));
}

static void test_default_max(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    assert_int_equal(a->max, ARENA_DEFAULT_MAX);
    fl_arena_free(a);
}

/* -- strings ------------------------------------------------------------ */

static void test_strdup_strndup(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    assert_null(fl_arena_strdup(a, NULL));
    assert_string_equal(fl_arena_strdup(a, ""), "");
    assert_string_equal(fl_arena_strdup(a, "hello"), "hello");
    assert_string_equal(fl_arena_strndup(a, "hello", 3), "hel");
    assert_string_equal(fl_arena_strndup(a, "hello", 5), "hello");
    assert_string_equal(fl_arena_strndup(a, "hello", 100), "hello");
    assert_string_equal(fl_arena_strndup(a, "hello", 0), "");
    /* strndup never reads past n: the source need not be terminated. */
    char raw[4] = {'a', 'b', 'c', 'd'};
    assert_string_equal(fl_arena_strndup(a, raw, sizeof(raw)), "abcd");
    /* The copy is independent of the source. */
    char src[] = "mutable";
    char *d = fl_arena_strdup(a, src);
    src[0] = 'M';
    assert_string_equal(d, "mutable");
    fl_arena_free(a);
}

static void test_printf(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    assert_string_equal(fl_arena_printf(a, "%s-%d-%05.1f", "x", -7, 3.14159), "x--7-003.1");
    assert_string_equal(fl_arena_printf(a, "%s", ""), "");
    /* Longer than a block: goes through the large path. */
    char *big = fl_arena_printf(a, "%10000d|", 1);
    assert_non_null(big);
    assert_int_equal(strlen(big), 10001);
    assert_int_equal(big[9999], '1');
    assert_int_equal(big[10000], '|');
    fl_arena_free(a);
}

static char *vp_helper(fl_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = fl_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

static void test_vprintf(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    assert_string_equal(vp_helper(a, "%s=%lld", "id", 1234567890123LL), "id=1234567890123");
    fl_arena_free(a);
}

/* -- cleanup hooks ------------------------------------------------------ */

struct trace {
    int order[8];
    int n;
};

struct hook_arg {
    struct trace *t;
    int id;
};

static void record_hook(void *p)
{
    struct hook_arg *h = p;
    h->t->order[h->t->n++] = h->id;
}

static void test_defer_runs_lifo(void **state)
{
    (void)state;
    struct trace t = {{0}, 0};
    struct hook_arg args[4] = {{&t, 1}, {&t, 2}, {&t, 3}, {&t, 4}};
    fl_arena *a = fl_arena_new(0);
    for (int i = 0; i < 4; i++)
        fl_arena_defer(a, record_hook, &args[i]);
    assert_int_equal(t.n, 0); /* nothing runs before the free */
    fl_arena_free(a);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.order[0], 4);
    assert_int_equal(t.order[1], 3);
    assert_int_equal(t.order[2], 2);
    assert_int_equal(t.order[3], 1);
}

/* A hook may read arena memory: hooks run before the blocks are freed. */
struct arena_owned {
    struct trace *t;
    char text[16];
};

static void read_arena_hook(void *p)
{
    struct arena_owned *o = p;
    o->t->order[o->t->n++] = (int)strlen(o->text);
}

static void free_hook(void *p)
{
    free(p);
}

static void test_defer_hook_sees_arena_memory(void **state)
{
    (void)state;
    struct trace t = {{0}, 0};
    fl_arena *a = fl_arena_new(0);
    struct arena_owned *o = fl_arena_alloc(a, sizeof(*o));
    o->t = &t;
    snprintf(o->text, sizeof(o->text), "%s", "seven!!");
    fl_arena_defer(a, read_arena_hook, o);
    /* A hook owning heap memory (how MariaDB rows or Redis replies are tied
     * to a request): freed at arena free, or ASan reports a leak. */
    fl_arena_defer(a, free_hook, malloc(100));
    fl_arena_free(a);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.order[0], 7);
}

static void test_free_null(void **state)
{
    (void)state;
    fl_arena_free(NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's lines whole beside stderr */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_used_counts_rounded_sizes),
        cmocka_unit_test(test_small_allocations_are_disjoint),
        cmocka_unit_test(test_large_allocation_gets_own_block),
        cmocka_unit_test(test_large_allocation_first),
        cmocka_unit_test(test_max_bytes_bound),
        cmocka_unit_test(test_overflowing_size_aborts),
        cmocka_unit_test(test_default_max),
        cmocka_unit_test(test_strdup_strndup),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_vprintf),
        cmocka_unit_test(test_defer_runs_lifo),
        cmocka_unit_test(test_defer_hook_sees_arena_memory),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
