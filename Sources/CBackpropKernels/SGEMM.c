// Single-precision matrix multiplication with AVX-512 micro-kernels:
// C ← α·op(A)·op(B) + β·C on row-major matrices.
//
// The micro-kernel keeps a tile of up to MR × 32 of C in 2·MR vector registers and adds one
// rank-1 update per k: two 16-float loads of B, MR broadcasts of A, 2·MR fused multiply-adds.
// It runs in one of two ways:
// - blocked: the classic scheme. The k dimension is cut into slices of KC; for each slice
//   a block of op(B) is copied ("packed") into panels of NR = 32 columns and a block of
//   op(A) into panels of MR rows, so the micro-kernel reads both with unit stride (a
//   row-major A whose rows fall into different cache sets is read where it is instead);
// - direct: when B is not transposed and fits in cache, the micro-kernel reads op(A) and the
//   rows of B where they are.
// A product with a transposed B and few rows or columns of C (a dense layer's forward pass
// on a small batch or into a narrow layer) is computed as dot products of rows instead.
// Partial tiles at the edges are zero-padded or masked and stored through masks.
//
// The sum over k runs in the same order for every element whatever the thread count, so
// results do not depend on how many threads share the work.
#include "GEMMProduct.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include "AVX512Tile.h"

// Tile and block sizes: MR × NR accumulators (24 of the 32 vector registers), an A panel
// at most KC deep (19 KiB) that stays in L1 while B panels stream past it, a block of B
// at most KC × NC (1.6 MiB, in L2 and L3): n ≤ 1024 packs A once per slice, not once per
// 256 columns, which measured 4–8 % faster on 1024-wide layers. The depth is cut into equal slices of at most
// KC (784 = 2 × 392 rather than 384 + 384 + 16: every slice rewrites C once).
// These sizes were measured on AMD Zen 4 and serve every AVX-512 CPU until measured on it
// (see Benchmarks/README.md).
enum { MR = TILE_ROWS, NR = TILE_COLUMNS, KC = 400, NC = 1024 };

// Copies `height` ≤ MR rows × `depth` columns of op(A) into one panel, rows past
// `height` zero. A transposed A (op(A)(r, p) = a[p·lda + r]) is stored depth-major, element
// (r, p) at p·MR + r; a row-major A row by row, element (r, p) at r·depth + p: twelve
// sequential copies, which the hardware prefetches well when A comes from memory.
AVX512 static void packA(const float *a, long lda, int transposed, long height, long depth, float *out) {
    if (transposed) {
        __mmask16 rows = lowMask(height);
        for (long p = 0; p < depth; p++)
            _mm512_mask_storeu_ps(out + p * MR, (__mmask16)((1u << MR) - 1), _mm512_maskz_loadu_ps(rows, a + p * lda));
    } else {
        for (long r = 0; r < MR; r++) {
            if (r < height)
                memcpy(out + r * depth, a + r * lda, (size_t)depth * sizeof(float));
            else
                memset(out + r * depth, 0, (size_t)depth * sizeof(float));
        }
    }
}

