// Single-precision matrix multiplication for CPUs with AVX2 and FMA but no AVX-512:
// C ← α·op(A)·op(B) + β·C on row-major matrices, in one of three ways, as the AVX-512
// kernel chooses them (SGEMM.c): packed blocks, dot products of rows (a transposed B with
// few rows or columns of C), or tiles reading B in place (a shallow untransposed product).
//
// The micro-kernel keeps a 6 × 16 tile of C in 12 of the 16 vector registers and adds one
// rank-1 update per k: two 8-float loads of B, six broadcasts of A, twelve fused
// multiply-adds. The depth is cut into equal slices of at most KC; for each slice a block of
// op(B) of at most KC × NC is packed into panels of 16 columns (a transposed B by 8 × 8
// transposes in registers) and a block of at most MC rows of op(A) into panels of six rows,
// depth-major, both zero-padded at the edges, so the micro-kernel always runs a full tile
// and stores the part inside C (through masks at the right edge). Each B panel (16 KiB)
// then stays in L1 while the A panels of the block (at most 144 KiB, in L2) stream past it:
// the operand read from L2 is the narrow one, six floats per k rather than sixteen.
//
// The sum over k runs in the same order for every element whatever the thread count, so
// results do not depend on how many threads share the work.
#include "GEMMProduct.h"
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>

// A B panel of 256 × 16 floats (16 KiB) stays in L1 while the A panels of a block of
// 144 × 256 floats (144 KiB) stream past it from L2; a block of B of 256 × 1024 floats
// (1 MiB) is read from L2 or L3 once per block of A. Measured on AMD Zen 4 with this kernel
// forced; the same on every AVX2 CPU until measured on it.
enum { MR = 6, NR = 16, KC = 256, MC = 144, NC = 1024 };

#define AVX2 __attribute__((target("avx2,fma")))

// Lanes [0, width) of eight, as the mask of _mm256_maskload_ps / _mm256_maskstore_ps.
AVX2 static inline __m256i laneMask(long width) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Transposes the 8 × 8 block held in r[0…7] (row i in r[i]) in place.
AVX2 static inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

// Copies `height` ≤ MR rows × `depth` columns of op(A) into a depth-major panel, element
// (r, p) at p·MR + r, rows past `height` zero. A transposed A (op(A)(r, p) = a[p·lda + r])
// is copied a depth at a time; a row-major A eight depths at a time through an 8 × 8
// transpose. Each depth is stored as eight floats whose last two the next depth overwrites,
// so the panel needs two floats of room past its end.
AVX2 static void packA(const float *a, long lda, int transposed, long height, long depth, float *out) {
    __m256i rows = laneMask(height);
    if (transposed) {
        for (long p = 0; p < depth; p++) _mm256_storeu_ps(out + p * MR, _mm256_maskload_ps(a + p * lda, rows));
        return;
    }
    long p = 0;
    for (; p + 8 <= depth; p += 8) {
        __m256 r[8];
        for (int q = 0; q < 8; q++) r[q] = q < height ? _mm256_loadu_ps(a + q * lda + p) : _mm256_setzero_ps();
        transpose8(r);
        for (int q = 0; q < 8; q++) _mm256_storeu_ps(out + (p + q) * MR, r[q]);
    }
    for (; p < depth; p++)
        for (long r = 0; r < MR; r++) out[p * MR + r] = r < height ? a[r * lda + p] : 0;
}

// Packs columns [0, width ≤ 8) of a transposed B (op(B)(p, j) = b[j·ldb + p]) for depths
// [0, depth) into out[p·NR + c], columns past `width` zero: whole blocks of 8 depths through
// an 8 × 8 transpose, the rest one by one.
AVX2 static void packTransposedColumns(const float *b, long ldb, long depth, long width, float *out) {
    long p = 0;
    if (width == 8) {
        for (; p + 8 <= depth; p += 8) {
            __m256 r[8];
            for (int c = 0; c < 8; c++) r[c] = _mm256_loadu_ps(b + c * ldb + p);
            transpose8(r);
            for (int q = 0; q < 8; q++) _mm256_store_ps(out + (p + q) * NR, r[q]);
        }
    }
    for (; p < depth; p++)
        for (long c = 0; c < 8; c++) out[p * NR + c] = c < width ? b[c * ldb + p] : 0;
}

