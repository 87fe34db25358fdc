// Single-precision products computed in bfloat16: C ← α·op(A)·op(B) + β·C where every
// element of op(A) and op(B) is first rounded to bfloat16 (8 significant bits), the products
// of those and their sums in float32, by AVX-512 BF16's vdpbf16ps.
//
// vdpbf16ps takes pairs of bfloat16 in each 32-bit lane and adds both products of a pair to
// a float32 accumulator, so the depth is walked two at a time: the A panel holds, for each
// row and depth pair (2q, 2q + 1), one 32-bit word of two bfloat16; the B panel holds, for
// each depth pair, 32 such words, one per column. The micro-kernel keeps the same 12 × 32
// tile of float32 accumulators as the float32 kernel and stores it the same way (AVX512Tile.h);
// each of its vdpbf16ps does the work of two fused multiply-adds. Everything is packed (the
// rounding happens while packing), in depth slices of at most KC and column blocks of NC;
// an odd depth is padded with a zero.
//
// Rounding is to nearest even, subnormal inputs become signed zero and NaN stays NaN
// (backprop_round_to_bf16 is the same rule for one value). The sum over k runs in the same
// order for every element whatever the thread count.
#include "BackpropKernels.h"
#include "GEMMProduct.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint16_t bf16Bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7F800000u) == 0) return (uint16_t)((bits >> 16) & 0x8000u);       // zero, subnormal
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((bits >> 16) | 0x40u); // NaN, made quiet
    return (uint16_t)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

float backprop_round_to_bf16(float value) {
    uint32_t bits = (uint32_t)bf16Bits(value) << 16;
    float result;
    memcpy(&result, &bits, sizeof result);
    return result;
}

#if defined(__x86_64__)
#include "AVX512Tile.h"

// As the float32 kernel's blocking, measured on AMD Zen 4 with this kernel.
enum { MR = TILE_ROWS, NR = TILE_COLUMNS, KC = 400, NC = 256 };

#define BF16 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16,fma")))

// The 16 floats at `source` (lanes outside `lanes` read as zero) rounded to bfloat16, as
// bf16Bits does for one.
BF16 static inline __m256i roundSixteen(const float *source, __mmask16 lanes) {
    __m512i bits = _mm512_castps_si512(_mm512_maskz_loadu_ps(lanes, source));
    __m512i magnitude = _mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFFFF));
    __m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7FFF))), 16);
    __mmask16 nan = _mm512_cmpgt_epi32_mask(magnitude, _mm512_set1_epi32(0x7F800000));
    __mmask16 tiny = _mm512_testn_epi32_mask(bits, _mm512_set1_epi32(0x7F800000));
    __m512i high = _mm512_srli_epi32(bits, 16);
    rounded = _mm512_mask_or_epi32(rounded, nan, high, _mm512_set1_epi32(0x40));
    rounded = _mm512_mask_and_epi32(rounded, tiny, high, _mm512_set1_epi32(0x8000));
    return _mm512_cvtepi32_epi16(rounded);
}

// Words (x0[c], x1[c]) for c in [0, 16), x0 in the low half: two rows of 16 floats rounded
// and interleaved; lanes outside `lanes`, and all of x1 when it is NULL, are zero.
BF16 static inline __m512i interleaveRows(const float *x0, const float *x1, __mmask16 lanes) {
    __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(roundSixteen(x0, lanes)),
                                      x1 ? roundSixteen(x1, lanes) : _mm256_setzero_si256(), 1);
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                           23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, both);
}

// The `depth` contiguous floats at `row` rounded and paired: word q (elements 2q, 2q + 1; a
// zero after an odd depth) stored at out[q·stride].
BF16 static void pairRow(const float *row, long depth, uint32_t *out, long stride) {
    uint32_t words[16];
    for (long p = 0; p < depth; p += 32) {
        long count = depth - p;
        __m512i pairs = _mm512_inserti64x4(_mm512_castsi256_si512(roundSixteen(row + p, lowMask(count))),
                                           roundSixteen(row + p + 16, highMask(count)), 1);
        _mm512_storeu_si512(words, pairs);
        long wordCount = count >= 32 ? 16 : (count + 1) / 2;
        for (long q = 0; q < wordCount; q++) out[(p / 2 + q) * stride] = words[q];
    }
}

// A panel of `height` ≤ MR rows × `depth` of op(A): word (q, r) at q·MR + r, rows past
// `height` zero.
BF16 static void packA(const float *a, long lda, int transposed, long height, long depth, uint32_t *out) {
    long pairs = (depth + 1) / 2;
    if (transposed) {  // op(A)(r, p) = a[p·lda + r]: rows 2q and 2q + 1 of a, interleaved
        for (long q = 0; q < pairs; q++) {
            const float *second = 2 * q + 1 < depth ? a + (2 * q + 1) * lda : 0;
            _mm512_mask_storeu_epi32(out + q * MR, (__mmask16)((1u << MR) - 1),
                                     interleaveRows(a + 2 * q * lda, second, lowMask(height)));
        }
    } else {  // each row of op(A) is contiguous
        for (long r = 0; r < MR; r++) {
            if (r < height) pairRow(a + r * lda, depth, out + r, MR);
            else for (long q = 0; q < pairs; q++) out[q * MR + r] = 0;
        }
    }
}