// Transposes the 16 × 16 block held in r[0…15] (row i in r[i]) in place.
AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {  // interleave pairs of rows: 2 × 2 blocks
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {  // 4 × 4 blocks
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {  // 8 × 8 blocks: 128-bit lanes of rows 4 apart
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
    }
    for (int i = 0; i < 8; i++) {  // 16 × 16: lanes of rows 8 apart
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    }
}

// Packs 16 columns [0, width ≤ 16) of a transposed B (op(B)(p, j) = b[j·ldb + p]) for
// depths [0, depth) into out[p·NR + c]; columns past `width` are zero. Blocks of 16 depths
// are loaded as 16 rows of b (rows past `width` and depths past `depth` read as zero) and
// transposed in registers.
AVX512 static void packTransposedColumns(const float *b, long ldb, long depth, long width, float *out) {
    for (long p = 0; p < depth; p += 16) {
        __mmask16 depths = lowMask(depth - p);
        __m512 r[16];
        for (int c = 0; c < 16; c++)
            r[c] = c < width ? _mm512_maskz_loadu_ps(depths, b + c * ldb + p) : _mm512_setzero_ps();
        transpose16(r);
        long count = depth - p < 16 ? depth - p : 16;
        for (int q = 0; q < count; q++) _mm512_store_ps(out + (p + q) * NR, r[q]);
    }
}

// Packs rows [0, depth) × columns [0, columns) of op(B) into panels of NR columns: within
// a panel, element (p, c) sits at p·NR + c. Columns past `columns` are zero.
AVX512 static void packB(const float *b, long ldb, int transposed, long depth, long columns, float *out) {
    for (long j0 = 0; j0 < columns; j0 += NR) {
        long width = columns - j0 < NR ? columns - j0 : NR;
        if (!transposed) {  // op(B)(p, j) = b[p·ldb + j]: each p is a contiguous run of columns
            __mmask16 low = lowMask(width), high = highMask(width);
            for (long p = 0; p < depth; p++) {
                const float *source = b + p * ldb + j0;
                _mm512_store_ps(out + p * NR, _mm512_maskz_loadu_ps(low, source));
                _mm512_store_ps(out + p * NR + 16, _mm512_maskz_loadu_ps(high, source + 16));
            }
        } else {  // op(B)(p, j) = b[j·ldb + p]: two blocks of 16 rows of b, transposed
            packTransposedColumns(b + j0 * ldb, ldb, depth, width < 16 ? width : 16, out);
            packTransposedColumns(b + (j0 + 16) * ldb, ldb, depth, width <= 16 ? 0 : width - 16, out + 16);
        }
        out += NR * depth;
    }
}

// C tile (height × width, at most ROWS × NR) ← α·(A panel · B panel) + β·C (+ the epilogue
// when given, see storeTile), where element (r, p) of the A panel is
// a[r·rowStride + p·depthStride] and row p of the B panel holds the 32 floats at
// b + p·bStride, lanes outside bLow/bHigh read as zero (a packed panel: bStride NR, all lanes).
AVX512 __attribute__((always_inline)) static inline void
microKernel(long depth, const float *restrict a, long rowStride, long depthStride, const float *restrict b,
            long bStride, __mmask16 bLow, __mmask16 bHigh, float *c, long ldc, long height, long width,
            float alpha, float beta, const Epilogue *epilogue, const int ROWS) {
    __m512 acc[MR][2];  // a fixed size (not ROWS) keeps it in registers without a stack frame
    // Rows past `height` are computed but never stored; they read the last row again, since
    // an A read in place (the direct tiles) ends there.
    long offsets[MR];
#pragma clang loop unroll(full)
    for (int r = 0; r < ROWS; r++) {
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        offsets[r] = (r < height ? r : height - 1) * rowStride;
    }

    for (long p = 0; p < depth; p++) {
        __m512 b0 = _mm512_maskz_loadu_ps(bLow, b);
        __m512 b1 = _mm512_maskz_loadu_ps(bHigh, b + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < ROWS; r++) {
            __m512 broadcast = _mm512_set1_ps(a[offsets[r]]);
            acc[r][0] = _mm512_fmadd_ps(broadcast, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(broadcast, b1, acc[r][1]);
        }
        a += depthStride;
        b += bStride;
    }

    storeTile(acc, c, ldc, height, width, alpha, beta, epilogue, ROWS);
}

// The kernel on a packed A panel (element (r, p) at p·MR + r).
AVX512 static void packedKernel(long depth, const float *a, const float *b, float *c, long ldc,
                                long height, long width, float alpha, float beta, const Epilogue *epilogue) {
#define PACKED(rows) \
    microKernel(depth, a, 1, MR, b, NR, 0xFFFF, 0xFFFF, c, ldc, height, width, alpha, beta, epilogue, rows)
    BY_HEIGHT(PACKED);
#undef PACKED
}

// The kernel on an A panel stored row by row (element (r, p) at r·rowStride + p): copied
// (rowStride = depth) or read where it is (rowStride = lda).
AVX512 static void rowsKernel(long depth, const float *a, long rowStride, const float *b, float *c, long ldc,
                              long height, long width, float alpha, float beta, const Epilogue *epilogue) {
#define ROWS(rows) \
    microKernel(depth, a, rowStride, 1, b, NR, 0xFFFF, 0xFFFF, c, ldc, height, width, alpha, beta, epilogue, rows)
    BY_HEIGHT(ROWS);
#undef ROWS
}

static const Epilogue *epilogueAt(const Product *p, long i, long j, Epilogue *storage) {
    return tileEpilogue(p->bias, p->rectified, p->ldRectified, i, j, storage);
}

// Whether the MR rows of a row-major A, `lda` floats apart, start in MR different sets of a
// 64-set L1 cache (64-byte lines, 4 KiB per way, as on every x86-64 CPU with AVX-512): lda a
// multiple of 16 whose line count is odd (784 = 49 lines), or lda not a multiple of 16. Then
// the micro-kernel reads the A panel where it is; otherwise (lda = 1024: every row in one
// set) it copies the panel first, since rows that share sets evict each other.
static int rowsSpreadOverL1(long lda) { return lda % 16 != 0 || (lda / 16) % 2 == 1; }

// Loops, outermost first: column blocks of NC, depth slices of at most KC (op(B)'s block packed
// once per slice, sized for L2), MR-row panels of A (copied into a panel that stays in L1, or
// read in place, see rowsSpreadOverL1), NR-column panels of B.
AVX512 static void computeBlock(const Product *p, long rowBegin, long rowEnd, long columnBegin, long columnEnd) {
    if (rowEnd <= rowBegin || columnEnd <= columnBegin) return;
    float *packedA, *packedB;
    backprop_gemm_pack_buffers(KC * MR, KC * NC, &packedA, &packedB);
    int inPlaceA = !p->transposeA && rowsSpreadOverL1(p->lda);

    for (long j0 = columnBegin; j0 < columnEnd; j0 += NC) {
        long columns = columnEnd - j0 < NC ? columnEnd - j0 : NC;
        long slices = (p->k + KC - 1) / KC, sliceDepth = (p->k + slices - 1) / slices;
        for (long p0 = 0; p0 < p->k; p0 += sliceDepth) {
            long depth = p->k - p0 < sliceDepth ? p->k - p0 : sliceDepth;
            float beta = p0 == 0 ? p->beta : 1.0f;
            int lastSlice = p0 + depth == p->k;
            const float *sourceB = p->transposeB ? p->b + j0 * p->ldb + p0 : p->b + p0 * p->ldb + j0;
            packB(sourceB, p->ldb, p->transposeB, depth, columns, packedB);
            for (long i = rowBegin; i < rowEnd; i += MR) {
                long height = rowEnd - i < MR ? rowEnd - i : MR;
                const float *sourceA = p->transposeA ? p->a + p0 * p->lda + i : p->a + i * p->lda + p0;
                if (!inPlaceA) packA(sourceA, p->lda, p->transposeA, height, depth, packedA);
                for (long j = 0; j < columns; j += NR) {
                    long width = columns - j < NR ? columns - j : NR;
                    float *tile = p->c + i * p->ldc + j0 + j;
                    Epilogue storage;
                    const Epilogue *finish = lastSlice ? epilogueAt(p, i, j0 + j, &storage) : 0;
                    if (p->transposeA)
                        packedKernel(depth, packedA, packedB + j * depth, tile, p->ldc, height, width, p->alpha, beta, finish);
                    else
                        rowsKernel(depth, inPlaceA ? sourceA : packedA, inPlaceA ? p->lda : depth, packedB + j * depth,
                                   tile, p->ldc, height, width, p->alpha, beta, finish);
                }
            }
        }
    }
}

// Products with few rows or few columns and a transposed B (a dense layer's forward pass on a
// small batch, or into a narrow output layer): each element of C is the dot product of a row
// of A and a row of b, both contiguous, so nothing is packed. A block of rows × columns of C
// (16 elements: 4 × 4, 2 × 8, 1 × 16, or 8 × 2 for narrow C) is summed in 16 vector
// accumulators along the depth, 16 products per lane, then reduced across lanes.
enum { DOT_ROW_LIMIT = 16, DOT_COLUMN_LIMIT = 16 };

// y[t] = the sum of the 16 lanes of x[t], for t in [0, 16).
AVX512 static inline __m512 sumLanes(const __m512 x[16]) {
    __m512 pairs[8], quads[4], halves[2];
    for (int i = 0; i < 8; i++)  // per 128-bit lane: x2i(0+2), x2i+1(0+2), x2i(1+3), x2i+1(1+3)
        pairs[i] = _mm512_add_ps(_mm512_unpacklo_ps(x[2 * i], x[2 * i + 1]), _mm512_unpackhi_ps(x[2 * i], x[2 * i + 1]));
    for (int i = 0; i < 4; i++)  // per 128-bit lane: that lane's sums of x4i … x4i+3
        quads[i] = _mm512_add_ps(_mm512_shuffle_ps(pairs[2 * i], pairs[2 * i + 1], 0x44),
                                 _mm512_shuffle_ps(pairs[2 * i], pairs[2 * i + 1], 0xEE));
    for (int i = 0; i < 2; i++)  // 128-bit lanes: x8i…+3 and x8i+4…+7, each as two partial sums
        halves[i] = _mm512_add_ps(_mm512_shuffle_f32x4(quads[2 * i], quads[2 * i + 1], 0x88),
                                  _mm512_shuffle_f32x4(quads[2 * i], quads[2 * i + 1], 0xDD));
    return _mm512_add_ps(_mm512_shuffle_f32x4(halves[0], halves[1], 0x88),
                         _mm512_shuffle_f32x4(halves[0], halves[1], 0xDD));
}

// C rows [i, i + height) × columns [j, j + width) (height ≤ R, width ≤ W, R·W ≤ 16) as dot
// products of rows of A and rows of b, then α, β and the epilogue as in the micro-kernel.
// Rows and columns past the edge repeat the first one and are not stored.
AVX512 __attribute__((always_inline)) static inline void
dotBlock(const Product *p, long i, long height, long j, long width, const int R, const int W) {
    const float *rowsA[16], *rowsB[16];  // fixed sizes: R and W are constants at every call
    for (int r = 0; r < R; r++) rowsA[r] = p->a + (i + (r < height ? r : 0)) * p->lda;
    for (int c = 0; c < W; c++) rowsB[c] = p->b + (j + (c < width ? c : 0)) * p->ldb;
    __m512 acc[16];
    for (int t = 0; t < 16; t++) acc[t] = _mm512_setzero_ps();
    long depth = 0;
    for (; depth + 16 <= p->k; depth += 16) {
        __m512 a[16];
        for (int r = 0; r < R; r++) a[r] = _mm512_loadu_ps(rowsA[r] + depth);
        for (int c = 0; c < W; c++) {
            __m512 b = _mm512_loadu_ps(rowsB[c] + depth);
            for (int r = 0; r < R; r++) acc[r * W + c] = _mm512_fmadd_ps(a[r], b, acc[r * W + c]);
        }
    }
    if (depth < p->k) {  // the last k mod 16 depths; masked-off lanes read as zero
        __mmask16 lanes = lowMask(p->k - depth);
        __m512 a[16];
        for (int r = 0; r < R; r++) a[r] = _mm512_maskz_loadu_ps(lanes, rowsA[r] + depth);
        for (int c = 0; c < W; c++) {
            __m512 b = _mm512_maskz_loadu_ps(lanes, rowsB[c] + depth);
            for (int r = 0; r < R; r++) acc[r * W + c] = _mm512_fmadd_ps(a[r], b, acc[r * W + c]);
        }
    }
    __m512 sums = sumLanes(acc);  // lane r·W + c: element (i + r, j + c)
    __mmask16 columns = lowMask(width);
    __m512 alphas = _mm512_set1_ps(p->alpha), betas = _mm512_set1_ps(p->beta), zero = _mm512_setzero_ps();
    __m512 bias = p->bias ? _mm512_maskz_loadu_ps(columns, p->bias + j) : zero;
    __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int r = 0; r < height; r++) {
        float *row = p->c + (i + r) * p->ldc + j;
        __m512 rowSums = _mm512_permutexvar_ps(_mm512_add_epi32(lane, _mm512_set1_epi32(r * W)), sums);
        __m512 value = p->alpha == 1 ? rowSums : _mm512_mul_ps(rowSums, alphas);
        if (p->beta != 0) value = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(columns, row), betas, value);
        if (p->bias) value = _mm512_add_ps(value, bias);
        _mm512_mask_storeu_ps(row, columns, value);
        if (p->rectified)
            _mm512_mask_storeu_ps(p->rectified + (i + r) * p->ldRectified + j, columns,
                                  _mm512_mask_mov_ps(value, _mm512_cmp_ps_mask(value, zero, _CMP_LT_OQ), zero));
    }
}