// Packs rows [0, depth) × columns [0, columns) of op(B) into panels of NR columns, element
// (p, c) of a panel at p·NR + c; columns past `columns` are zero.
AVX2 static void packB(const float *b, long ldb, int transposed, long depth, long columns, float *out) {
    for (long j0 = 0; j0 < columns; j0 += NR) {
        long width = columns - j0 < NR ? columns - j0 : NR;
        if (!transposed) {
            __m256i low = laneMask(width), high = laneMask(width - 8);
            for (long p = 0; p < depth; p++) {
                _mm256_store_ps(out + p * NR, _mm256_maskload_ps(b + p * ldb + j0, low));
                _mm256_store_ps(out + p * NR + 8, _mm256_maskload_ps(b + p * ldb + j0 + 8, high));
            }
        } else {
            packTransposedColumns(b + j0 * ldb, ldb, depth, width < 8 ? width : 8, out);
            packTransposedColumns(b + (j0 + 8) * ldb, ldb, depth, width <= 8 ? 0 : width - 8, out + 8);
        }
        out += NR * depth;
    }
}

// Loads or stores the 16 floats of a tile row at `row`: whole vectors when the tile is 16
// wide, else the lanes in `low` and `high` only (masked stores are slow on some CPUs).
AVX2 static inline __m256 loadHalf(const float *row, int full, __m256i lanes) {
    return full ? _mm256_loadu_ps(row) : _mm256_maskload_ps(row, lanes);
}
AVX2 static inline void storeHalf(float *row, int full, __m256i lanes, __m256 v) {
    if (full) _mm256_storeu_ps(row, v);
    else _mm256_maskstore_ps(row, lanes, v);
}

// The C tile at `c` (height × width inside C) ← α·(A panel · B panel) + β·C, then, when
// `finish` is set, + bias (offset to the tile) and rectified ← max(C, 0) with NaN kept.
// Element (r, p) of the A panel is a[r·rowStride + p·depthStride] (rows past `height` read
// the last row again, since an A read in place ends there); row p of the B panel holds the
// 16 floats at b + p·bStride, read through the lane masks of `width` when MASKED_B is set
// (a B read in place at the right edge of C). β = 0 never reads C.
AVX2 __attribute__((always_inline)) static inline void
microKernel(long depth, const float *restrict a, long rowStride, long depthStride, const float *restrict b, long bStride,
            const int MASKED_B, float *c, long ldc, long height, long width, float alpha, float beta,
            const Product *finish, const float *bias, float *rectified) {
    __m256i low = laneMask(width), high = laneMask(width - 8);
    __m256 acc[MR][2];
    long offsets[MR];
    for (int r = 0; r < MR; r++) {
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
        offsets[r] = (r < height ? r : height - 1) * rowStride;
    }
    for (int r = 0; r < height && depth > 32; r++) {  // C's rows arrive while the sums run
        _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + r * ldc + NR - 1), _MM_HINT_T0);
    }
    for (long p = 0; p < depth; p++) {
        __m256 b0 = MASKED_B ? _mm256_maskload_ps(b, low) : _mm256_loadu_ps(b);
        __m256 b1 = MASKED_B ? _mm256_maskload_ps(b + 8, high) : _mm256_loadu_ps(b + 8);
        for (int r = 0; r < MR; r++) {
            __m256 broadcast = _mm256_broadcast_ss(a + offsets[r]);
            acc[r][0] = _mm256_fmadd_ps(broadcast, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(broadcast, b1, acc[r][1]);
        }
        a += depthStride;
        b += bStride;
    }
    int full = width == NR;
    __m256 alphas = _mm256_set1_ps(alpha), betas = _mm256_set1_ps(beta), zero = _mm256_setzero_ps();
    __m256 bias0 = zero, bias1 = zero;
    if (finish && bias) bias0 = loadHalf(bias, full, low), bias1 = loadHalf(bias + 8, full, high);
    for (int r = 0; r < height; r++) {
        float *row = c + r * ldc;
        __m256 v0 = alpha == 1 ? acc[r][0] : _mm256_mul_ps(acc[r][0], alphas);
        __m256 v1 = alpha == 1 ? acc[r][1] : _mm256_mul_ps(acc[r][1], alphas);
        if (beta != 0) {
            v0 = _mm256_fmadd_ps(loadHalf(row, full, low), betas, v0);
            v1 = _mm256_fmadd_ps(loadHalf(row + 8, full, high), betas, v1);
        }
        if (finish) v0 = _mm256_add_ps(v0, bias0), v1 = _mm256_add_ps(v1, bias1);
        storeHalf(row, full, low, v0);
        storeHalf(row + 8, full, high, v1);
        if (finish && rectified) {
            float *out = rectified + r * finish->ldRectified;
            storeHalf(out, full, low, _mm256_blendv_ps(v0, zero, _mm256_cmp_ps(v0, zero, _CMP_LT_OQ)));
            storeHalf(out + 8, full, high, _mm256_blendv_ps(v1, zero, _mm256_cmp_ps(v1, zero, _CMP_LT_OQ)));
        }
    }
}

