// Single-precision matrix multiplication with AVX-512 micro-kernels:
// C ← α·op(A)·op(B) + β·C on row-major matrices.
//
// The classic blocked scheme: the k dimension is cut into slices of KC; for each slice a
// block of op(B) is copied ("packed") into panels of NR = 32 columns and a block of op(A)
// into panels of MR rows, so the micro-kernel reads both with unit stride. The micro-kernel
// keeps an MR × 32 tile of C in 2·MR vector registers and adds one rank-1 update per k:
// two 16-float loads of B, MR broadcasts of A, 2·MR fused multiply-adds. Partial tiles at
// the edges are packed with zeros and stored through masks.
//
// The sum over k runs in the same order for every element whatever the thread count, so
// results do not depend on how many threads share the work.
#include "BackpropKernels.h"
#include "ThreadPool.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

// Tile and block sizes: MR × NR accumulators (24 of the 32 vector registers), a KC-deep
// A panel of 18 KiB that stays in L1 while B panels stream past it, a KC × NC block of B
// (384 KiB) that stays in L2.
enum { MR = 12, NR = 32, KC = 384, NC = 256 };

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))

// One thread's packing buffers, grown when a larger block arrives and then reused.
typedef struct {
    float *a;
    long aCapacity;
    float *b;
    long bCapacity;
} PackBuffers;

static _Thread_local PackBuffers threadBuffers;

static float *reserve(float **buffer, long *capacity, long count) {
    if (count > *capacity) {
        free(*buffer);
        *buffer = aligned_alloc(64, (size_t)((count * sizeof(float) + 63) / 64 * 64));
        *capacity = *buffer ? count : 0;
    }
    return *buffer;
}

static __mmask16 lowMask(long width) { return (__mmask16)(width >= 16 ? 0xFFFF : (1u << width) - 1); }
static __mmask16 highMask(long width) { return width <= 16 ? 0 : lowMask(width - 16); }

// Packs `height` ≤ MR rows × `depth` columns of op(A) into one panel: element (r, p) at
// p·MR + r, rows past `height` zero. op(A)(r, p) is a[p·lda + r] when transposed, else
// a[r·lda + p].
AVX512 static void packA(const float *a, long lda, int transposed, long height, long depth, float *out) {
    if (transposed) {
        __mmask16 rows = lowMask(height);
        for (long p = 0; p < depth; p++)
            _mm512_mask_storeu_ps(out + p * MR, (__mmask16)((1u << MR) - 1), _mm512_maskz_loadu_ps(rows, a + p * lda));
    } else {
        for (long p = 0; p < depth; p++)
            for (long r = 0; r < MR; r++) out[p * MR + r] = r < height ? a[r * lda + p] : 0;
    }
}

// Packs rows [0, depth) × columns [0, columns) of op(B) into panels of NR columns: within
// a panel, element (p, c) sits at p·NR + c. Columns past `columns` are zero.
AVX512 static void packB(const float *b, long ldb, int transposed, long depth, long columns, float *out) {
    for (long j0 = 0; j0 < columns; j0 += NR) {
        long width = columns - j0 < NR ? columns - j0 : NR;
        __mmask16 low = lowMask(width), high = highMask(width);
        if (!transposed) {  // op(B)(p, j) = b[p·ldb + j]: each p is a contiguous run of columns
            for (long p = 0; p < depth; p++) {
                const float *source = b + p * ldb + j0;
                _mm512_store_ps(out + p * NR, _mm512_maskz_loadu_ps(low, source));
                _mm512_store_ps(out + p * NR + 16, _mm512_maskz_loadu_ps(high, source + 16));
            }
        } else {  // op(B)(p, j) = b[j·ldb + p]: gather each p from 32 rows of b
            __m512i offsets = _mm512_mullo_epi32(_mm512_set1_epi32((int)ldb),
                _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
            const float *first = b + j0 * ldb, *second = b + (j0 + 16) * ldb;
            for (long p = 0; p < depth; p++) {
                _mm512_store_ps(out + p * NR, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), low, offsets, first + p, 4));
                _mm512_store_ps(out + p * NR + 16, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), high, offsets, second + p, 4));
            }
        }
        out += NR * depth;
    }
}

// C tile (height × width, at most MR × NR) ← α·(A panel · packed B panel) + β·C, where
// element (r, p) of the A panel is a[r·rowStride + p·depthStride]. β = 0 never reads C,
// so whatever C held (even NaN) is overwritten.
AVX512 __attribute__((always_inline)) static inline void
microKernel(long depth, const float *restrict a, long rowStride, long depthStride, const float *restrict b,
            float *c, long ldc, long height, long width, float alpha, float beta) {
    __m512 acc[MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();

    for (long p = 0; p < depth; p++) {
        __m512 b0 = _mm512_load_ps(b);
        __m512 b1 = _mm512_load_ps(b + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            __m512 broadcast = _mm512_set1_ps(a[r * rowStride]);
            acc[r][0] = _mm512_fmadd_ps(broadcast, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(broadcast, b1, acc[r][1]);
        }
        a += depthStride;
        b += NR;
    }

    __mmask16 low = lowMask(width), high = highMask(width);
    __m512 alphas = _mm512_set1_ps(alpha);
    __m512 betas = _mm512_set1_ps(beta);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
        if (r < height) {
            float *row = c + r * ldc;
            __m512 v0 = _mm512_mul_ps(acc[r][0], alphas);
            __m512 v1 = _mm512_mul_ps(acc[r][1], alphas);
            if (beta != 0) {
                v0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(low, row), betas, v0);
                v1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(high, row + 16), betas, v1);
            }
            _mm512_mask_storeu_ps(row, low, v0);
            _mm512_mask_storeu_ps(row + 16, high, v1);
        }
    }
}