#define DOT_BLOCKS(R, W)                                                                         \
    for (; i + R <= rowEnd; i += R)                                                               \
        for (long j = columnBegin; j < columnEnd; j += W)                                         \
            dotBlock(p, i, R, j, columnEnd - j < W ? columnEnd - j : W, R, W)

// Rows [rowBegin, rowEnd) × columns [columnBegin, columnEnd) of C by dot products: blocks of
// 8 × 2 while eight rows remain when C is narrow, 4 × 4 while four rows remain, then 2 × 8
// and 1 × 16.
AVX512 static void dotProducts(const Product *p, long rowBegin, long rowEnd, long columnBegin, long columnEnd) {
    long i = rowBegin;
    if (p->n < DOT_COLUMN_LIMIT) DOT_BLOCKS(8, 2);
    DOT_BLOCKS(4, 4);
    DOT_BLOCKS(2, 8);
    DOT_BLOCKS(1, 16);
}

// Products with an untransposed B of at most 2¹⁸ floats (1 MiB, the size of L2): weight
// gradients dZᵀ·X (a transposed A) and products of depth at most 128 (input gradients
// through a narrow layer). The micro-kernel reads op(A) and rows of B where they are, the
// whole depth at once: for such products packing cost more than it saved, while a larger B,
// streamed from L3 once per 12 rows (the weight gradient at batch 1024), loses to the
// blocked kernel.
enum { DIRECT_DEPTH_LIMIT = 128, DIRECT_B_LIMIT = 1 << 18 };

