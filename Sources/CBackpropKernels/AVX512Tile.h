#ifndef BACKPROP_AVX512_TILE_H
#define BACKPROP_AVX512_TILE_H

// The register tile the AVX-512 micro-kernels (float32 and bfloat16 products) accumulate
// in, TILE_ROWS × TILE_COLUMNS floats in 2·TILE_ROWS vector registers, and how a finished
// tile is stored. Included by the kernel files only, on x86-64.
#include <immintrin.h>

enum { TILE_ROWS = 12, TILE_COLUMNS = 32 };

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))

static inline __mmask16 lowMask(long width) { return (__mmask16)(width >= 16 ? 0xFFFF : (1u << width) - 1); }
static inline __mmask16 highMask(long width) { return width <= 16 ? 0 : lowMask(width - 16); }

// What the last depth slice adds when it stores a tile: a bias per column of C and the
// rectified copy max(C, 0) of the result (NaN kept), each when its pointer is set. The
// pointers are already offset to the tile.
typedef struct {
    const float *bias;
    float *rectified;
    long ldRectified;
} Epilogue;

// C tile (height × width, at most ROWS × TILE_COLUMNS) ← α·acc + β·C (+ the epilogue when
// given). β = 0 never reads C, so whatever C held (even NaN) is overwritten.
AVX512 __attribute__((always_inline)) static inline void
storeTile(__m512 acc[TILE_ROWS][2], float *c, long ldc, long height, long width, float alpha, float beta,
          const Epilogue *epilogue, const int ROWS) {
    __mmask16 low = lowMask(width), high = highMask(width);
    __m512 alphas = _mm512_set1_ps(alpha);
    __m512 betas = _mm512_set1_ps(beta);
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
    if (epilogue && epilogue->bias) {
        bias0 = _mm512_maskz_loadu_ps(low, epilogue->bias);
        bias1 = _mm512_maskz_loadu_ps(high, epilogue->bias + 16);
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < ROWS; r++) {
        if (r < height) {
            float *row = c + r * ldc;
            __m512 v0 = alpha == 1 ? acc[r][0] : _mm512_mul_ps(acc[r][0], alphas);
            __m512 v1 = alpha == 1 ? acc[r][1] : _mm512_mul_ps(acc[r][1], alphas);
            if (beta != 0) {
                v0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(low, row), betas, v0);
                v1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(high, row + 16), betas, v1);
            }
            if (epilogue) {
                v0 = _mm512_add_ps(v0, bias0);
                v1 = _mm512_add_ps(v1, bias1);
            }
            _mm512_mask_storeu_ps(row, low, v0);
            _mm512_mask_storeu_ps(row + 16, high, v1);
            if (epilogue && epilogue->rectified) {
                __m512 zero = _mm512_setzero_ps();
                float *rectified = epilogue->rectified + r * epilogue->ldRectified;
                _mm512_mask_storeu_ps(rectified, low, _mm512_mask_mov_ps(v0, _mm512_cmp_ps_mask(v0, zero, _CMP_LT_OQ), zero));
                _mm512_mask_storeu_ps(rectified + 16, high, _mm512_mask_mov_ps(v1, _mm512_cmp_ps_mask(v1, zero, _CMP_LT_OQ), zero));
            }
        }
    }
}

// The epilogue of the tile at row i, column j of C, or NULL when the product has none.
static inline const Epilogue *tileEpilogue(const float *bias, float *rectified, long ldRectified, long i, long j,
                                           Epilogue *storage) {
    if (!bias && !rectified) return 0;
    *storage = (Epilogue){ bias ? bias + j : 0, rectified ? rectified + i * ldRectified + j : 0, ldRectified };
    return storage;
}

// The micro-kernel with as few rows as cover `height` (4, 8 or TILE_ROWS): a remainder
// panel, such as the last 4 rows of 256 = 21 × 12 + 4, does not pay for a full tile.
#define BY_HEIGHT(call)                   \
    do {                                  \
        if (height <= 4) call(4);         \
        else if (height <= 8) call(8);    \
        else call(TILE_ROWS);             \
    } while (0)

#endif
