#ifndef BACKPROP_KERNELS_H
#define BACKPROP_KERNELS_H

// One Adam step over `count` single-precision elements:
// v ← β1·v + (1−β1)·g, s ← β2·s + (1−β2)·g², moments below FLT_MIN set to 0,
// (1−β1) and (1−β2) passed in, rounded from double precision by the caller,
// w ← w − stepSize·v / (√s·inverseRootCorrection2 + ε).
// Runs the widest vector unit the CPU has (AVX-512, AVX2 or the baseline), chosen once;
// with threads > 1 the elements are split between two cores (same result either way).
void backprop_adam_f32(float *w, const float *g, float *v, float *s, long count,
                       float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                       float inverseRootCorrection2, float epsilon, int threads);

// dZ[i, j] = z[i, j] > 0 ? dA[i, j] : 0 over a rows × columns matrix (row stride columns; dZ
// may be dA) and, when biasGradient is not NULL, biasGradient[j] = Σ_i dZ[i, j] summed in row
// order. With threads > 1 the columns are split between two cores (same result either way).
void backprop_relu_backward_f32(const float *dA, const float *z, float *dZ, float *biasGradient,
                                long rows, long columns, int threads);

// destination row r = source row indices[r] for r < rows, rows of rowLength floats (row
// stride rowLength in both). With threads > 1 the rows are split between two cores.
void backprop_gather_rows_f32(const float *source, long rowLength, const long *indices, long rows,
                              float *destination, int threads);

// 1 when none of the `count` elements of x is NaN or infinite, else 0: one streaming pass,
// split between two cores when threads > 1.
int backprop_all_finite_f32(const float *x, long count, int threads);

// One dropout mask applied: for i < count, mask[i] = scale when the keyed 53-bit draw of
// index first + i (SplitMix64 of key + (first + i)·0x9E3779B97F4A7C15, top 53 bits) is below
// threshold, else 0, and output[i] = x[i]·mask[i]. Split between two cores when threads > 1;
// the same bits either way.
void backprop_dropout_f32(const float *x, float *mask, float *output, long count, unsigned long long threshold,
                          float scale, unsigned long long key, long first, int threads);

// output[i] = x[i] + (float)(standardDeviation·z) for i < count, z the standard normal draw of
// index first + i: Box–Muller on the keyed 53-bit draws 2p and 2p + 1 of pair p = index / 2
// (cosine for even indices, sine for odd ones). Split between two cores when threads > 1; the
// same bits either way.
void backprop_gaussian_noise_f32(const float *x, float *output, long count, double standardDeviation,
                                 unsigned long long key, long first, int threads);

// The largest |x[i]| over `count` elements (0 for none): +∞ when some element is infinite
// and none is NaN, a NaN when some element is NaN.
float backprop_max_magnitude_f32(const float *x, long count);

// w ← w − learningRate·g over `count` elements.
void backprop_gradient_descent_f32(float *w, const float *g, long count, float learningRate);

// a[i] = 1 / (1 + e^−z[i]) over `count` elements (a may be z), within 2.5 units in the last
// place of the exact value (as close as the two-rounding libm formula); NaN stays NaN, ±∞
// give 1 and 0.
void backprop_sigmoid_f32(const float *z, float *a, long count);

// a[i] = z[i]·σ(z[i]) (SiLU) over `count` elements, σ as backprop_sigmoid_f32; a may be z.
void backprop_silu_f32(const float *z, float *a, long count);

// dZ[i] = dA[i]·σ(z[i])·(1 + z[i]·(1 − σ(z[i]))), the SiLU backward pass; dZ may be dA.
void backprop_silu_backward_f32(const float *dA, const float *z, float *dZ, long count);

// a[i] = z[i]·Φ(z[i]) (exact GELU) over `count` elements, Φ through erfc within 1.5·10⁻⁷
// absolute; a may be z.
void backprop_gelu_f32(const float *z, float *a, long count);

// dZ[i] = dA[i]·(Φ(z[i]) + z[i]·φ(z[i])), the GELU backward pass; dZ may be dA.
void backprop_gelu_backward_f32(const float *dA, const float *z, float *dZ, long count);

