/*
 * regcheck: does the nested host keep a dom0 process's vector registers intact while Xen
 * switches between dom0 and guests?
 *
 *   regcheck SECONDS THREADS
 *
 * Half the threads keep values in SIMD registers (ymm with AVX2, else xmm) through a long
 * register-only loop, so that timer interrupts and Xen context switches land in the middle,
 * and check the result; the other half copy and compare 1 MiB buffers with glibc's
 * (vectorised) memcpy/memcmp and check them byte by byte. Prints one summary line
 * "REGCHECK simd=avx2|sse reg_loops=N reg_errors=N mem_loops=N mem_errors=N" and exits 1 if
 * anything was wrong.
 *
 * Why: QEMU 7.2's TCG with `-cpu max` (XSAVE + AVX) under nested Xen loses dom0's AVX state
 * when Xen switches to a guest and back. glibc's AVX2 string functions then return wrong
 * answers now and then, which looked like random heap and fd corruption in the daemon.
 * scripts/nested-xen/boot therefore hides XSAVE (`-xsave`); this check keeps it honest.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int seconds = 10;
static long reg_errors, mem_errors, reg_loops, mem_loops;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* n additions of `base` into a zeroed accumulator, with a few more registers kept live. */
static const long iterations = 20000000;

__attribute__((target("avx2"))) static void *registers_avx(void *arg) {
    int base = (int)(long)arg * 1000 + 1;
    int expect = (int)((unsigned)base * (unsigned)iterations);
    __m256i inc = _mm256_set1_epi32(base), acc;
    for (double end = now() + seconds; now() < end;) {
        __asm__ volatile(
            "vpxor %%ymm0, %%ymm0, %%ymm0\n\t"
            "vmovdqu %1, %%ymm1\n\t"
            "vmovdqa %%ymm1, %%ymm2\n\t"
            "vmovdqa %%ymm1, %%ymm3\n\t"
            "mov %2, %%rcx\n\t"
            "1:\n\t"
            "vpaddd %%ymm1, %%ymm0, %%ymm0\n\t"
            "vpxor %%ymm2, %%ymm3, %%ymm4\n\t"
            "vpor %%ymm4, %%ymm0, %%ymm0\n\t"
            "dec %%rcx\n\t"
            "jnz 1b\n\t"
            "vmovdqu %%ymm0, %0\n\t"
            : "=m"(acc) : "m"(inc), "r"(iterations) : "rcx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "memory");
        int out[8];
        memcpy(out, &acc, sizeof out);
        for (int i = 0; i < 8; i++)
            if (out[i] != expect) { __atomic_fetch_add(&reg_errors, 1, __ATOMIC_RELAXED); break; }
        __atomic_fetch_add(&reg_loops, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *registers_sse(void *arg) {
    int base = (int)(long)arg * 1000 + 1;
    int expect = (int)((unsigned)base * (unsigned)iterations);
    __m128i inc = _mm_set1_epi32(base), acc;
    for (double end = now() + seconds; now() < end;) {
        __asm__ volatile(
            "pxor %%xmm0, %%xmm0\n\t"
            "movdqu %1, %%xmm1\n\t"
            "movdqa %%xmm1, %%xmm2\n\t"
            "movdqa %%xmm1, %%xmm3\n\t"
            "mov %2, %%rcx\n\t"
            "1:\n\t"
            "paddd %%xmm1, %%xmm0\n\t"
            "movdqa %%xmm2, %%xmm4\n\t"
            "pxor %%xmm3, %%xmm4\n\t"
            "por %%xmm4, %%xmm0\n\t"
            "dec %%rcx\n\t"
            "jnz 1b\n\t"
            "movdqu %%xmm0, %0\n\t"
            : "=m"(acc) : "m"(inc), "r"(iterations) : "rcx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "memory");
        int out[4];
        memcpy(out, &acc, sizeof out);
        for (int i = 0; i < 4; i++)
            if (out[i] != expect) { __atomic_fetch_add(&reg_errors, 1, __ATOMIC_RELAXED); break; }
        __atomic_fetch_add(&reg_loops, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *memory(void *arg) {
    size_t size = 1 << 20;
    unsigned char *a = malloc(size), *b = malloc(size);
    if (!a || !b) { __atomic_fetch_add(&mem_errors, 1, __ATOMIC_RELAXED); return NULL; }
    for (size_t i = 0; i < size; i++) a[i] = (unsigned char)(i * 31 + (size_t)arg) | 1;
    for (double end = now() + seconds; now() < end;) {
        memset(b, 0, size);
        memcpy(b, a, size);
        int bad = memcmp(a, b, size) != 0;
        volatile unsigned char *va = a, *vb = b; /* a plain byte loop as the second opinion */
        for (size_t i = 0; i < size && !bad; i += 61) bad = va[i] != vb[i];
        if (bad) __atomic_fetch_add(&mem_errors, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&mem_loops, 1, __ATOMIC_RELAXED);
    }
    free(a);
    free(b);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1) seconds = atoi(argv[1]);
    int threads = argc > 2 ? atoi(argv[2]) : 4;
    if (seconds < 1 || threads < 2 || threads > 64) {
        fprintf(stderr, "usage: regcheck SECONDS THREADS (THREADS 2..64)\n");
        return 2;
    }
    int avx2 = __builtin_cpu_supports("avx2");
    pthread_t t[64];
    for (long i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, i % 2 ? memory : (avx2 ? registers_avx : registers_sse), (void *)i);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    printf("REGCHECK simd=%s reg_loops=%ld reg_errors=%ld mem_loops=%ld mem_errors=%ld\n",
           avx2 ? "avx2" : "sse", reg_loops, reg_errors, mem_loops, mem_errors);
    return reg_errors || mem_errors || !reg_loops || !mem_loops;
}