// Loops, outermost first: column blocks of NC, depth slices (op(B)'s block packed), row
// blocks of MC (op(A)'s block packed), NR-column panels of B, MR-row panels of A.
AVX2 static void computeBlock(const Product *p, long rowBegin, long rowEnd, long columnBegin, long columnEnd) {
    if (rowEnd <= rowBegin || columnEnd <= columnBegin) return;
    float *packedA, *packedB;
    backprop_gemm_pack_buffers(KC * MC + 2, KC * NC, &packedA, &packedB);
    int hasEpilogue = p->bias || p->rectified;
    for (long j0 = columnBegin; j0 < columnEnd; j0 += NC) {
        long columns = columnEnd - j0 < NC ? columnEnd - j0 : NC;
        long slices = (p->k + KC - 1) / KC, sliceDepth = (p->k + slices - 1) / slices;
        for (long p0 = 0; p0 < p->k; p0 += sliceDepth) {
            long depth = p->k - p0 < sliceDepth ? p->k - p0 : sliceDepth;
            float beta = p0 == 0 ? p->beta : 1.0f;
            const Product *finish = hasEpilogue && p0 + depth == p->k ? p : 0;
            packB(p->transposeB ? p->b + j0 * p->ldb + p0 : p->b + p0 * p->ldb + j0, p->ldb, p->transposeB,
                  depth, columns, packedB);
            for (long i0 = rowBegin; i0 < rowEnd; i0 += MC) {
                long rows = rowEnd - i0 < MC ? rowEnd - i0 : MC;
                for (long i = 0; i < rows; i += MR) {
                    long row = i0 + i;
                    packA(p->transposeA ? p->a + p0 * p->lda + row : p->a + row * p->lda + p0, p->lda, p->transposeA,
                          rows - i < MR ? rows - i : MR, depth, packedA + i * depth);
                }
                for (long j = 0; j < columns; j += NR) {
                    long column = j0 + j, width = columns - j < NR ? columns - j : NR;
                    const float *bias = p->bias ? p->bias + column : 0;
                    for (long i = 0; i < rows; i += MR) {
                        long row = i0 + i, height = rows - i < MR ? rows - i : MR;
                        float *rectified = p->rectified ? p->rectified + row * p->ldRectified + column : 0;
                        microKernel(depth, packedA + i * depth, 1, MR, packedB + j * depth, NR, 0,
                                    p->c + row * p->ldc + column, p->ldc, height, width, p->alpha, beta, finish, bias,
                                    rectified);
                    }
                }
            }
        }
    }
}

