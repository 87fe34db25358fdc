// One helper thread for splitting a product across two cores.
//
// Waking a sleeping thread through the kernel costs tens of microseconds, more than many
// of the products it would share; so after each task the helper keeps polling for the
// next one for a short while (a training step posts several products in quick succession)
// before it sleeps on a condition variable.
//
// Neither thread ever waits long for a partner the scheduler has not given a core (another
// process busy on the second core): the helper's half is open to whichever thread claims it
// first, so a caller that finishes its own half while the helper has not started takes the
// helper's half itself; only a half the helper has already begun is waited for, by polling
// for a bounded while and then sleeping until the helper signals. Either thread runs a half
// with the same code, so the result does not depend on who ran it.
#if defined(__linux__)
#define _GNU_SOURCE  // sched_getaffinity, CPU_COUNT
#endif
#include "ThreadPool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define RELAX() _mm_pause()
#else
#define RELAX() ((void)0)
#endif

// Polls of the caller for a started half before it sleeps (each poll is one pause
// instruction, tens of nanoseconds).
enum { CALLER_POLLS = 4000 };

// How long the helper polls for a next task before it sleeps. Long enough to span the
// element-wise passes between the products of a training step: a sleeping helper is woken
// by the scheduler on the caller's own core when the other core's processor looks
// unavailable (an idle virtual CPU the hypervisor has descheduled), and there it waits
// until the caller has taken its half too, so every product ran on one core.
static const double HELPER_POLL_SECONDS = 0.002;

static double monotonicSeconds(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    pthread_cond_t wake;   // the helper sleeps here for a task
    pthread_cond_t done;   // the caller sleeps here for the helper's half
    int started;
    atomic_flag busy;
    _Atomic unsigned long posted;    // generation of the latest task
    _Atomic unsigned long open;      // generation whose second half nobody has claimed yet, else 0
    _Atomic unsigned long finished;  // generation whose second half the helper finished
    _Atomic int callerWaiting;
    void (*task)(void *, int);
    void *context;
} pool = {
    .once = PTHREAD_ONCE_INIT,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
    .busy = ATOMIC_FLAG_INIT,
};

// Claims the second half of `generation`: 1 for the first thread to ask, 0 afterwards.
static int claim(unsigned long generation) {
    unsigned long expected = generation;
    return atomic_compare_exchange_strong(&pool.open, &expected, 0);
}

static void *helperLoop(void *unused) {
    (void)unused;
    unsigned long seen = 0;
    for (;;) {
        unsigned long posted = atomic_load_explicit(&pool.posted, memory_order_acquire);
        double deadline = monotonicSeconds() + HELPER_POLL_SECONDS;
        for (int poll = 1; posted == seen; poll++) {
            RELAX();
            posted = atomic_load_explicit(&pool.posted, memory_order_acquire);
            if (poll % 64 == 0 && monotonicSeconds() > deadline) break;
        }
        if (posted == seen) {
            pthread_mutex_lock(&pool.lock);
            while ((posted = atomic_load_explicit(&pool.posted, memory_order_acquire)) == seen)
                pthread_cond_wait(&pool.wake, &pool.lock);
            pthread_mutex_unlock(&pool.lock);
        }
        seen = posted;
        if (!claim(seen)) continue;  // the caller took this half itself
        pool.task(pool.context, 1);
        atomic_store(&pool.finished, seen);
        if (atomic_load(&pool.callerWaiting)) {
            pthread_mutex_lock(&pool.lock);
            pthread_cond_broadcast(&pool.done);
            pthread_mutex_unlock(&pool.lock);
        }
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
    atomic_store(&pool.open, generation);
    pthread_mutex_lock(&pool.lock);
    atomic_store_explicit(&pool.posted, generation, memory_order_release);
    pthread_cond_signal(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    task(context, 0);
    if (claim(generation)) {
        task(context, 1);  // the helper has not started: no reason to wait for it
    } else {
        for (int poll = 0; poll < CALLER_POLLS && atomic_load(&pool.finished) != generation; poll++) RELAX();
        if (atomic_load(&pool.finished) != generation) {
            pthread_mutex_lock(&pool.lock);
            atomic_store(&pool.callerWaiting, 1);
            while (atomic_load(&pool.finished) != generation) pthread_cond_wait(&pool.done, &pool.lock);
            atomic_store(&pool.callerWaiting, 0);
            pthread_mutex_unlock(&pool.lock);
        }
    }
    atomic_flag_clear_explicit(&pool.busy, memory_order_release);
    return 1;
}

// MARK: - Free cores

#if defined(__linux__)
#include <sched.h>
#endif
#include <time.h>
#include <unistd.h>

static double seconds(clockid_t clock) {
    struct timespec time;
    clock_gettime(clock, &time);
    return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

typedef struct {
    double wall;
    double share;  // CPU time the thread got ÷ wall time
    int cpu;       // the processor the thread keeps to while it spins, or -1
} Probe;

// Keeps the calling thread on processor `cpu` (Linux; elsewhere, and for -1, nothing).
static void keepTo(int cpu) {
#if defined(__linux__)
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
#else
    (void)cpu;
#endif
}

static void *spin(void *context) {
    Probe *probe = context;
    keepTo(probe->cpu);
    double startWall = seconds(CLOCK_MONOTONIC), startCPU = seconds(CLOCK_THREAD_CPUTIME_ID);
    volatile unsigned long counter = 0;
    while (seconds(CLOCK_MONOTONIC) - startWall < probe->wall) counter++;
    probe->share = (seconds(CLOCK_THREAD_CPUTIME_ID) - startCPU) / (seconds(CLOCK_MONOTONIC) - startWall);
    return 0;
}

int backprop_usable_cores(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) cores = CPU_COUNT(&set);
#endif
    return cores < 1 ? 1 : (int)cores;
}

// A new thread starts on its creator's processor and the scheduler moves it only after a
// few milliseconds, so two unpinned threads share one core for much of a 10 ms probe even
// on an idle machine. The probe therefore keeps each thread to its own processor (the first
// two the process may use) and then gives the caller its own mask back: a share below one
// then means another process holds one of them.
double backprop_probe_cpu_share(double wallSeconds) {
    Probe main = { wallSeconds, 0, -1 }, helper = { wallSeconds, 0, -1 };
#if defined(__linux__)
    cpu_set_t allowed;
    int restore = sched_getaffinity(0, sizeof allowed, &allowed) == 0;
    if (restore) {
        for (int cpu = 0; cpu < CPU_SETSIZE && helper.cpu < 0; cpu++) {
            if (!CPU_ISSET(cpu, &allowed)) continue;
            if (main.cpu < 0) main.cpu = cpu;
            else helper.cpu = cpu;
        }
        if (helper.cpu < 0) main.cpu = -1;
    }
#endif
    pthread_t thread;
    if (pthread_create(&thread, 0, spin, &helper) != 0) return 0;
    spin(&main);
    pthread_join(thread, 0);
#if defined(__linux__)
    if (restore && main.cpu >= 0) pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed);
#endif
    return main.share < helper.share ? main.share : helper.share;
}
