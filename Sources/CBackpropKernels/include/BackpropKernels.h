#ifndef BACKPROP_KERNELS_H
#define BACKPROP_KERNELS_H

// One Adam step over `count` single-precision elements:
// v ← β1·v + (1−β1)·g, s ← β2·s + (1−β2)·g², moments below FLT_MIN set to 0,
// (1−β1) and (1−β2) passed in, rounded from double precision by the caller,
// w ← w − stepSize·v / (√s·inverseRootCorrection2 + ε).
// Runs the widest vector unit the CPU has (AVX-512, AVX2 or the baseline), chosen once.
void backprop_adam_f32(float *w, const float *g, float *v, float *s, long count,
                       float stepSize, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                       float inverseRootCorrection2, float epsilon);

// The instruction set backprop_adam_f32 dispatches to: "avx512", "avx2" or "baseline".
const char *backprop_kernel_level(void);

#endif
