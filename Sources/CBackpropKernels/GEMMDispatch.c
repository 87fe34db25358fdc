// The public single-precision products: argument checks, the variant each call names, the
// per-thread packing buffers and the two-thread split every variant uses.
#include "BackpropKernels.h"
#include "GEMMProduct.h"
#include "ThreadPool.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct {
    float *a;
    long aCapacity;
    float *b;
    long bCapacity;
} PackBuffers;

static pthread_key_t buffersKey;
static pthread_once_t buffersKeyOnce = PTHREAD_ONCE_INIT;

static void freeBuffers(void *pointer) {
    PackBuffers *buffers = pointer;
    free(buffers->a);
    free(buffers->b);
    free(buffers);
}

static void makeBuffersKey(void) {
    if (pthread_key_create(&buffersKey, freeBuffers) != 0) abort();
}

static float *reserve(float **buffer, long *capacity, long count) {
    if (count > *capacity) {
        free(*buffer);
        *buffer = aligned_alloc(64, (size_t)((count * sizeof(float) + 63) / 64 * 64));
        *capacity = *buffer ? count : 0;
    }
    return *buffer;
}

void backprop_gemm_pack_buffers(long aCount, long bCount, float **a, float **b) {
    pthread_once(&buffersKeyOnce, makeBuffersKey);
    PackBuffers *buffers = pthread_getspecific(buffersKey);
    if (!buffers) {
        buffers = calloc(1, sizeof(PackBuffers));
        if (!buffers || pthread_setspecific(buffersKey, buffers) != 0) abort();
    }
    *a = reserve(&buffers->a, &buffers->aCapacity, aCount);
    *b = reserve(&buffers->b, &buffers->bCapacity, bCount);
    if (!*a || !*b) abort();
}

// Runs the variant's block over the rows and columns of C that part `part` computes.
static void computePart(void *context, int part) {
    const Product *p = context;
    long rowBegin = 0, rowEnd = p->m, columnBegin = 0, columnEnd = p->n;
    if (p->splitColumns)
        backprop_part_range(p->n, p->splitUnit, p->parts, part, &columnBegin, &columnEnd);
    else
        backprop_part_range(p->m, p->splitUnit, p->parts, part, &rowBegin, &rowEnd);
    p->block(p, rowBegin, rowEnd, columnBegin, columnEnd);
}

void backprop_gemm_run_blocks(Product *p, int threads, long rowUnit, long columnUnit, SplitRule rule,
                              ProductBlock block) {
    int gradientRows = rule == SPLIT_GRADIENT_ROWS && p->transposeA && p->m >= 2 * rowUnit;
    p->splitColumns = gradientRows ? 0 : p->n >= p->m;
    p->splitUnit = p->splitColumns ? columnUnit : rowUnit;
    p->block = block;
    long units = ((p->splitColumns ? p->n : p->m) + p->splitUnit - 1) / p->splitUnit;
    p->parts = threads > 1 && units >= 2 ? 2 : 1;
    backprop_run_split(computePart, p, &p->parts);
}

int backprop_sgemm_variant_available(int variant) {
#if defined(__x86_64__)
    int features = backprop_cpu_features();
    switch (variant) {
    case BACKPROP_SGEMM_AVX512: return (features & BACKPROP_CPU_AVX512) != 0;
    case BACKPROP_SGEMM_AVX2: return (features & BACKPROP_CPU_AVX2_FMA) != 0;
    case BACKPROP_SGEMM_AVX512_BF16: return (features & BACKPROP_CPU_AVX512_BF16) != 0;
    }
#endif
    return 0;
}

// The epilogue alone, for a product with no depth: C ← β·C + bias, rectified ← max(C, 0).
static void finishEmptyProduct(const Product *p) {
    for (long i = 0; i < p->m; i++) {
        for (long j = 0; j < p->n; j++) {
            float value = p->beta == 0 ? 0 : p->beta * p->c[i * p->ldc + j];
            if (p->bias) value += p->bias[j];
            p->c[i * p->ldc + j] = value;
            if (p->rectified) p->rectified[i * p->ldRectified + j] = value < 0 ? 0 : value;
        }
    }
}

static void multiply(int variant, Product *product, int threads) {
    if (!backprop_sgemm_variant_available(variant)) abort();
    if (product->m <= 0 || product->n <= 0) return;
    if (product->k <= 0) {
        finishEmptyProduct(product);
        return;
    }
    switch (variant) {
    case BACKPROP_SGEMM_AVX512: backprop_sgemm_avx512_run(product, threads); break;
    case BACKPROP_SGEMM_AVX2: backprop_sgemm_avx2_run(product, threads); break;
    case BACKPROP_SGEMM_AVX512_BF16: backprop_sgemm_bf16_run(product, threads); break;
    default: abort();
    }
}

void backprop_sgemm(int variant, int transposeA, int transposeB, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                    int threads) {
    Product product = {
        .transposeA = transposeA, .transposeB = transposeB, .m = m, .n = n, .k = k,
        .alpha = alpha, .beta = beta, .a = a, .lda = lda, .b = b, .ldb = ldb, .c = c, .ldc = ldc,
    };
    multiply(variant, &product, threads);
}

void backprop_sgemm_bias_relu(int variant, int transposeA, int transposeB, long m, long n, long k,
                              const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                              const float *bias, float *rectified, long ldRectified, int threads) {
    Product product = {
        .transposeA = transposeA, .transposeB = transposeB, .m = m, .n = n, .k = k,
        .alpha = 1, .beta = 0, .a = a, .lda = lda, .b = b, .ldb = ldb, .c = c, .ldc = ldc,
        .bias = bias, .rectified = rectified, .ldRectified = ldRectified,
    };
    multiply(variant, &product, threads);
}
