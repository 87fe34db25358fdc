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

// MARK: - ReLU backward

// Columns [begin, end) of dZ = (z > 0 ? dA : 0) and, when bias is given, bias[j] = Σ_i dZ[i, j]
// summed in row order. dZ may be dA (each element is read before it is written), hence
// `assume_safety`.
#define RELU_BACKWARD_LOOP                                                                \
    if (bias)                                                                             \
        for (long j = begin; j < end; j++) bias[j] = 0;                                   \
    for (long i = 0; i < rows; i++) {                                                     \
        const float *dARow = dA + i * columns, *zRow = z + i * columns;                   \
        float *dZRow = dZ + i * columns;                                                  \
        if (bias) {                                                                       \
            _Pragma("clang loop vectorize(assume_safety)")                                \
            for (long j = begin; j < end; j++) {                                          \
                float masked = zRow[j] > 0 ? dARow[j] : 0.0f;                             \
                dZRow[j] = masked;                                                        \
                bias[j] += masked;                                                        \
            }                                                                             \
        } else {                                                                          \
            _Pragma("clang loop vectorize(assume_safety)")                                \
            for (long j = begin; j < end; j++) dZRow[j] = zRow[j] > 0 ? dARow[j] : 0.0f;  \
        }                                                                                 \
    }

#define RELU_BACKWARD_PARAMETERS \
    const float *dA, const float *z, float *dZ, float *bias, long rows, long columns, long begin, long end

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512vl,avx2")))
static void relu_backward_avx512(RELU_BACKWARD_PARAMETERS) { RELU_BACKWARD_LOOP }

__attribute__((target("avx2")))
static void relu_backward_avx2(RELU_BACKWARD_PARAMETERS) { RELU_BACKWARD_LOOP }
#endif

static void relu_backward_baseline(RELU_BACKWARD_PARAMETERS) { RELU_BACKWARD_LOOP }

typedef struct {
    const float *dA, *z;
    float *dZ, *bias;
    long rows, columns;
} ReLUBackward;

// Part 0 of 1, or part 0 or 1 of 2: the columns are halved at a multiple of 16, so every
// bias sum runs over the rows in order on one thread whatever the split.
static void relu_backward_part(void *context, int part, int parts) {
    const ReLUBackward *r = context;
    long middle = parts == 1 ? r->columns : r->columns / 2 / 16 * 16;
    long begin = part == 0 ? 0 : middle, end = part == 0 ? middle : r->columns;
#if defined(__x86_64__)
    switch (kernel_level()) {
    case 2: relu_backward_avx512(r->dA, r->z, r->dZ, r->bias, r->rows, r->columns, begin, end); return;
    case 1: relu_backward_avx2(r->dA, r->z, r->dZ, r->bias, r->rows, r->columns, begin, end); return;
    default: break;
    }
#endif
    relu_backward_baseline(r->dA, r->z, r->dZ, r->bias, r->rows, r->columns, begin, end);
}

static void relu_backward_half(void *context, int part) { relu_backward_part(context, part, 2); }

void backprop_relu_backward_f32(const float *dA, const float *z, float *dZ, float *biasGradient,
                                long rows, long columns, int threads) {
    ReLUBackward step = { dA, z, dZ, biasGradient, rows, columns };
    if (threads > 1 && columns >= 32 && backprop_run_in_parallel(relu_backward_half, &step)) return;
    relu_backward_part(&step, 0, 1);
}

// MARK: - Gradient descent

#define GRADIENT_DESCENT_LOOP \
    for (long i = 0; i < count; i++) w[i] = w[i] - learningRate * g[i];

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512vl,avx2")))
static void gradient_descent_avx512(float *restrict w, const float *restrict g, long count, float learningRate) {
    GRADIENT_DESCENT_LOOP
}
#endif

static void gradient_descent_baseline(float *restrict w, const float *restrict g, long count, float learningRate) {
    GRADIENT_DESCENT_LOOP
}

void backprop_gradient_descent_f32(float *w, const float *g, long count, float learningRate) {
#if defined(__x86_64__)
    if (kernel_level() == 2) { gradient_descent_avx512(w, g, count, learningRate); return; }
#endif
    gradient_descent_baseline(w, g, count, learningRate);
}

// MARK: - Logistic sigmoid

// e^y for y ≤ 0 (or NaN, which gives a meaningless finite value the caller replaces): y is
// clamped at −104 (e^−104 is below the smallest subnormal float), split as y = n·ln 2 + r
// with |r| ≤ ln 2 / 2, e^r summed as the degree-7 Taylor polynomial (truncation error below
// 6·10⁻⁹ relative, under half a unit in the last place), and scaled by 2^n in two normal
// factors so results down into the subnormal range stay right.
static inline float exp_nonpositive(float y) {
    float clamped = y > -104.0f ? y : -104.0f;
    float n = __builtin_rintf(clamped * 1.44269504f);
    float r = __builtin_fmaf(n, -0.693145752f, clamped);  // ln 2 in two parts: r is exact
    r = __builtin_fmaf(n, -1.42860677e-6f, r);
    float p = 1.0f / 5040;
    p = __builtin_fmaf(p, r, 1.0f / 720);
    p = __builtin_fmaf(p, r, 1.0f / 120);
    p = __builtin_fmaf(p, r, 1.0f / 24);
    p = __builtin_fmaf(p, r, 1.0f / 6);
    p = __builtin_fmaf(p, r, 0.5f);
    p = __builtin_fmaf(p, r, 1.0f);
    p = __builtin_fmaf(p, r, 1.0f);
    int exponent = (int)n, half = exponent / 2;
    union { int bits; float value; } first = { (half + 127) << 23 }, second = { (exponent - half + 127) << 23 };
    return p * first.value * second.value;
}

// a = 1 / (1 + e^−z) as (z ≥ 0 ? 1 : e^z) / (1 + e^−|z|): no overflow, one division; NaN kept.
#define SIGMOID_LOOP                                                                      \
    for (long i = 0; i < count; i++) {                                                    \
        float x = z[i];                                                                   \
        float e = exp_nonpositive(x < 0 ? x : -x);                                        \
        float sigmoid = (x >= 0 ? 1.0f : e) / (1.0f + e);                                 \
        a[i] = x == x ? sigmoid : x;                                                      \
    }

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512vl,avx2,fma")))
static void sigmoid_avx512(const float *z, float *a, long count) {
    _Pragma("clang loop vectorize(assume_safety)") SIGMOID_LOOP
}

__attribute__((target("avx2,fma")))
static void sigmoid_avx2(const float *z, float *a, long count) {
    _Pragma("clang loop vectorize(assume_safety)") SIGMOID_LOOP
}
#endif

static void sigmoid_baseline(const float *z, float *a, long count) { SIGMOID_LOOP }

void backprop_sigmoid_f32(const float *z, float *a, long count) {
#if defined(__x86_64__)
    switch (kernel_level()) {
    case 2: sigmoid_avx512(z, a, count); return;
    case 1: if (__builtin_cpu_supports("fma")) { sigmoid_avx2(z, a, count); return; } break;
    default: break;
    }
#endif
    sigmoid_baseline(z, a, count);
}
