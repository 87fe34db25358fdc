#ifndef BACKPROP_THREAD_POOL_H
#define BACKPROP_THREAD_POOL_H

// Runs task(context, 0) on the calling thread and task(context, 1) on one long-lived helper
// thread, and returns 1 when both have finished. Returns 0 without running anything when
// the helper is busy with another caller's task (the caller then does the work alone).
int backprop_run_in_parallel(void (*task)(void *context, int part), void *context);

#endif
