#ifndef BACKPROP_THREAD_POOL_H
#define BACKPROP_THREAD_POOL_H

// Runs task(context, part) once for every part in [0, parts), on the calling thread and one
// long-lived helper thread, the caller claiming parts from the first on and the helper from the
// last back, each as it becomes free (with two parts, the caller runs part 0 and the helper
// part 1 unless one of them is held up), and returns 1
// when all have finished. Returns 0 without running anything when parts < 2 or the helper is
// busy with another caller's task (the caller then does the work alone).
int backprop_run_parts(void (*task)(void *context, int part), void *context, int parts);

// Runs the task as backprop_run_parts does with *parts parts, or, when they are not shared
// (fewer than two, or the helper busy), alone as one part: *parts is set to 1 first, so
// part 0 then covers everything.
void backprop_run_split(void (*task)(void *context, int part), void *context, int *parts);

// Splits [0, count) into `parts` ranges whose boundaries are multiples of `unit` (the last
// range takes the remainder): part `part` is [*begin, *end).
void backprop_part_range(long count, long unit, int parts, int part, long *begin, long *end);

#endif
