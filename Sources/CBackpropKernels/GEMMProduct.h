#ifndef BACKPROP_GEMM_PRODUCT_H
#define BACKPROP_GEMM_PRODUCT_H

// What every single-precision product variant shares: the description of one product,
// the split of its rows or columns between two threads, and the variants' entry points.
// The public functions (BackpropKernels.h) check the arguments and dispatch here.

// One product C ← α·op(A)·op(B) + β·C (+ the dense layer's epilogue: a bias per column of
// C, then rectified ← max(C, 0)) and how a variant splits it.
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
    const float *bias;  // per column of C, added after the product; or NULL
    float *rectified;   // receives max(C, 0); or NULL
    long ldRectified;
    int method;         // the variant's own choice of loop (the AVX-512 variant has three)
    int splitColumns;   // 1: threads share the columns of C; 0: its rows
    long splitUnit;     // the split cuts at multiples of this many rows or columns
    int parts;
} Product;

// Splits [0, count) into `parts` ranges whose boundaries are multiples of `unit`.
void backprop_gemm_part_range(long count, long unit, int parts, int part, long *begin, long *end);

// The rows [*rowBegin, *rowEnd) × columns [*columnBegin, *columnEnd) of C that part `part`
// of the product computes.
void backprop_gemm_part_bounds(const Product *p, int part, long *rowBegin, long *rowEnd,
                               long *columnBegin, long *columnEnd);

// Runs computePart(p, 0) alone, or computePart(p, 0) and computePart(p, 1) on two threads
// when threads > 1 and the split dimension (p->splitColumns, p->splitUnit set by the caller)
// holds at least two units. Sets p->parts.
void backprop_gemm_run_parts(Product *p, int threads, void (*computePart)(void *product, int part));

// The calling thread's packing buffers, 64-byte aligned, with room for at least aCount and
// bCount floats: grown when a larger block arrives, then reused, freed when the thread ends.
void backprop_gemm_pack_buffers(long aCount, long bCount, float **a, float **b);

// The variants. Each computes a product with m, n, k ≥ 1 on up to two threads, the sums over
// k in the same order whatever the thread count.
void backprop_sgemm_avx512_run(Product *p, int threads);
void backprop_sgemm_avx2_run(Product *p, int threads);
void backprop_sgemm_bf16_run(Product *p, int threads);

#endif
