// Element-wise single-precision kernels compiled for several instruction sets, one chosen
// at run time from the CPU's features. No contraction into fused multiply-adds (only the
// explicit __builtin_fmaf of the exponential fuses), so every variant rounds exactly like
// the others and like the Swift fallback.
#include "BackpropKernels.h"
#include "ThreadPool.h"
#include <float.h>
#include <math.h>
#include <string.h>

#pragma clang fp contract(off)

// MARK: - Variants and dispatch

// 2: AVX-512 (F, VL), 1: AVX2 with FMA, 0: the baseline of the target.
static int kernel_level(void) {
    static int level = -1;
    if (level < 0) {
#if defined(__x86_64__)
        __builtin_cpu_init();
        level = (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) ? 2
              : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
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

// VARIANTS(name, (parameters), body…) defines name_avx512, name_avx2 (x86-64 only) and
// name_baseline with one body: plain scalar C that the compiler vectorises to the width of
// each target. DISPATCH(name, arguments…) calls the one kernel_level() picks.
#if defined(__x86_64__)
#define VARIANTS(name, parameters, ...)                                                   \
    __attribute__((target("avx512f,avx512vl,avx2,fma"))) static void name##_avx512 parameters { __VA_ARGS__ } \
    __attribute__((target("avx2,fma"))) static void name##_avx2 parameters { __VA_ARGS__ } \
    static void name##_baseline parameters { __VA_ARGS__ }
#define DISPATCH(name, ...)                                                               \
    do {                                                                                  \
        switch (kernel_level()) {                                                         \
        case 2: name##_avx512(__VA_ARGS__); break;                                        \
        case 1: name##_avx2(__VA_ARGS__); break;                                          \
        default: name##_baseline(__VA_ARGS__); break;                                     \
        }                                                                                 \
    } while (0)
#else
#define VARIANTS(name, parameters, ...) static void name##_baseline parameters { __VA_ARGS__ }
#define DISPATCH(name, ...) name##_baseline(__VA_ARGS__)
#endif

// The parts of an element-wise pass over `count` items cut at multiples of `unit`: 2 (one
// per thread, claimed by whichever is free) for two threads and at least two units, else 1.
static int elementwiseParts(long count, long unit, int threads) {
    return threads > 1 && count >= 2 * unit ? 2 : 1;
}

// MARK: - Adam

// `__builtin_elementwise_sqrt` is the square root without errno.
VARIANTS(adam, (float *restrict w, const float *restrict g, float *restrict v, float *restrict s, long count,
                float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                float inverseRootCorrection2, float epsilon),
    for (long i = 0; i < count; i++) {
        float gradient = g[i];
        float first = beta1 * v[i] + oneMinusBeta1 * gradient;
        float second = beta2 * s[i] + oneMinusBeta2 * gradient * gradient;
        first = (first < FLT_MIN && first > -FLT_MIN) ? 0.0f : first;
        second = second < FLT_MIN ? 0.0f : second;
        v[i] = first;
        s[i] = second;
        w[i] = w[i] - stepSize * first / (__builtin_elementwise_sqrt(second) * inverseRootCorrection2 + epsilon);
    })

// One Adam call's arguments, shared by the parts of a split update.
typedef struct {
    float *w;
    const float *g;
    float *v, *s;
    long count;
    float stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, inverseRootCorrection2, epsilon;
    int parts;
} AdamStep;

// One part of the update, split by element.
static void adam_part(void *context, int part) {
    const AdamStep *a = context;
    long begin, end;
    backprop_part_range(a->count, 16, a->parts, part, &begin, &end);
    DISPATCH(adam, a->w + begin, a->g + begin, a->v + begin, a->s + begin, end - begin, a->stepSize, a->beta1,
             a->oneMinusBeta1, a->beta2, a->oneMinusBeta2, a->inverseRootCorrection2, a->epsilon);
}

void backprop_adam_f32(float *w, const float *g, float *v, float *s, long count,
                       float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float inverseRootCorrection2, float epsilon,
                       int threads) {
    AdamStep step = { w, g, v, s, count, stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, inverseRootCorrection2, epsilon,
                      elementwiseParts(count, 16, threads) };
    backprop_run_split(adam_part, &step, &step.parts);
}

// MARK: - Finite check

// *sum = Σ x[i]·0 over [0, count): 0 when every x[i] is finite, NaN otherwise (±∞·0 and
// NaN·0 are NaN), summed in any order.
VARIANTS(zero_products, (const float *x, long count, float *sum), {
    _Pragma("clang fp reassociate(on)")
    float total = 0;
    for (long i = 0; i < count; i++) total += x[i] * 0.0f;
    *sum = total;
})

typedef struct {
    const float *x;
    long count;
    int parts;
    float sums[2];
} FiniteCheck;

static void finite_part(void *context, int part) {
    FiniteCheck *check = context;
    long begin, end;
    backprop_part_range(check->count, 16, check->parts, part, &begin, &end);
    DISPATCH(zero_products, check->x + begin, end - begin, &check->sums[part]);
}

int backprop_all_finite_f32(const float *x, long count, int threads) {
    FiniteCheck check = { x, count, elementwiseParts(count, 16, threads), { 0, 0 } };
    backprop_run_split(finite_part, &check, &check.parts);
    return check.sums[0] + check.sums[1] == 0;
}

// MARK: - Largest magnitude

// The bits of |x[i]| compared as unsigned integers order every float by magnitude, with +∞
// above every finite value and NaN above +∞, so one integer maximum gives the largest |x|,
// or +∞ / NaN when one is present. (The floats are read through a type that may alias them.)
typedef unsigned __attribute__((may_alias)) FloatBits;

VARIANTS(magnitude_bits, (const FloatBits *restrict bits, long count, unsigned *largest), {
    unsigned best = 0;
    for (long i = 0; i < count; i++) {
        unsigned magnitude = bits[i] & 0x7fffffffu;
        best = magnitude > best ? magnitude : best;
    }
    *largest = best;
})

float backprop_max_magnitude_f32(const float *x, long count) {
    unsigned largest;
    DISPATCH(magnitude_bits, (const FloatBits *)x, count, &largest);
    float result;
    memcpy(&result, &largest, sizeof result);
    return result;
}

// MARK: - Batch gather

// One gather's arguments, shared by the parts of a split copy.
typedef struct {
    const float *source;
    long rowLength;
    const long *indices;
    long rows;
    float *destination;
    int parts;
} RowGather;

// One part of the copy, split by destination row.
static void gather_part(void *context, int part) {
    const RowGather *g = context;
    long begin, end;
    backprop_part_range(g->rows, 1, g->parts, part, &begin, &end);
    for (long row = begin; row < end; row++)
        memcpy(g->destination + row * g->rowLength, g->source + g->indices[row] * g->rowLength,
               (size_t)g->rowLength * sizeof(float));
}

void backprop_gather_rows_f32(const float *source, long rowLength, const long *indices, long rows,
                              float *destination, int threads) {
    RowGather gather = { source, rowLength, indices, rows, destination, elementwiseParts(rows, 1, threads) };
    backprop_run_split(gather_part, &gather, &gather.parts);
}

// MARK: - Dropout

// Element `index` of the keyed 53-bit draws: the SplitMix64 hash of key + index·φ (φ =
// 0x9E3779B97F4A7C15), top 53 bits — `RandomGenerator.keyedDraw53` in Swift. Each draw
// depends on its index only, so any part of a mask can be drawn on any thread.
static inline unsigned long long keyed_draw53(unsigned long long key, unsigned long long index) {
    unsigned long long z = key + index * 0x9E3779B97F4A7C15ull + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) >> 11;
}

VARIANTS(dropout, (const float *restrict x, float *restrict mask, float *restrict output, long begin, long end,
                   unsigned long long threshold, float scale, unsigned long long key, long first),
    for (long i = begin; i < end; i++) {
        float factor = keyed_draw53(key, (unsigned long long)(first + i)) < threshold ? scale : 0.0f;
        mask[i] = factor;
        output[i] = x[i] * factor;
    })

// One mask's arguments, shared by the parts of a split draw.
typedef struct {
    const float *x;
    float *mask, *output;
    long count;
    unsigned long long threshold;
    float scale;
    unsigned long long key;
    long first;
    int parts;
} DropoutDraw;

// One part of the mask, split by element.
static void dropout_part(void *context, int part) {
    const DropoutDraw *d = context;
    long begin, end;
    backprop_part_range(d->count, 16, d->parts, part, &begin, &end);
    DISPATCH(dropout, d->x, d->mask, d->output, begin, end, d->threshold, d->scale, d->key, d->first);
}

void backprop_dropout_f32(const float *x, float *mask, float *output, long count, unsigned long long threshold,
                          float scale, unsigned long long key, long first, int threads) {
    DropoutDraw draw = { x, mask, output, count, threshold, scale, key, first, elementwiseParts(count, 16, threads) };
    backprop_run_split(dropout_part, &draw, &draw.parts);
}

// MARK: - Gaussian noise

// Pair `pair` of keyed standard normal draws (Box–Muller on keyed draws 2·pair and 2·pair + 1):
// u₁ = 1 − n₀·2⁻⁵³ ∈ (0, 1], u₂ = n₁·2⁻⁵³, r = √(−2 ln u₁), z₀ = r·cos 2πu₂, z₁ = r·sin 2πu₂ —
// `RandomGenerator.keyedNormal` in Swift.
static inline void keyed_normal_pair(unsigned long long key, unsigned long long pair, double *z0, double *z1) {
    double u1 = 1.0 - (double)keyed_draw53(key, 2 * pair) * 0x1p-53;
    double u2 = (double)keyed_draw53(key, 2 * pair + 1) * 0x1p-53;
    double radius = sqrt(-2.0 * log(u1)), angle = 2.0 * 3.141592653589793 * u2;
    *z0 = radius * cos(angle);
    *z1 = radius * sin(angle);
}

// One noise call's arguments, shared by the parts of a split draw.
typedef struct {
    const float *x;
    float *output;
    long count;
    double standardDeviation;
    unsigned long long key;
    long first;
    int parts;
} NoiseDraw;

// One part of the noise: elements [begin, end) of output = x + (float)(σ·z), z the keyed normal
// of index first + i; both draws of a pair are used when the pair lies in the part.
static void noise_part(void *context, int part) {
    const NoiseDraw *d = context;
    long begin, end;
    backprop_part_range(d->count, 16, d->parts, part, &begin, &end);
    for (long i = begin; i < end;) {
        unsigned long long index = (unsigned long long)(d->first + i);
        double z0, z1;
        keyed_normal_pair(d->key, index >> 1, &z0, &z1);
        if ((index & 1) == 0) {
            d->output[i] = d->x[i] + (float)(d->standardDeviation * z0);
            if (i + 1 < end) d->output[i + 1] = d->x[i + 1] + (float)(d->standardDeviation * z1);
            i += 2;
        } else {
            d->output[i] = d->x[i] + (float)(d->standardDeviation * z1);
            i += 1;
        }
    }
}

void backprop_gaussian_noise_f32(const float *x, float *output, long count, double standardDeviation,
                                 unsigned long long key, long first, int threads) {
    NoiseDraw draw = { x, output, count, standardDeviation, key, first, elementwiseParts(count, 16, threads) };
    backprop_run_split(noise_part, &draw, &draw.parts);
}

// MARK: - ReLU backward

// Columns [begin, end) of dZ = (z > 0 ? dA : 0) and, when bias is given, bias[j] = Σ_i dZ[i, j]
// summed in row order. dZ may be dA (each element is read before it is written), hence
// `assume_safety`.
VARIANTS(relu_backward, (const float *dA, const float *z, float *dZ, float *bias, long rows, long columns,
                         long begin, long end),
    if (bias)
        for (long j = begin; j < end; j++) bias[j] = 0;
    for (long i = 0; i < rows; i++) {
        const float *dARow = dA + i * columns, *zRow = z + i * columns;
        float *dZRow = dZ + i * columns;
        if (bias) {
            _Pragma("clang loop vectorize(assume_safety)")
            for (long j = begin; j < end; j++) {
                float masked = zRow[j] > 0 ? dARow[j] : 0.0f;
                dZRow[j] = masked;
                bias[j] += masked;
            }
        } else {
            _Pragma("clang loop vectorize(assume_safety)")
            for (long j = begin; j < end; j++) dZRow[j] = zRow[j] > 0 ? dARow[j] : 0.0f;
        }
    })

typedef struct {
    const float *dA, *z;
    float *dZ, *bias;
    long rows, columns;
    int parts;
} ReLUBackward;

// One part, split by column, so every bias sum runs over the rows in order on one thread
// whatever the split.
static void relu_backward_part(void *context, int part) {
    const ReLUBackward *r = context;
    long begin, end;
    backprop_part_range(r->columns, 16, r->parts, part, &begin, &end);
    DISPATCH(relu_backward, r->dA, r->z, r->dZ, r->bias, r->rows, r->columns, begin, end);
}

void backprop_relu_backward_f32(const float *dA, const float *z, float *dZ, float *biasGradient,
                                long rows, long columns, int threads) {
    ReLUBackward step = { dA, z, dZ, biasGradient, rows, columns, elementwiseParts(columns, 16, threads) };
    backprop_run_split(relu_backward_part, &step, &step.parts);
}

// MARK: - Gradient descent

VARIANTS(gradient_descent, (float *restrict w, const float *restrict g, long count, float learningRate),
    for (long i = 0; i < count; i++) w[i] = w[i] - learningRate * g[i];)

void backprop_gradient_descent_f32(float *w, const float *g, long count, float learningRate) {
    DISPATCH(gradient_descent, w, g, count, learningRate);
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
// a may be z.
VARIANTS(sigmoid, (const float *z, float *a, long count),
    _Pragma("clang loop vectorize(assume_safety)")
    for (long i = 0; i < count; i++) {
        float x = z[i];
        float e = exp_nonpositive(x < 0 ? x : -x);
        float sigmoid = (x >= 0 ? 1.0f : e) / (1.0f + e);
        a[i] = x == x ? sigmoid : x;
    })

void backprop_sigmoid_f32(const float *z, float *a, long count) {
    DISPATCH(sigmoid, z, a, count);
}

// MARK: - SiLU, GELU and SELU

// σ(x) for one element, as the sigmoid kernel computes it.
static inline float logistic_f32(float x) {
    float e = exp_nonpositive(x < 0 ? x : -x);
    return (x >= 0 ? 1.0f : e) / (1.0f + e);
}

// a = z·σ(z); a may be z.
VARIANTS(silu, (const float *z, float *a, long count),
    _Pragma("clang loop vectorize(assume_safety)")
    for (long i = 0; i < count; i++) {
        float x = z[i];
        a[i] = x * logistic_f32(x);
    })

void backprop_silu_f32(const float *z, float *a, long count) {
    DISPATCH(silu, z, a, count);
}

// dZ = dA·σ(z)·(1 + z·(1 − σ(z))); dZ may be dA.
VARIANTS(silu_backward, (const float *dA, const float *z, float *dZ, long count),
    _Pragma("clang loop vectorize(assume_safety)")
    for (long i = 0; i < count; i++) {
        float x = z[i], s = logistic_f32(x);
        dZ[i] = dA[i] * (s * (1.0f + x * (1.0f - s)));
    })

void backprop_silu_backward_f32(const float *dA, const float *z, float *dZ, long count) {
    DISPATCH(silu_backward, dA, z, dZ, count);
}

// erfc(y) for y ≥ 0 in the rational-times-Gaussian form of Abramowitz & Stegun 7.1.26, erfc(y) ≈ t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e^(−y²) with t = 1/(1 + p·y),
// absolute error below 1.5·10⁻⁷; `gaussian` receives e^(−y²) for the derivative.
static inline float erfc_nonnegative(float y, float *gaussian) {
    float t = 1.0f / (1.0f + 0.3275911f * y);
    float poly = 1.061405429f;
    poly = poly * t - 1.453152027f;
    poly = poly * t + 1.421413741f;
    poly = poly * t - 0.284496736f;
    poly = poly * t + 0.254829592f;
    float e = exp_nonpositive(-(y * y));
    *gaussian = e;
    return poly * t * e;
}

// Φ(x), the standard normal distribution function, through erfc(|x|/√2) (no cancellation
// in the lower tail); `gaussian` receives e^(−x²/2).
static inline float normal_cdf(float x, float *gaussian) {
    float half_tail = 0.5f * erfc_nonnegative((x < 0 ? -x : x) * 0.707106781f, gaussian);
    return x >= 0 ? 1.0f - half_tail : half_tail;
}

// a = z·Φ(z); a may be z.
VARIANTS(gelu, (const float *z, float *a, long count),
    _Pragma("clang loop vectorize(assume_safety)")
    for (long i = 0; i < count; i++) {
        float x = z[i], gaussian;
        a[i] = x * normal_cdf(x, &gaussian);
    })

void backprop_gelu_f32(const float *z, float *a, long count) {
    DISPATCH(gelu, z, a, count);
}

// dZ = dA·(Φ(z) + z·φ(z)), φ(z) = e^(−z²/2)/√(2π); dZ may be dA.
VARIANTS(gelu_backward, (const float *dA, const float *z, float *dZ, long count),
    _Pragma("clang loop vectorize(assume_safety)")
    for (long i = 0; i < count; i++) {
        float x = z[i], gaussian;
        float cdf = normal_cdf(x, &gaussian);
        dZ[i] = dA[i] * (cdf + x * (gaussian * 0.398942280f));
    })

void backprop_gelu_backward_f32(const float *dA, const float *z, float *dZ, long count) {
    DISPATCH(gelu_backward, dA, z, dZ, count);
}

// a = λ·z for z > 0, else λα·(e^z − 1); a may be z.
VARIANTS(selu, (const float *z, float *a, long count, float scale, float alpha),
    _Pragma("clang loop vectorize(assume_safety)")
    for (long i = 0; i < count; i++) {
        float x = z[i];
        float negative = scale * alpha * (exp_nonpositive(x < 0 ? x : 0.0f) - 1.0f);
        a[i] = x > 0 ? scale * x : (x == x ? negative : x);
    })

void backprop_selu_f32(const float *z, float *a, long count, float scale, float alpha) {
    DISPATCH(selu, z, a, count, scale, alpha);
}
