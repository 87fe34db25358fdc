// One helper thread that shares a task's parts with the calling thread.
//
// A task is cut into parts (ranges of rows or columns of a product, of elements of an
// update) that the two threads claim from one counter, the caller from the first part on and
// the helper from the last part back: with two parts each thread takes the same half of
// every task, so the rows of a weight gradient one thread computes are the rows it updates
// next, still in its own cache. A part runs with the same code whoever claims it, so the
// result does not depend on which thread ran what. When the
// scheduler takes a core away (another process busy on it), the thread that still runs
// claims the remaining parts itself: only a part already begun by a descheduled thread is
// waited for, by polling for a bounded while and then sleeping until it is signalled.
//
// Waking a sleeping thread through the kernel costs tens of microseconds, more than many
// of the tasks it would share; so after each task the helper keeps polling for the next one
// for a short while (a training step posts several in quick succession) before it sleeps on
// a condition variable.
//
// With another process busy on one of two cores (Linux; elsewhere the scheduler is left
// alone):
// - two threads on one processor take turns at the parts and gain nothing, and the
//   scheduler does put them together (it wakes the helper on the caller's processor, and
//   two tasks on one processor with one on the other looks balanced to it). So the helper,
//   on finding itself on the caller's processor at the start of a task, moves to another;
// - a helper stopped in the middle of a part would keep the caller waiting for the rest of
//   the other process's time slice, milliseconds. So a caller that has waited a while and
//   sees the helper's CPU time stand still moves the helper to its own processor and
//   sleeps there while the helper finishes.
// Either move only sets where the helper may run for the moment; at its next task it may
// run anywhere the process may again.
#if defined(__linux__)
#define _GNU_SOURCE  // sched_getaffinity, sched_getcpu, pthread_setaffinity_np, CPU_COUNT
#endif
#include <sched.h>
#include "ThreadPool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define RELAX() _mm_pause()
#else
#define RELAX() ((void)0)
#endif

// Polls of the caller for a part begun by the helper before it sleeps (each poll is one
// pause instruction, tens of nanoseconds).
enum { CALLER_POLLS = 4000 };

// How long the helper polls for a next task before it sleeps. Long enough to span the
// element-wise passes between the products of a training step.
static const double HELPER_POLL_SECONDS = 0.002;

// The time of `clock` in seconds, or -1 when it cannot be read.
static double seconds(clockid_t clock) {
    struct timespec time;
    if (clock_gettime(clock, &time) != 0) return -1;
    return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    pthread_cond_t wake;   // the helper sleeps here for a task
    pthread_cond_t done;   // the caller sleeps here for the helper's last part
    int started;
    atomic_flag busy;
    _Atomic uint32_t posted;      // generation of the latest task
    _Atomic uint64_t unclaimed;   // generation << 32 | first << 16 | end: its parts [first, end) nobody has claimed
    _Atomic int finished;         // parts of the current generation finished
    _Atomic int callerWaiting;
    _Atomic int callerCPU;        // the processor the caller posted the task from, or -1
    _Atomic int pulled;           // the caller moved the helper to its own processor
    pthread_t helper;
    clockid_t helperClock;        // the helper's CPU time
    int helperClockKnown;
    void (*task)(void *, int);
    void *context;
    int parts;
} pool = {
    .once = PTHREAD_ONCE_INIT,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
    .busy = ATOMIC_FLAG_INIT,
};

// Claims the first unclaimed part of `generation` (the last with fromEnd): its index, or -1
// when every part is taken or the generation has passed. The counter holds the range of parts
// not yet claimed, so a thread that looks late at a finished generation never reads the next
// task's part count.
static int claim(uint32_t generation, int fromEnd) {
    uint64_t current = atomic_load(&pool.unclaimed);
    for (;;) {
        int first = (int)(current >> 16 & 0xFFFF), end = (int)(current & 0xFFFF);
        if ((uint32_t)(current >> 32) != generation || first == end) return -1;
        uint64_t next = fromEnd ? current - 1 : current + (1 << 16);
        if (atomic_compare_exchange_weak(&pool.unclaimed, &current, next)) return fromEnd ? end - 1 : first;
    }
}

static int currentCPU(void) {
#if defined(__linux__)
    return sched_getcpu();
#else
    return -1;
#endif
}

#if defined(__linux__)
// The processors the process may use, as the helper found them when it started.
static cpu_set_t allowedProcessors;
static int allowedKnown;

static void findAllowedProcessors(void) {
    allowedKnown = sched_getaffinity(0, sizeof allowedProcessors, &allowedProcessors) == 0;
}

// Lets the helper run on the processors of `set`: all the process may use, those but one,
// or one.
static void placeHelper(pthread_t helper, const cpu_set_t *set) {
    if (allowedKnown && CPU_COUNT(set) > 0) pthread_setaffinity_np(helper, sizeof *set, set);
}

// Moves the calling helper off processor `cpu` to another the process may use, then lets it
// run anywhere again (the scheduler keeps it where it is until it has a reason to move it).
static void leaveProcessor(int cpu) {
    if (!allowedKnown || cpu < 0 || cpu >= CPU_SETSIZE || CPU_COUNT(&allowedProcessors) < 2) return;
    cpu_set_t others = allowedProcessors;
    CPU_CLR(cpu, &others);
    placeHelper(pthread_self(), &others);
    placeHelper(pthread_self(), &allowedProcessors);
}

// Lets the helper run anywhere the process may (after the caller pulled it to its processor).
static void releaseHelper(void) { placeHelper(pthread_self(), &allowedProcessors); }

