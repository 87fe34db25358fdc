// One helper thread for splitting a product across two cores.
//
// Waking a sleeping thread through the kernel costs tens of microseconds, more than many
// of the products it would share; so after each task the helper keeps polling for the
// next one for a short while (a training step posts several products in quick succession)
// before it sleeps on a condition variable. The caller waits for the helper's half by
// polling, as it has nothing else to do.
#include "ThreadPool.h"
#include <pthread.h>
#include <stdatomic.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define RELAX() _mm_pause()
#else
#define RELAX() ((void)0)
#endif

enum { POLLS_BEFORE_SLEEP = 20000 };

static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int started;
    atomic_flag busy;
    _Atomic unsigned long posted;
    _Atomic unsigned long finished;
    void (*task)(void *, int);
    void *context;
} pool = {
    .once = PTHREAD_ONCE_INIT,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .busy = ATOMIC_FLAG_INIT,
};

static void *helperLoop(void *unused) {
    (void)unused;
    unsigned long seen = 0;
    for (;;) {
        unsigned long posted = atomic_load_explicit(&pool.posted, memory_order_acquire);
        for (int poll = 0; posted == seen && poll < POLLS_BEFORE_SLEEP; poll++) {
            RELAX();
            posted = atomic_load_explicit(&pool.posted, memory_order_acquire);
        }
        if (posted == seen) {
            pthread_mutex_lock(&pool.lock);
            while ((posted = atomic_load_explicit(&pool.posted, memory_order_acquire)) == seen)
                pthread_cond_wait(&pool.wake, &pool.lock);
            pthread_mutex_unlock(&pool.lock);
        }
        seen = posted;
        pool.task(pool.context, 1);
        atomic_store_explicit(&pool.finished, seen, memory_order_release);
    }
    return 0;
}

static void startHelper(void) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pool.started = pthread_create(&thread, &attributes, helperLoop, 0) == 0;
    pthread_attr_destroy(&attributes);
}

int backprop_run_in_parallel(void (*task)(void *context, int part), void *context) {
    pthread_once(&pool.once, startHelper);
    if (!pool.started || atomic_flag_test_and_set_explicit(&pool.busy, memory_order_acquire)) return 0;
    pool.task = task;
    pool.context = context;
    unsigned long generation = atomic_load_explicit(&pool.posted, memory_order_relaxed) + 1;
    pthread_mutex_lock(&pool.lock);
    atomic_store_explicit(&pool.posted, generation, memory_order_release);
    pthread_cond_signal(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    task(context, 0);
    while (atomic_load_explicit(&pool.finished, memory_order_acquire) != generation) RELAX();
    atomic_flag_clear_explicit(&pool.busy, memory_order_release);
    return 1;
}