AVX512 static void directTiles(const Product *p, long rowBegin, long rowEnd, long columnBegin, long columnEnd) {
    long rowStride = p->transposeA ? 1 : p->lda, depthStride = p->transposeA ? p->lda : 1;
    for (long i = rowBegin; i < rowEnd; i += MR) {
        long height = rowEnd - i < MR ? rowEnd - i : MR;
        const float *a = p->a + i * rowStride;
        for (long j = columnBegin; j < columnEnd; j += NR) {
            long width = columnEnd - j < NR ? columnEnd - j : NR;
            Epilogue storage;
            const Epilogue *epilogue = epilogueAt(p, i, j, &storage);
#define DIRECT(rows)                                                                                   \
    microKernel(p->k, a, rowStride, depthStride, p->b + j, p->ldb, lowMask(width), highMask(width),     \
                p->c + i * p->ldc + j, p->ldc, height, width, p->alpha, p->beta, epilogue, rows)
            BY_HEIGHT(DIRECT);
#undef DIRECT
        }
    }
}

// How a product is computed: dot products of rows (a transposed B with few rows or columns
// of C), tiles reading A and B in place (an untransposed B that fits in cache), or packed
// blocks. A split cuts at whole dot-product blocks, or whole tiles; the direct tiles of a weight
// gradient are shared by rows (the rows each thread's half of the optimiser update reads:
// 2 % of a 784-256-10 step at batch 128), while the blocked loop keeps the longer side, since
// sharing rows there would have each thread pack all of B (5 % slower at batch 1024).
void backprop_sgemm_avx512_run(Product *product, int threads) {
    if (!product->transposeA && product->transposeB
        && (product->m <= DOT_ROW_LIMIT || product->n < DOT_COLUMN_LIMIT))
        backprop_gemm_run_blocks(product, threads, 8, 16, SPLIT_LONGER_SIDE, dotProducts);
    else if (!product->transposeB && product->k * product->n <= DIRECT_B_LIMIT
             && (product->transposeA || product->k <= DIRECT_DEPTH_LIMIT))
        backprop_gemm_run_blocks(product, threads, MR, NR, SPLIT_GRADIENT_ROWS, directTiles);
    else
        backprop_gemm_run_blocks(product, threads, MR, NR, SPLIT_LONGER_SIDE, computeBlock);
}

#else

void backprop_sgemm_avx512_run(Product *product, int threads) { abort(); }

#endif