// The kernel on a packed A panel (element (r, p) at p·MR + r).
AVX512 static void packedKernel(long depth, const float *a, const float *b, float *c, long ldc,
                                long height, long width, float alpha, float beta) {
    microKernel(depth, a, 1, MR, b, c, ldc, height, width, alpha, beta);
}

// The kernel reading MR rows of a row-major A in place (element (r, p) at r·lda + p).
AVX512 static void directKernel(long depth, const float *a, long lda, const float *b, float *c, long ldc,
                                long width, float alpha, float beta) {
    microKernel(depth, a, lda, 1, b, c, ldc, MR, width, alpha, beta);
}

// The part of a product one thread computes: rows [rowBegin, rowEnd) × columns
// [columnBegin, columnEnd) of C.
typedef struct {
    int transposeA, transposeB;
    long m, n, k;
    float alpha, beta;
    const float *a;
    long lda;
    const float *b;
    long ldb;
    float *c;
    long ldc;
    int splitColumns;  // 1: threads share the columns of C; 0: its rows
    int parts;
} Product;

// Splits [0, count) into `parts` ranges whose boundaries are multiples of `unit`.
static void partRange(long count, long unit, int parts, int part, long *begin, long *end) {
    long units = (count + unit - 1) / unit;
    long first = units * part / parts, last = units * (part + 1) / parts;
    *begin = first * unit < count ? first * unit : count;
    *end = last * unit < count ? last * unit : count;
}

// Loops, outermost first: column blocks of NC, depth slices of KC (op(B)'s block packed
// once per slice, sized for L2), MR-row panels of A (read in place when A is row-major and
// the panel full, else packed; sized for L1), NR-column panels of B.
AVX512 static void computeBlock(const Product *p, long rowBegin, long rowEnd, long columnBegin, long columnEnd) {
    if (rowEnd <= rowBegin || columnEnd <= columnBegin) return;
    PackBuffers *buffers = &threadBuffers;
    float *packedB = reserve(&buffers->b, &buffers->bCapacity, KC * NC);
    float *packedA = reserve(&buffers->a, &buffers->aCapacity, KC * MR);
    if (!packedA || !packedB) abort();

    for (long j0 = columnBegin; j0 < columnEnd; j0 += NC) {
        long columns = columnEnd - j0 < NC ? columnEnd - j0 : NC;
        for (long p0 = 0; p0 < p->k; p0 += KC) {
            long depth = p->k - p0 < KC ? p->k - p0 : KC;
            float beta = p0 == 0 ? p->beta : 1.0f;
            const float *sourceB = p->transposeB ? p->b + j0 * p->ldb + p0 : p->b + p0 * p->ldb + j0;
            packB(sourceB, p->ldb, p->transposeB, depth, columns, packedB);
            for (long i = rowBegin; i < rowEnd; i += MR) {
                long height = rowEnd - i < MR ? rowEnd - i : MR;
                const float *sourceA = p->transposeA ? p->a + p0 * p->lda + i : p->a + i * p->lda + p0;
                int inPlace = !p->transposeA && height == MR;
                if (!inPlace) packA(sourceA, p->lda, p->transposeA, height, depth, packedA);
                for (long j = 0; j < columns; j += NR) {
                    long width = columns - j < NR ? columns - j : NR;
                    float *tile = p->c + i * p->ldc + j0 + j;
                    if (inPlace)
                        directKernel(depth, sourceA, p->lda, packedB + j * depth, tile, p->ldc, width, p->alpha, beta);
                    else
                        packedKernel(depth, packedA, packedB + j * depth, tile, p->ldc, height, width, p->alpha, beta);
                }
            }
        }
    }
}

static void computePart(void *context, int part) {
    const Product *p = context;
    long begin, end;
    if (p->splitColumns) {
        partRange(p->n, NR, p->parts, part, &begin, &end);
        computeBlock(p, 0, p->m, begin, end);
    } else {
        partRange(p->m, MR, p->parts, part, &begin, &end);
        computeBlock(p, begin, end, 0, p->n);
    }
}

int backprop_sgemm_available(void) {
    static int available = -1;
    if (available < 0) {
        __builtin_cpu_init();
        available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
                 && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
    }
    return available;
}

void backprop_sgemm(int transposeA, int transposeB, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                    int threads) {
    if (!backprop_sgemm_available()) abort();
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {  // an empty sum: C ← β·C
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return;
    }
    Product product = {
        .transposeA = transposeA, .transposeB = transposeB, .m = m, .n = n, .k = k,
        .alpha = alpha, .beta = beta, .a = a, .lda = lda, .b = b, .ldb = ldb, .c = c, .ldc = ldc,
        .splitColumns = n >= m, .parts = 1,
    };
    if (threads > 1) {
        long units = product.splitColumns ? (n + NR - 1) / NR : (m + MR - 1) / MR;
        if (units >= 2) {
            product.parts = 2;
            if (backprop_run_in_parallel(computePart, &product)) return;
            product.parts = 1;
        }
    }
    computePart(&product, 0);
}

#else

int backprop_sgemm_available(void) { return 0; }

void backprop_sgemm(int transposeA, int transposeB, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                    int threads) {
    abort();
}

#endif