// Products with few rows or few columns and a transposed B (a dense layer's forward pass on a
// small batch, or into a narrow output layer): each element of C is the dot product of a row
// of A and a row of b, both contiguous, so nothing is packed. A block of rows × columns of C
// (8 elements: 4 × 2, 2 × 4 or 1 × 8) is summed in 8 vector accumulators along the depth,
// 8 products per lane, then reduced across lanes.
enum { DOT_ROW_LIMIT = 16, DOT_COLUMN_LIMIT = 16 };

// y[t] = the sum of the 8 lanes of x[t], for t in [0, 8).
AVX2 static inline __m256 sumLanes(const __m256 x[8]) {
    __m256 pairs[4], quads[2];
    for (int i = 0; i < 4; i++)  // per 128-bit lane: x2i(0+1), x2i(2+3), x2i+1(0+1), x2i+1(2+3)
        pairs[i] = _mm256_hadd_ps(x[2 * i], x[2 * i + 1]);
    for (int i = 0; i < 2; i++)  // per 128-bit lane: that lane's sums of x4i … x4i+3
        quads[i] = _mm256_hadd_ps(pairs[2 * i], pairs[2 * i + 1]);
    return _mm256_add_ps(_mm256_permute2f128_ps(quads[0], quads[1], 0x20), _mm256_permute2f128_ps(quads[0], quads[1], 0x31));
}

// C rows [i, i + height) × columns [j, j + width) (height ≤ R, width ≤ W, R·W = 8) as dot
// products of rows of A and rows of b, then α, β and the epilogue as in the micro-kernel.
// Rows and columns past the edge repeat the first one and are not stored.
AVX2 __attribute__((always_inline)) static inline void
dotBlock(const Product *p, long i, long height, long j, long width, const int R, const int W) {
    const float *rowsA[8], *rowsB[8];  // fixed sizes: R and W are constants at every call
    for (int r = 0; r < R; r++) rowsA[r] = p->a + (i + (r < height ? r : 0)) * p->lda;
    for (int c = 0; c < W; c++) rowsB[c] = p->b + (j + (c < width ? c : 0)) * p->ldb;
    __m256 acc[8];
    for (int t = 0; t < 8; t++) acc[t] = _mm256_setzero_ps();
    long depth = 0;
    for (; depth + 8 <= p->k; depth += 8) {
        __m256 a[8];
        for (int r = 0; r < R; r++) a[r] = _mm256_loadu_ps(rowsA[r] + depth);
        for (int c = 0; c < W; c++) {
            __m256 b = _mm256_loadu_ps(rowsB[c] + depth);
            for (int r = 0; r < R; r++) acc[r * W + c] = _mm256_fmadd_ps(a[r], b, acc[r * W + c]);
        }
    }
    if (depth < p->k) {  // the last k mod 8 depths; masked-off lanes read as zero
        __m256i lanes = laneMask(p->k - depth);
        __m256 a[8];
        for (int r = 0; r < R; r++) a[r] = _mm256_maskload_ps(rowsA[r] + depth, lanes);
        for (int c = 0; c < W; c++) {
            __m256 b = _mm256_maskload_ps(rowsB[c] + depth, lanes);
            for (int r = 0; r < R; r++) acc[r * W + c] = _mm256_fmadd_ps(a[r], b, acc[r * W + c]);
        }
    }
    __m256 sums = sumLanes(acc);  // lane r·W + c: element (i + r, j + c)
    __m256i columns = laneMask(width);
    __m256 alphas = _mm256_set1_ps(p->alpha), betas = _mm256_set1_ps(p->beta), zero = _mm256_setzero_ps();
    __m256 bias = p->bias ? _mm256_maskload_ps(p->bias + j, columns) : zero;
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int r = 0; r < height; r++) {
        float *row = p->c + (i + r) * p->ldc + j;
        __m256 rowSums = _mm256_permutevar8x32_ps(sums, _mm256_add_epi32(lane, _mm256_set1_epi32(r * W)));
        __m256 value = p->alpha == 1 ? rowSums : _mm256_mul_ps(rowSums, alphas);
        if (p->beta != 0) value = _mm256_fmadd_ps(_mm256_maskload_ps(row, columns), betas, value);
        if (p->bias) value = _mm256_add_ps(value, bias);
        _mm256_maskstore_ps(row, columns, value);
        if (p->rectified)
            _mm256_maskstore_ps(p->rectified + (i + r) * p->ldRectified + j, columns,
                                _mm256_blendv_ps(value, zero, _mm256_cmp_ps(value, zero, _CMP_LT_OQ)));
    }
}