// Rows [0, depth) × columns [0, columns) of op(B) in panels of NR columns: word (q, c) of a
// panel at q·NR + c; columns past `columns` zero.
BF16 static void packB(const float *b, long ldb, int transposed, long depth, long columns, uint32_t *out) {
    long pairs = (depth + 1) / 2;
    for (long j0 = 0; j0 < columns; j0 += NR) {
        long width = columns - j0 < NR ? columns - j0 : NR;
        if (!transposed) {  // op(B)(p, j) = b[p·ldb + j]: rows 2q and 2q + 1, interleaved
            for (long q = 0; q < pairs; q++) {
                const float *first = b + 2 * q * ldb + j0;
                const float *second = 2 * q + 1 < depth ? first + ldb : 0;
                _mm512_store_si512(out + q * NR, interleaveRows(first, second, lowMask(width)));
                _mm512_store_si512(out + q * NR + 16, interleaveRows(first + 16, second ? second + 16 : 0, highMask(width)));
            }
        } else {  // op(B)(p, j) = b[j·ldb + p]: each column of op(B) is contiguous
            for (long c = 0; c < NR; c++) {
                if (c < width) pairRow(b + (j0 + c) * ldb, depth, out + c, NR);
                else for (long q = 0; q < pairs; q++) out[q * NR + c] = 0;
            }
        }
        out += NR * pairs;
    }
}

// The C tile ← α·(A panel · B panel) + β·C (+ the epilogue), over `pairs` depth pairs.
BF16 __attribute__((always_inline)) static inline void
microKernel(long pairs, const uint32_t *restrict a, const uint32_t *restrict b, float *c, long ldc, long height,
            long width, float alpha, float beta, const Epilogue *epilogue, const int ROWS) {
    __m512 acc[MR][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < ROWS; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (long q = 0; q < pairs; q++) {
        __m512bh b0 = (__m512bh)_mm512_load_si512(b), b1 = (__m512bh)_mm512_load_si512(b + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < ROWS; r++) {
            __m512bh broadcast = (__m512bh)_mm512_set1_epi32((int)a[r]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], broadcast, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], broadcast, b1);
        }
        a += MR;
        b += NR;
    }
    storeTile(acc, c, ldc, height, width, alpha, beta, epilogue, ROWS);
}

BF16 static void tile(long pairs, const uint32_t *a, const uint32_t *b, float *c, long ldc, long height, long width,
                      float alpha, float beta, const Epilogue *epilogue) {
#define TILE(rows) microKernel(pairs, a, b, c, ldc, height, width, alpha, beta, epilogue, rows)
    BY_HEIGHT(TILE);
#undef TILE
}

// Loops, outermost first: column blocks of NC, depth slices of at most KC, MR-row panels
// of A, NR-column panels of B.
BF16 static void computeBlock(const Product *p, long rowBegin, long rowEnd, long columnBegin, long columnEnd) {
    if (rowEnd <= rowBegin || columnEnd <= columnBegin) return;
    float *bufferA, *bufferB;
    backprop_gemm_pack_buffers(KC * MR, KC * NC, &bufferA, &bufferB);
    uint32_t *packedA = (uint32_t *)bufferA, *packedB = (uint32_t *)bufferB;
    for (long j0 = columnBegin; j0 < columnEnd; j0 += NC) {
        long columns = columnEnd - j0 < NC ? columnEnd - j0 : NC;
        long slices = (p->k + KC - 1) / KC, sliceDepth = (p->k + slices - 1) / slices;
        sliceDepth += sliceDepth & 1;  // even, so that only the last slice has a padded pair
        for (long p0 = 0; p0 < p->k; p0 += sliceDepth) {
            long depth = p->k - p0 < sliceDepth ? p->k - p0 : sliceDepth, pairs = (depth + 1) / 2;
            float beta = p0 == 0 ? p->beta : 1.0f;
            int lastSlice = p0 + depth == p->k;
            packB(p->transposeB ? p->b + j0 * p->ldb + p0 : p->b + p0 * p->ldb + j0, p->ldb, p->transposeB,
                  depth, columns, packedB);
            for (long i = rowBegin; i < rowEnd; i += MR) {
                long height = rowEnd - i < MR ? rowEnd - i : MR;
                packA(p->transposeA ? p->a + p0 * p->lda + i : p->a + i * p->lda + p0, p->lda, p->transposeA,
                      height, depth, packedA);
                for (long j = 0; j < columns; j += NR) {
                    Epilogue storage;
                    const Epilogue *finish = lastSlice
                        ? tileEpilogue(p->bias, p->rectified, p->ldRectified, i, j0 + j, &storage) : 0;
                    tile(pairs, packedA, packedB + j * pairs, p->c + i * p->ldc + j0 + j, p->ldc, height,
                         columns - j < NR ? columns - j : NR, p->alpha, beta, finish);
                }
            }
        }
    }
}

void backprop_sgemm_bf16_run(Product *product, int threads) {
    backprop_gemm_run_blocks(product, threads, MR, NR, SPLIT_LONGER_SIDE, computeBlock);
}

#else

void backprop_sgemm_bf16_run(Product *product, int threads) { abort(); }

#endif
