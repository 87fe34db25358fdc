#ifndef BACKPROP_GEMM_PRODUCT_H
#define BACKPROP_GEMM_PRODUCT_H

// What every single-precision product variant shares: the description of one product,
// the split of its rows or columns between two threads, and the variants' entry points.
// The public functions (BackpropKernels.h) check the arguments and dispatch here.

typedef struct Product Product;

// Computes the rows [rowBegin, rowEnd) × columns [columnBegin, columnEnd) of C: one part of a
// product, as a variant's loop does it.
typedef void (*ProductBlock)(const Product *p, long rowBegin, long rowEnd, long columnBegin, long columnEnd);

// One product C ← α·op(A)·op(B) + β·C (+ the dense layer's epilogue: a bias per column of
// C, then rectified ← max(C, 0)) and how a variant splits it.
struct Product {
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
    int splitColumns;   // 1: threads share the columns of C; 0: its rows
    long splitUnit;     // the split cuts at multiples of this many rows or columns
    int parts;
    ProductBlock block; // the variant's loop over one part
};

// How two threads share C.
typedef enum {
    SPLIT_LONGER_SIDE,    // its columns when n ≥ m, else its rows
    SPLIT_GRADIENT_ROWS,  // with a transposed A (a weight gradient dZᵀ·X) and at least two units
                          // of rows, its rows: the halves the optimiser's two-thread update then
                          // reads, so each thread updates what it has just written (for loops
                          // that pack nothing per part, else each thread would pack all of B);
                          // otherwise as SPLIT_LONGER_SIDE
} SplitRule;

// Runs `block` over the whole of C, alone or in two parts on two threads when threads > 1
// and the split dimension holds at least two units, shared as `rule` says: columns cut at
// multiples of columnUnit, rows at multiples of rowUnit.
void backprop_gemm_run_blocks(Product *p, int threads, long rowUnit, long columnUnit, SplitRule rule,
                              ProductBlock block);

// The calling thread's packing buffers, 64-byte aligned, with room for at least aCount and
// bCount floats: grown when a larger block arrives, then reused, freed when the thread ends.
void backprop_gemm_pack_buffers(long aCount, long bCount, float **a, float **b);

// The variants. Each computes a product with m, n, k ≥ 1 on up to two threads, the sums over
// k in the same order whatever the thread count.
void backprop_sgemm_avx512_run(Product *p, int threads);
void backprop_sgemm_avx2_run(Product *p, int threads);
void backprop_sgemm_bf16_run(Product *p, int threads);

#endif