// Keeps `helper` to processor `cpu`.
static void pullHelperTo(pthread_t helper, int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return;
    cpu_set_t mine;
    CPU_ZERO(&mine);
    CPU_SET(cpu, &mine);
    placeHelper(helper, &mine);
}
#else
static void findAllowedProcessors(void) {}
static void leaveProcessor(int cpu) { (void)cpu; }
static void releaseHelper(void) {}
static void pullHelperTo(pthread_t helper, int cpu) { (void)helper; (void)cpu; }
#endif

static void *helperLoop(void *unused) {
    (void)unused;
    uint32_t seen = 0;
    for (;;) {
        uint32_t posted = atomic_load_explicit(&pool.posted, memory_order_acquire);
        double deadline = seconds(CLOCK_MONOTONIC) + HELPER_POLL_SECONDS;
        for (int poll = 1; posted == seen; poll++) {
            RELAX();
            posted = atomic_load_explicit(&pool.posted, memory_order_acquire);
            if (poll % 64 == 0 && seconds(CLOCK_MONOTONIC) > deadline) break;
        }
        if (posted == seen) {
            pthread_mutex_lock(&pool.lock);
            while ((posted = atomic_load_explicit(&pool.posted, memory_order_acquire)) == seen)
                pthread_cond_wait(&pool.wake, &pool.lock);
            pthread_mutex_unlock(&pool.lock);
        }
        seen = posted;
        int cpu = currentCPU();
        if (cpu >= 0 && cpu == atomic_load_explicit(&pool.callerCPU, memory_order_relaxed)) {
            atomic_store(&pool.pulled, 0);
            leaveProcessor(cpu);
        } else if (atomic_exchange(&pool.pulled, 0)) {
            releaseHelper();
        }
        for (int part; (part = claim(seen, 1)) >= 0;) {
            int parts = pool.parts;  // read before the last part's count lets the caller move on
            pool.task(pool.context, part);
            if (atomic_fetch_add(&pool.finished, 1) + 1 == parts && atomic_load(&pool.callerWaiting)) {
                pthread_mutex_lock(&pool.lock);
                pthread_cond_broadcast(&pool.done);
                pthread_mutex_unlock(&pool.lock);
            }
        }
    }
    return 0;
}

static void startHelper(void) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    findAllowedProcessors();
    pool.started = pthread_create(&thread, &attributes, helperLoop, 0) == 0;
    pthread_attr_destroy(&attributes);
    if (pool.started) {
        pool.helper = thread;
        pool.helperClockKnown = pthread_getcpuclockid(thread, &pool.helperClock) == 0;
    }
}

static double helperSeconds(void) { return pool.helperClockKnown ? seconds(pool.helperClock) : -1; }

// When the helper's part makes no progress (its CPU time stands still: the scheduler has
// stopped it, another process holding its processor), moves it to the caller's processor,
// where it runs while the caller sleeps.
static void pullIfStopped(int parts) {
    double before = helperSeconds();
    if (before < 0) return;
    for (int poll = 0; poll < CALLER_POLLS / 4 && atomic_load(&pool.finished) != parts; poll++) RELAX();
    if (atomic_load(&pool.finished) == parts || helperSeconds() != before) return;
    int cpu = currentCPU();
    if (cpu < 0) return;
    pullHelperTo(pool.helper, cpu);
    atomic_store(&pool.pulled, 1);  // after the move: the helper reads it at its next task, which
                                    // the caller posts only after this returns
}

void backprop_part_range(long count, long unit, int parts, int part, long *begin, long *end) {
    long units = (count + unit - 1) / unit;
    long first = units * part / parts, last = units * (part + 1) / parts;
    *begin = first * unit < count ? first * unit : count;
    *end = last * unit < count ? last * unit : count;
}

int backprop_run_parts(void (*task)(void *context, int part), void *context, int parts) {
    pthread_once(&pool.once, startHelper);
    if (parts < 2 || parts > 0xFFFF || !pool.started || atomic_flag_test_and_set_explicit(&pool.busy, memory_order_acquire))
        return 0;
    pool.task = task;
    pool.context = context;
    pool.parts = parts;
    atomic_store(&pool.finished, 0);
    atomic_store_explicit(&pool.callerCPU, currentCPU(), memory_order_relaxed);
    uint32_t generation = atomic_load_explicit(&pool.posted, memory_order_relaxed) + 1;
    if (generation == 0) generation = 1;  // 0 is the helper's "seen nothing yet"
    atomic_store(&pool.unclaimed, (uint64_t)generation << 32 | (uint32_t)parts);
    pthread_mutex_lock(&pool.lock);
    atomic_store_explicit(&pool.posted, generation, memory_order_release);
    pthread_cond_signal(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    int ran = 0;
    for (int part; (part = claim(generation, 0)) >= 0; ran++) task(context, part);
    if (ran) atomic_fetch_add(&pool.finished, ran);
    for (int poll = 0; poll < CALLER_POLLS && atomic_load(&pool.finished) != parts; poll++) RELAX();
    if (atomic_load(&pool.finished) != parts) pullIfStopped(parts);
    if (atomic_load(&pool.finished) != parts) {
        pthread_mutex_lock(&pool.lock);
        atomic_store(&pool.callerWaiting, 1);
        while (atomic_load(&pool.finished) != parts) pthread_cond_wait(&pool.done, &pool.lock);
        atomic_store(&pool.callerWaiting, 0);
        pthread_mutex_unlock(&pool.lock);
    }
    atomic_flag_clear_explicit(&pool.busy, memory_order_release);
    return 1;
}

void backprop_run_split(void (*task)(void *context, int part), void *context, int *parts) {
    if (backprop_run_parts(task, context, *parts)) return;
    *parts = 1;
    task(context, 0);
}

// MARK: - Free cores

#include <unistd.h>

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