#define DOT_BLOCKS(R, W)                                                                         \
    for (; i + R <= rowEnd; i += R)                                                               \
        for (long j = columnBegin; j < columnEnd; j += W)                                         \
            dotBlock(p, i, R, j, columnEnd - j < W ? columnEnd - j : W, R, W)

// Rows [rowBegin, rowEnd) × columns [columnBegin, columnEnd) of C by dot products: blocks of
// 4 × 2 while four rows remain when C is narrow, else 2 × 4 while two remain, then 1 × 8.
AVX2 static void dotProducts(const Product *p, long rowBegin, long rowEnd, long columnBegin, long columnEnd) {
    long i = rowBegin;
    if (p->n < DOT_COLUMN_LIMIT) DOT_BLOCKS(4, 2);
    DOT_BLOCKS(2, 4);
    DOT_BLOCKS(1, 8);
}

// Products of depth at most 128 with a row-major A and an untransposed B of at most 2²⁰
// floats (input gradients through a narrow layer, dZ·W): the micro-kernel reads A and the
// rows of B where they are, since packing would cost more than the few rank-1 updates it feeds.
enum { DIRECT_DEPTH_LIMIT = 128, DIRECT_B_LIMIT = 1 << 20 };

AVX2 static void directTiles(const Product *p, long rowBegin, long rowEnd, long columnBegin, long columnEnd) {
    const Product *finish = p->bias || p->rectified ? p : 0;
    for (long i = rowBegin; i < rowEnd; i += MR) {
        long height = rowEnd - i < MR ? rowEnd - i : MR;
        for (long j = columnBegin; j < columnEnd; j += NR) {
            long width = columnEnd - j < NR ? columnEnd - j : NR;
            const float *a = p->a + i * p->lda, *b = p->b + j;
            const float *bias = p->bias ? p->bias + j : 0;
            float *rectified = p->rectified ? p->rectified + i * p->ldRectified + j : 0;
            float *tile = p->c + i * p->ldc + j;
            if (width == NR)
                microKernel(p->k, a, p->lda, 1, b, p->ldb, 0, tile, p->ldc, height, width, p->alpha, p->beta, finish,
                            bias, rectified);
            else
                microKernel(p->k, a, p->lda, 1, b, p->ldb, 1, tile, p->ldc, height, width, p->alpha, p->beta, finish,
                            bias, rectified);
        }
    }
}

// How a product is computed: dot products of rows (a transposed B with few rows or columns
// of C), tiles reading B in place (a shallow product with a row-major A and an untransposed
// B), or packed blocks. A split cuts at whole dot-product blocks, or whole tiles.
void backprop_sgemm_avx2_run(Product *product, int threads) {
    if (!product->transposeA && product->transposeB
        && (product->m <= DOT_ROW_LIMIT || product->n < DOT_COLUMN_LIMIT))
        backprop_gemm_run_blocks(product, threads, 4, 8, SPLIT_LONGER_SIDE, dotProducts);
    else if (!product->transposeA && !product->transposeB && product->k <= DIRECT_DEPTH_LIMIT
             && product->k * product->n <= DIRECT_B_LIMIT)
        backprop_gemm_run_blocks(product, threads, MR, NR, SPLIT_LONGER_SIDE, directTiles);
    else
        backprop_gemm_run_blocks(product, threads, MR, NR, SPLIT_LONGER_SIDE, computeBlock);
}

#else

void backprop_sgemm_avx2_run(Product *product, int threads) { abort(); }

#endif