// a[i] = scale·z[i] for z[i] > 0, else scale·alpha·(e^z[i] − 1) (SELU with λ = scale,
// α = alpha); NaN stays NaN; a may be z.
void backprop_selu_f32(const float *z, float *a, long count, float scale, float alpha);

// The instruction set backprop_adam_f32 dispatches to: "avx512", "avx2" or "baseline".
const char *backprop_kernel_level(void);

// The single-precision product variants: AVX-512 F/VL/BW/DQ with a 12 × 32 register tile;
// AVX2 + FMA with a 6 × 16 tile; AVX-512 BF16, products of inputs rounded to bfloat16
// (round to nearest even, subnormals to zero) summed in float32 by vdpbf16ps.
enum {
    BACKPROP_SGEMM_AVX512 = 0,
    BACKPROP_SGEMM_AVX2 = 1,
    BACKPROP_SGEMM_AVX512_BF16 = 2,
};

// 1 when this CPU runs the variant, else 0.
int backprop_sgemm_variant_available(int variant);

// C ← alpha·op(A)·op(B) + beta·C on row-major single-precision matrices, with op(A) m×k,
// op(B) k×n and C m×n; op(X) is Xᵀ when its flag is non-zero. lda/ldb/ldc are the row
// strides of the stored matrices. With k = 0, C ← beta·C; beta = 0 never reads C.
// With threads > 1 the work is split across two cores; the result is bit-for-bit the
// same for any thread count. Requires backprop_sgemm_variant_available(variant).
void backprop_sgemm(int variant, int transposeA, int transposeB, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                    int threads);

// backprop_sgemm with alpha = 1, beta = 0 and a dense layer's element-wise step fused into
// the final store of each tile: C ← op(A)·op(B) + bias (bias: n values, one per column, or
// NULL), then rectified ← max(C, 0) with NaN kept (rectified: m × n with row stride
// ldRectified, or NULL; may equal C). The sums round exactly as the unfused product
// followed by the element-wise pass.
void backprop_sgemm_bias_relu(int variant, int transposeA, int transposeB, long m, long n, long k,
                              const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                              const float *bias, float *rectified, long ldRectified, int threads);

// The float → bfloat16 rounding of the BF16 variant's inputs (round to nearest even,
// subnormal inputs to signed zero, NaN kept quiet), widened back to float.
float backprop_round_to_bf16(float value);

// The cores this process may run on: the CPU affinity mask's count on Linux, else the
// online processors.
int backprop_usable_cores(void);

// Spins the calling thread and one new thread for wallSeconds, each kept to its own
// processor (Linux), and returns the smaller share of that time either got on a core (CPU
// time ÷ wall time): about 1 when two cores are free, about 2/3 or less when another
// process keeps one of them busy.
double backprop_probe_cpu_share(double wallSeconds);

// The in-register fused multiply-add rate of one thread, in floating-point operations per
// second (an FMA counts 2), measured for about wallSeconds: width 16 (AVX-512), 8 (AVX2 +
// FMA) or 1 (scalar C code as the compiler builds it). 0 when the CPU lacks the width.
// With threads 2 the calling thread and the pool's helper run it together and the sum is
// returned.
double backprop_peak_fma_rate(int width, int threads, double wallSeconds);

// The CPU's vector features as bits (backprop_cpu_features).
enum {
    BACKPROP_CPU_AVX512 = 1,       // AVX-512 F, VL, BW, DQ and CD
    BACKPROP_CPU_AVX512_BF16 = 2,  // AVX-512 BF16, with the above
    BACKPROP_CPU_AVX2_FMA = 4,     // AVX2 and FMA
    BACKPROP_CPU_AVX512F = 8,      // AVX-512 F alone
    BACKPROP_CPU_AMX_BF16 = 16,    // AMX tiles with BF16 (detected, not used)
};
int backprop_cpu_features(void);

// The CPU's vendor string from cpuid leaf 0 ("GenuineIntel", "AuthenticAMD", …; at most 12
// characters and a terminating zero written to vendor[13]) and its display family and model
// from leaf 1 (extended family and model folded in). Returns 0 when cpuid is unavailable.
int backprop_cpu_identity(char vendor[13], int *family, int *model);

#endif
