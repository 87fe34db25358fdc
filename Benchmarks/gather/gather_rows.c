// Times Backprop's batch gather alone: one epoch of shuffled batches of 784-float rows out
// of a 60000-row set (MNIST's shape), copied on one thread and on two, three times each.
//
//   clang -O2 -I Sources/CBackpropKernels/include -I Sources/CBackpropKernels \
//       Benchmarks/gather/gather_rows.c Sources/CBackpropKernels/*.c -lpthread -lm -o /tmp/gather_rows
//   /tmp/gather_rows 32        # batch size
#include "BackpropKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    long batch = argc > 1 ? atol(argv[1]) : 0;
    if (batch < 1) {
        fprintf(stderr, "usage: gather_rows BATCH (a positive batch size)\n");
        return 2;
    }
    enum { ROWS = 60000, LENGTH = 784 };
    float *source = malloc((size_t)ROWS * LENGTH * sizeof(float));
    float *destination = malloc((size_t)batch * LENGTH * sizeof(float));
    long *order = malloc(ROWS * sizeof(long));
    if (!source || !destination || !order) return 1;
    for (long i = 0; i < (long)ROWS * LENGTH; i++) source[i] = (float)i;
    for (long i = 0; i < ROWS; i++) order[i] = i;
    srand(1);
    for (long i = ROWS - 1; i > 0; i--) {  // Fisher–Yates
        long j = rand() % (i + 1), kept = order[i];
        order[i] = order[j];
        order[j] = kept;
    }
    for (int repeat = 0; repeat < 3; repeat++) {
        for (int threads = 1; threads <= 2; threads++) {
            double start = now();
            for (long first = 0; first + batch <= ROWS; first += batch)
                backprop_gather_rows_f32(source, LENGTH, order + first, batch, destination, threads);
            printf("batch %ld, %d thread%s: %.1f ms per epoch\n", batch, threads, threads == 1 ? "" : "s", (now() - start) * 1e3);
        }
    }
    return 0;
}
