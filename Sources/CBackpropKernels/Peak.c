// The peak fused multiply-add rate of a core: independent accumulators updated in registers
// (acc ← acc·a + b), enough of them to cover the FMA latency on every unit, no memory
// traffic. What a matrix product could reach at best on this CPU, at this moment.
#include "BackpropKernels.h"
#include "ThreadPool.h"
#include <time.h>

#include <stdatomic.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

// Each loop runs `rounds` rounds of 16 accumulator updates of `width` lanes (12 registers
// for AVX2, which has 16 in all) and returns a value, so that nothing is optimised away.
// a < 1 and b small keep the accumulators finite and normal.
#define ACCUMULATORS 16

#if defined(__x86_64__)
// Written in assembly so that the loop is the same in debug and release builds: the
// accumulators stay in registers whatever the optimisation level.
static const float constants[2] = { 0.999999f, 1e-6f };

__attribute__((target("avx512f"))) static float loop512(long rounds) {
    float result;
    __asm__ volatile(
        "vbroadcastss 0(%[c]), %%zmm30\n\t"
        "vbroadcastss 4(%[c]), %%zmm31\n\t"
        "vxorps %%xmm0, %%xmm0, %%xmm0\n\t"
        "vmovaps %%zmm0, %%zmm1\n\t vmovaps %%zmm0, %%zmm2\n\t vmovaps %%zmm0, %%zmm3\n\t"
        "vmovaps %%zmm0, %%zmm4\n\t vmovaps %%zmm0, %%zmm5\n\t vmovaps %%zmm0, %%zmm6\n\t"
        "vmovaps %%zmm0, %%zmm7\n\t vmovaps %%zmm0, %%zmm8\n\t vmovaps %%zmm0, %%zmm9\n\t"
        "vmovaps %%zmm0, %%zmm10\n\t vmovaps %%zmm0, %%zmm11\n\t vmovaps %%zmm0, %%zmm12\n\t"
        "vmovaps %%zmm0, %%zmm13\n\t vmovaps %%zmm0, %%zmm14\n\t vmovaps %%zmm0, %%zmm15\n\t"
        "1:\n\t"
        "vfmadd213ps %%zmm31, %%zmm30, %%zmm0\n\t vfmadd213ps %%zmm31, %%zmm30, %%zmm1\n\t"
        "vfmadd213ps %%zmm31, %%zmm30, %%zmm2\n\t vfmadd213ps %%zmm31, %%zmm30, %%zmm3\n\t"
        "vfmadd213ps %%zmm31, %%zmm30, %%zmm4\n\t vfmadd213ps %%zmm31, %%zmm30, %%zmm5\n\t"
        "vfmadd213ps %%zmm31, %%zmm30, %%zmm6\n\t vfmadd213ps %%zmm31, %%zmm30, %%zmm7\n\t"
        "vfmadd213ps %%zmm31, %%zmm30, %%zmm8\n\t vfmadd213ps %%zmm31, %%zmm30, %%zmm9\n\t"
        "vfmadd213ps %%zmm31, %%zmm30, %%zmm10\n\t vfmadd213ps %%zmm31, %%zmm30, %%zmm11\n\t"
        "vfmadd213ps %%zmm31, %%zmm30, %%zmm12\n\t vfmadd213ps %%zmm31, %%zmm30, %%zmm13\n\t"
        "vfmadd213ps %%zmm31, %%zmm30, %%zmm14\n\t vfmadd213ps %%zmm31, %%zmm30, %%zmm15\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "vaddps %%zmm1, %%zmm0, %%zmm0\n\t"
        "vaddps %%zmm15, %%zmm0, %%zmm0\n\t"
        "vmovss %%xmm0, %[r]\n\t"
        "vzeroupper"
        : [n] "+r"(rounds), [r] "=m"(result)
        : [c] "r"(constants)
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
          "xmm12", "xmm13", "xmm14", "xmm15", "xmm30", "xmm31", "cc", "memory");
    return result;
}

__attribute__((target("avx2,fma"))) static float loop256(long rounds) {
    float result;
    __asm__ volatile(
        "vbroadcastss 0(%[c]), %%ymm14\n\t"
        "vbroadcastss 4(%[c]), %%ymm15\n\t"
        "vxorps %%xmm0, %%xmm0, %%xmm0\n\t"
        "vmovaps %%ymm0, %%ymm1\n\t vmovaps %%ymm0, %%ymm2\n\t vmovaps %%ymm0, %%ymm3\n\t"
        "vmovaps %%ymm0, %%ymm4\n\t vmovaps %%ymm0, %%ymm5\n\t vmovaps %%ymm0, %%ymm6\n\t"
        "vmovaps %%ymm0, %%ymm7\n\t vmovaps %%ymm0, %%ymm8\n\t vmovaps %%ymm0, %%ymm9\n\t"
        "vmovaps %%ymm0, %%ymm10\n\t vmovaps %%ymm0, %%ymm11\n\t"
        "1:\n\t"
        "vfmadd213ps %%ymm15, %%ymm14, %%ymm0\n\t vfmadd213ps %%ymm15, %%ymm14, %%ymm1\n\t"
        "vfmadd213ps %%ymm15, %%ymm14, %%ymm2\n\t vfmadd213ps %%ymm15, %%ymm14, %%ymm3\n\t"
        "vfmadd213ps %%ymm15, %%ymm14, %%ymm4\n\t vfmadd213ps %%ymm15, %%ymm14, %%ymm5\n\t"
        "vfmadd213ps %%ymm15, %%ymm14, %%ymm6\n\t vfmadd213ps %%ymm15, %%ymm14, %%ymm7\n\t"
        "vfmadd213ps %%ymm15, %%ymm14, %%ymm8\n\t vfmadd213ps %%ymm15, %%ymm14, %%ymm9\n\t"
        "vfmadd213ps %%ymm15, %%ymm14, %%ymm10\n\t vfmadd213ps %%ymm15, %%ymm14, %%ymm11\n\t"
        "vfmadd213ps %%ymm15, %%ymm14, %%ymm0\n\t vfmadd213ps %%ymm15, %%ymm14, %%ymm1\n\t"
        "vfmadd213ps %%ymm15, %%ymm14, %%ymm2\n\t vfmadd213ps %%ymm15, %%ymm14, %%ymm3\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "vaddps %%ymm1, %%ymm0, %%ymm0\n\t"
        "vaddps %%ymm11, %%ymm0, %%ymm0\n\t"
        "vmovss %%xmm0, %[r]\n\t"
        "vzeroupper"
        : [n] "+r"(rounds), [r] "=m"(result)
        : [c] "r"(constants)
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
          "xmm14", "xmm15", "cc", "memory");
    return result;
}

