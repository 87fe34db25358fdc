// Element-wise single-precision kernels compiled for several instruction sets, one chosen
// at run time from the CPU's features. No contraction into fused multiply-adds, so every
// variant rounds exactly like the others and like the Swift fallback.
#include "BackpropKernels.h"
#include "ThreadPool.h"
#include <float.h>

#pragma clang fp contract(off)

// The loop body, shared by every variant: plain scalar code that the compiler vectorises
// to the width of the target. `__builtin_elementwise_sqrt` is the square root without errno.
#define ADAM_LOOP                                                                         \
    for (long i = 0; i < count; i++) {                                                    \
        float gradient = g[i];                                                            \
        float first = beta1 * v[i] + oneMinusBeta1 * gradient;                            \
        float second = beta2 * s[i] + oneMinusBeta2 * gradient * gradient;                \
        first = (first < FLT_MIN && first > -FLT_MIN) ? 0.0f : first;                     \
        second = second < FLT_MIN ? 0.0f : second;                                        \
        v[i] = first;                                                                     \
        s[i] = second;                                                                    \
        w[i] = w[i] - stepSize * first /                                                  \
            (__builtin_elementwise_sqrt(second) * inverseRootCorrection2 + epsilon);      \
    }

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512vl,avx2")))
static void adam_avx512(float *restrict w, const float *restrict g, float *restrict v, float *restrict s, long count,
                        float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float inverseRootCorrection2, float epsilon) {
    ADAM_LOOP
}

__attribute__((target("avx2")))
static void adam_avx2(float *restrict w, const float *restrict g, float *restrict v, float *restrict s, long count,
                      float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float inverseRootCorrection2, float epsilon) {
    ADAM_LOOP
}
#endif

static void adam_baseline(float *restrict w, const float *restrict g, float *restrict v, float *restrict s, long count,
                          float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float inverseRootCorrection2, float epsilon) {
    ADAM_LOOP
}

static int kernel_level(void) {
    static int level = -1;
    if (level < 0) {
#if defined(__x86_64__)
        __builtin_cpu_init();
        level = (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) ? 2
              : __builtin_cpu_supports("avx2") ? 1 : 0;
#else
        level = 0;
#endif
    }
    return level;
}

const char *backprop_kernel_level(void) {
    switch (kernel_level()) {
    case 2: return "avx512";
    case 1: return "avx2";
    default: return "baseline";
    }
}

static void adam_single(float *w, const float *g, float *v, float *s, long count,
                        float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float inverseRootCorrection2, float epsilon) {
#if defined(__x86_64__)
    switch (kernel_level()) {
    case 2: adam_avx512(w, g, v, s, count, stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, inverseRootCorrection2, epsilon); return;
    case 1: adam_avx2(w, g, v, s, count, stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, inverseRootCorrection2, epsilon); return;
    default: break;
    }
#endif
    adam_baseline(w, g, v, s, count, stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, inverseRootCorrection2, epsilon);
}

// One Adam call's arguments, shared by the two halves of a split update.
typedef struct {
    float *w;
    const float *g;
    float *v, *s;
    long count;
    float stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, inverseRootCorrection2, epsilon;
} AdamStep;

static void adam_half(void *context, int part) {
    const AdamStep *a = context;
    long middle = a->count / 2 / 16 * 16;  // a whole number of vectors in the first half
    long begin = part == 0 ? 0 : middle, end = part == 0 ? middle : a->count;
    adam_single(a->w + begin, a->g + begin, a->v + begin, a->s + begin, end - begin, a->stepSize, a->beta1,
                a->oneMinusBeta1, a->beta2, a->oneMinusBeta2, a->inverseRootCorrection2, a->epsilon);
}

void backprop_adam_f32(float *w, const float *g, float *v, float *s, long count,
                       float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float inverseRootCorrection2, float epsilon,
                       int threads) {
    AdamStep step = { w, g, v, s, count, stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, inverseRootCorrection2, epsilon };
    if (threads > 1 && count >= 32 && backprop_run_in_parallel(adam_half, &step)) return;
    adam_single(w, g, v, s, count, stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, inverseRootCorrection2, epsilon);
}