static int hasWidth(int width) {
    __builtin_cpu_init();
    if (width == 16) return __builtin_cpu_supports("avx512f");
    if (width == 8) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return width == 1;
}
#else
static int hasWidth(int width) { return width == 1; }
#endif

// Plain C as the compiler builds it for the baseline target: a multiply and an add per
// element (x86-64's baseline has no FMA), vectorised to SSE in an optimised build.
static float loopScalar(long rounds) {
    float a = 0.999999f, b = 1e-6f;
    float acc[ACCUMULATORS];
    for (int i = 0; i < ACCUMULATORS; i++) acc[i] = (float)i;
    for (long r = 0; r < rounds; r++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < ACCUMULATORS; i++) acc[i] = acc[i] * a + b;
    }
    float sum = 0;
    for (int i = 0; i < ACCUMULATORS; i++) sum += acc[i];
    return sum;
}

static float runLoop(int width, long rounds) {
#if defined(__x86_64__)
    if (width == 16) return loop512(rounds);
    if (width == 8) return loop256(rounds);
#endif
    return loopScalar(rounds);
}

typedef struct {
    int width;
    long rounds;
    volatile float sink;
} PeakTask;

static void peakPart(void *context, int part) {
    PeakTask *task = context;
    float value = runLoop(task->width, task->rounds);
    if (part == 0) task->sink = value;
}

double backprop_peak_fma_rate(int width, int threads, double wallSeconds) {
    if (!hasWidth(width)) return 0;
    double flopsPerRound = 2.0 * ACCUMULATORS * width;
    // Calibrate: double the rounds until one call takes a tenth of the time asked for.
    long rounds = 1024;
    double elapsed = 0;
    PeakTask task = { width, rounds, 0 };
    for (;;) {
        double start = now();
        task.sink = runLoop(width, rounds);
        elapsed = now() - start;
        if (elapsed >= wallSeconds / 10 || rounds > (1L << 40)) break;
        rounds *= 2;
    }
    task.rounds = rounds;
    // Best of ten calls, each taking about a tenth of the time asked for, after three
    // untimed ones in which the scheduler moves the woken helper thread off the caller's core.
    double best = 0;
    for (int trial = threads > 1 ? -3 : 0; trial < 10; trial++) {
        double start = now();
        int parts = 1;
        if (threads > 1 && backprop_run_parts(peakPart, &task, 2)) parts = 2;
        else peakPart(&task, 0);
        double rate = parts * flopsPerRound * (double)rounds / (now() - start);
        if (trial >= 0 && rate > best) best = rate;
    }
    return best;
}

#if defined(__x86_64__)
// AMX-BF16: cpuid leaf 7, sub-leaf 0, EDX bit 22.
static int amxBF16(void) {
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (edx >> 22 & 1);
}
#endif

static int readCPUFeatures(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
              && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
              && __builtin_cpu_supports("avx512cd");
    int bf16 = __builtin_cpu_supports("avx512bf16");
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return (avx512 ? BACKPROP_CPU_AVX512 : 0) | (avx512 && bf16 ? BACKPROP_CPU_AVX512_BF16 : 0)
         | (avx2 ? BACKPROP_CPU_AVX2_FMA : 0) | (__builtin_cpu_supports("avx512f") ? BACKPROP_CPU_AVX512F : 0)
         | (amxBF16() ? BACKPROP_CPU_AMX_BF16 : 0);
#else
    return 0;
#endif
}

// Read once: every product asks, and `cpuid` leaves a virtual machine for the hypervisor
// (microseconds each time, a third of a small training step when it was read per product).
static _Atomic int cpuFeatures = -1;

int backprop_cpu_features(void) {
    int features = atomic_load_explicit(&cpuFeatures, memory_order_relaxed);
    if (features < 0) {
        features = readCPUFeatures();
        atomic_store_explicit(&cpuFeatures, features, memory_order_relaxed);
    }
    return features;
}

int backprop_cpu_identity(char vendor[13], int *family, int *model) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return 0;
    memcpy(vendor, &ebx, 4);
    memcpy(vendor + 4, &edx, 4);
    memcpy(vendor + 8, &ecx, 4);
    vendor[12] = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    unsigned baseFamily = (eax >> 8) & 0xF, baseModel = (eax >> 4) & 0xF;
    *family = (int)(baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily);
    *model = (int)(baseFamily == 0x6 || baseFamily == 0xF ? (((eax >> 16) & 0xF) << 4) | baseModel : baseModel);
    return 1;
#else
    return 0;
#endif
}
