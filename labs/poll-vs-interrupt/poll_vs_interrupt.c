/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * poll-vs-interrupt - how quickly a thread notices new work, and what that
 * costs it, when it (a) busy-polls a lock-free single-producer ring,
 * (b) blocks in read(2) on an eventfd, (c) waits in epoll_wait(2) on an
 * eventfd, or (d) polls for --hybrid-spin-us after the last message and then
 * blocks on an eventfd (the idea behind SPDK's interrupt mode: poll while
 * busy, sleep when idle).
 *
 * A producer thread posts timestamped items at a fixed rate (a low and a high
 * rate) into a single-producer/single-consumer ring; in modes b-d it also
 * signals an eventfd (in d only when the receiver said it is going to sleep).
 * The two threads are pinned to different CPUs when there are at least two.
 *
 * Measured per mode, rate and run: wake-up latency (producer's timestamp just
 * before posting to the moment the receiver holds the item: p50, p90, p99,
 * p99.9, max, in a log-linear histogram), the receiver thread's CPU use as a
 * percentage of one core (CLOCK_THREAD_CPUTIME_ID over the measured
 * interval), the producer's CPU use, how often the receiver went to sleep
 * and how many notifications the producer sent per message. The first
 * --warmup items of every run are excluded.
 *
 * It does NOT measure: device interrupts (the "interrupt" here is the
 * kernel waking a thread, which is what an interrupt-driven SPDK thread
 * pays too, but without the device and IRQ part); cross-socket or NUMA
 * effects; throughput limits (the rates are fixed); power. On a VM the
 * hypervisor's scheduling of virtual CPUs is part of every figure.
 */
#define _GNU_SOURCE
#include "lab_common.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define PROG "poll-vs-interrupt"
#define RING_CAP 4096U
#define SLEEP_PACING_NS 100000ULL /* pace by clock_nanosleep above this interval */
#define CACHE_LINE 64

enum mode_id {
	MODE_POLL,
	MODE_EVENTFD,
	MODE_EPOLL,
	MODE_HYBRID,
	MODE_COUNT
};

enum rate_id {
	RATE_LOW,
	RATE_HIGH,
	RATE_COUNT
};

struct mode_desc {
	const char *id;
	const char *label;
};

static const struct mode_desc g_modes[MODE_COUNT] = {
	[MODE_POLL] = {"poll", "busy-poll a lock-free SPSC ring"},
	[MODE_EVENTFD] = {"eventfd", "block in read() on an eventfd"},
	[MODE_EPOLL] = {"epoll", "epoll_wait() on an eventfd"},
	[MODE_HYBRID] = {"hybrid", "poll for a while, then block on an eventfd"},
};

static const char *const g_rate_names[RATE_COUNT] = {"low", "high"};

struct opts {
	uint64_t runs;
	uint64_t rate[RATE_COUNT];
	uint64_t msgs[RATE_COUNT];
	uint64_t warmup;
	uint64_t hybrid_spin_us;
	long producer_cpu;
	long consumer_cpu;
	bool modes[MODE_COUNT];
};

/* Single-producer single-consumer ring of timestamps. */
struct spsc_ring {
	_Alignas(CACHE_LINE) atomic_uint_fast64_t head; /* written by the producer */
	_Alignas(CACHE_LINE) atomic_uint_fast64_t tail; /* written by the consumer */
	_Alignas(CACHE_LINE) uint64_t slot[RING_CAP];
};

struct session {
	struct spsc_ring ring;
	_Alignas(CACHE_LINE) atomic_int sleeping; /* hybrid: receiver is about to block */
	_Alignas(CACHE_LINE) enum mode_id mode;
	int efd;
	int epfd;
	uint64_t total;
	uint64_t warmup;
	uint64_t interval_ns;
	uint64_t spin_ns;
	long producer_cpu;
	long consumer_cpu;
	pthread_barrier_t start;
	/* receiver results */
	struct lab_hist hist;
	uint64_t rx_t0;
	uint64_t rx_t1;
	uint64_t rx_cpu0;
	uint64_t rx_cpu1;
	uint64_t rx_sleeps;
	int rx_err;
	/* producer results */
	uint64_t tx_cpu_ns;
	uint64_t tx_wall_ns;
	uint64_t tx_notifies;
	uint64_t tx_stalls;
	int tx_err;
};

struct cell_result {
	struct lab_runset rs;
	bool failed;
	char reason[160];
};

/* ---- static helpers ----------------------------------------------------------- */

static bool ring_push(struct spsc_ring *r, uint64_t v)
{
	uint_fast64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint_fast64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (h - t >= RING_CAP) {
		return false;
	}
	r->slot[h & (RING_CAP - 1)] = v;
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return true;
}

static bool ring_pop(struct spsc_ring *r, uint64_t *v)
{
	uint_fast64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint_fast64_t h = atomic_load_explicit(&r->head, memory_order_acquire);

	if (t == h) {
		return false;
	}
	*v = r->slot[t & (RING_CAP - 1)];
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	return true;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [options]\n"
		"Wake-up latency and receiver CPU for busy-polling, eventfd, epoll and a\n"
		"poll-then-sleep hybrid, at a low and a high message rate.\n"
		"JSON on stdout, table on stderr.\n\n"
		"  --runs N            runs per mode and rate, 1..%d (default 3)\n"
		"  --low-rate N        messages per second for the low rate (default 1000)\n"
		"  --high-rate N       messages per second for the high rate (default 100000)\n"
		"  --low-msgs N        messages per run at the low rate (default 3000)\n"
		"  --high-msgs N       messages per run at the high rate (default 300000)\n"
		"  --warmup N          leading messages per run left out of the figures (default 200)\n"
		"  --hybrid-spin-us N  hybrid: poll this long after the last message before\n"
		"                      sleeping (default 50)\n"
		"  --modes LIST        comma list of poll,eventfd,epoll,hybrid (default all)\n"
		"  --producer-cpu N    CPU for the producer (default 0; -1 = no pinning)\n"
		"  --consumer-cpu N    CPU for the receiver (default 1 if there are two or more\n"
		"                      CPUs, else no pinning; -1 = no pinning)\n"
		"  --help              this text\n",
		LAB_MAX_RUNS);
}

static const char *mode_name(size_t i)
{
	return g_modes[i].id;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_RUNS = 256, O_LRATE, O_HRATE, O_LMSGS, O_HMSGS, O_WARMUP, O_SPIN, O_MODES,
	       O_PCPU, O_CCPU, O_HELP };
	static const struct option longopts[] = {
		{"runs", required_argument, NULL, O_RUNS},
		{"low-rate", required_argument, NULL, O_LRATE},
		{"high-rate", required_argument, NULL, O_HRATE},
		{"low-msgs", required_argument, NULL, O_LMSGS},
		{"high-msgs", required_argument, NULL, O_HMSGS},
		{"warmup", required_argument, NULL, O_WARMUP},
		{"hybrid-spin-us", required_argument, NULL, O_SPIN},
		{"modes", required_argument, NULL, O_MODES},
		{"producer-cpu", required_argument, NULL, O_PCPU},
		{"consumer-cpu", required_argument, NULL, O_CCPU},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	int c;
	int rc;

	memset(o, 0, sizeof(*o));
	o->runs = 3;
	o->rate[RATE_LOW] = 1000;
	o->rate[RATE_HIGH] = 100000;
	o->msgs[RATE_LOW] = 3000;
	o->msgs[RATE_HIGH] = 300000;
	o->warmup = 200;
	o->hybrid_spin_us = 50;
	o->producer_cpu = 0;
	o->consumer_cpu = lab_online_cpus() >= 2 ? 1 : -1;
	for (int m = 0; m < MODE_COUNT; m++) {
		o->modes[m] = true;
	}

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *name = NULL;
		uint64_t *dst = NULL;
		uint64_t lo = 1;
		uint64_t hi = 0;

		switch (c) {
		case O_RUNS:
			name = "runs"; dst = &o->runs; hi = LAB_MAX_RUNS;
			break;
		case O_LRATE:
			name = "low-rate"; dst = &o->rate[RATE_LOW]; hi = 2000000;
			break;
		case O_HRATE:
			name = "high-rate"; dst = &o->rate[RATE_HIGH]; hi = 2000000;
			break;
		case O_LMSGS:
			name = "low-msgs"; dst = &o->msgs[RATE_LOW]; hi = 100000000;
			break;
		case O_HMSGS:
			name = "high-msgs"; dst = &o->msgs[RATE_HIGH]; hi = 100000000;
			break;
		case O_WARMUP:
			name = "warmup"; dst = &o->warmup; lo = 0; hi = 100000000;
			break;
		case O_SPIN:
			name = "hybrid-spin-us"; dst = &o->hybrid_spin_us; lo = 0; hi = 1000000;
			break;
		case O_MODES:
			rc = lab_parse_name_list(PROG, "modes", optarg, MODE_COUNT, mode_name, o->modes);
			if (rc != 0) {
				return rc;
			}
			continue;
		case O_PCPU:
			rc = lab_parse_cpu(PROG, "producer-cpu", optarg, &o->producer_cpu);
			if (rc != 0) {
				return rc;
			}
			continue;
		case O_CCPU:
			rc = lab_parse_cpu(PROG, "consumer-cpu", optarg, &o->consumer_cpu);
			if (rc != 0) {
				return rc;
			}
			continue;
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, PROG ": unknown or incomplete option '%s' (try --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		rc = lab_parse_u64(optarg, false, lo, hi, dst);
		if (rc != 0) {
			lab_bad_option(PROG, name, optarg, rc, lo, hi);
			return rc;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (try --help)\n", argv[optind]);
		return -EINVAL;
	}
	for (int r = 0; r < RATE_COUNT; r++) {
		if (o->msgs[r] <= o->warmup) {
			fprintf(stderr, PROG ": --%s-msgs (%llu) must be larger than --warmup (%llu)\n",
				g_rate_names[r], (unsigned long long)o->msgs[r],
				(unsigned long long)o->warmup);
			return -EINVAL;
		}
	}
	if (o->rate[RATE_LOW] > o->rate[RATE_HIGH]) {
		fprintf(stderr, PROG ": --low-rate must not exceed --high-rate\n");
		return -EINVAL;
	}
	return 0;
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t_ns / 1000000000ULL),
		.tv_nsec = (long)(t_ns % 1000000000ULL),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
	}
}

static int notify(struct session *s)
{
	uint64_t one = 1;

	s->tx_notifies++;
	if (write(s->efd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		return -errno;
	}
	return 0;
}

/* Receiver side: one item has arrived. */
static void on_item_received(struct session *s, uint64_t sent_ns, uint64_t *received)
{
	uint64_t now = lab_now_ns();

	(*received)++;
	if (*received == s->warmup) {
		s->rx_t0 = now;
		s->rx_cpu0 = lab_thread_cpu_ns();
	} else if (*received > s->warmup) {
		lab_hist_record(&s->hist, now - sent_ns);
	}
}

/* Receiver side: block until the eventfd is signalled. */
static int wait_for_event(struct session *s)
{
	uint64_t cnt;

	s->rx_sleeps++;
	if (s->mode == MODE_EPOLL) {
		struct epoll_event ev;
		int n;

		do {
			n = epoll_wait(s->epfd, &ev, 1, -1);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			return -errno;
		}
		/* non-blocking eventfd: reset the counter */
		if (read(s->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN) {
			return -errno;
		}
		return 0;
	}
	while (read(s->efd, &cnt, sizeof(cnt)) < 0) {
		if (errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

static void *receiver_main(void *arg)
{
	struct session *s = arg;
	uint64_t received = 0;
	uint64_t last_activity;
	uint64_t v;
	int rc = 0;

	if (s->consumer_cpu >= 0) {
		lab_pin_self((int)s->consumer_cpu);
	}
	pthread_barrier_wait(&s->start);
	if (s->warmup == 0) {
		s->rx_t0 = lab_now_ns();
		s->rx_cpu0 = lab_thread_cpu_ns();
	}
	last_activity = lab_now_ns();
	while (received < s->total && rc == 0) {
		if (ring_pop(&s->ring, &v)) {
			on_item_received(s, v, &received);
			if (s->mode == MODE_HYBRID) {
				last_activity = lab_now_ns();
			}
			continue;
		}
		switch (s->mode) {
		case MODE_POLL:
			lab_cpu_relax();
			break;
		case MODE_EVENTFD:
		case MODE_EPOLL:
			rc = wait_for_event(s);
			break;
		case MODE_HYBRID:
			if (lab_now_ns() - last_activity < s->spin_ns) {
				lab_cpu_relax();
				break;
			}
			atomic_store_explicit(&s->sleeping, 1, memory_order_seq_cst);
			atomic_thread_fence(memory_order_seq_cst);
			if (ring_pop(&s->ring, &v)) {
				atomic_store_explicit(&s->sleeping, 0, memory_order_relaxed);
				on_item_received(s, v, &received);
			} else {
				rc = wait_for_event(s);
				atomic_store_explicit(&s->sleeping, 0, memory_order_relaxed);
			}
			last_activity = lab_now_ns();
			break;
		default:
			rc = -EINVAL;
			break;
		}
	}
	s->rx_t1 = lab_now_ns();
	s->rx_cpu1 = lab_thread_cpu_ns();
	s->rx_err = rc;
	return NULL;
}

static void *producer_main(void *arg)
{
	struct session *s = arg;
	uint64_t cpu0;
	uint64_t t0;
	uint64_t next;
	int rc = 0;

	if (s->producer_cpu >= 0) {
		lab_pin_self((int)s->producer_cpu);
	}
	/* precise absolute sleeps for the low rate */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	pthread_barrier_wait(&s->start);
	cpu0 = lab_thread_cpu_ns();
	t0 = lab_now_ns();
	next = t0 + s->interval_ns;
	for (uint64_t i = 0; i < s->total && rc == 0; i++) {
		uint64_t now;

		if (s->interval_ns >= SLEEP_PACING_NS) {
			sleep_until(next);
		} else {
			while (lab_now_ns() < next) {
				lab_cpu_relax();
			}
		}
		now = lab_now_ns();
		while (!ring_push(&s->ring, now)) {
			s->tx_stalls++;
			sched_yield();
		}
		switch (s->mode) {
		case MODE_EVENTFD:
		case MODE_EPOLL:
			rc = notify(s);
			break;
		case MODE_HYBRID:
			atomic_thread_fence(memory_order_seq_cst);
			if (atomic_load_explicit(&s->sleeping, memory_order_seq_cst)) {
				rc = notify(s);
			}
			break;
		default:
			break;
		}
		next += s->interval_ns;
		now = lab_now_ns();
		if (next < now) {
			next = now; /* fell behind: do not burst to catch up */
		}
	}
	s->tx_wall_ns = lab_now_ns() - t0;
	s->tx_cpu_ns = lab_thread_cpu_ns() - cpu0;
	s->tx_err = rc;
	return NULL;
}

static int session_setup(struct session *s, const struct opts *o, enum mode_id mode, enum rate_id rate)
{
	int flags = mode == MODE_EPOLL ? EFD_NONBLOCK : 0;

	memset(s, 0, sizeof(*s));
	atomic_init(&s->ring.head, 0);
	atomic_init(&s->ring.tail, 0);
	atomic_init(&s->sleeping, 0);
	s->mode = mode;
	s->total = o->msgs[rate];
	s->warmup = o->warmup;
	s->interval_ns = 1000000000ULL / o->rate[rate];
	s->spin_ns = o->hybrid_spin_us * 1000ULL;
	s->producer_cpu = o->producer_cpu;
	s->consumer_cpu = o->consumer_cpu;
	s->epfd = -1;
	lab_hist_reset(&s->hist);
	s->efd = eventfd(0, EFD_CLOEXEC | flags);
	if (s->efd < 0) {
		return -errno;
	}
	if (mode == MODE_EPOLL) {
		struct epoll_event ev = {.events = EPOLLIN};

		s->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (s->epfd < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->efd, &ev) != 0) {
			int rc = -errno;

			close(s->efd);
			if (s->epfd >= 0) {
				close(s->epfd);
			}
			return rc;
		}
	}
	return pthread_barrier_init(&s->start, NULL, 2) == 0 ? 0 : -EAGAIN;
}

static void session_teardown(struct session *s)
{
	pthread_barrier_destroy(&s->start);
	close(s->efd);
	if (s->epfd >= 0) {
		close(s->epfd);
	}
}

static int run_cell(const struct opts *o, enum mode_id mode, enum rate_id rate, unsigned int run,
		    struct cell_result *cr)
{
	struct session *s = aligned_alloc(CACHE_LINE, sizeof(struct session) +
					  (CACHE_LINE - sizeof(struct session) % CACHE_LINE) % CACHE_LINE);
	pthread_t rx;
	pthread_t tx;
	double measured;
	double wall;
	int rc;

	if (s == NULL) {
		return -ENOMEM;
	}
	rc = session_setup(s, o, mode, rate);
	if (rc != 0) {
		snprintf(cr->reason, sizeof(cr->reason), "setup failed: %s", strerror(-rc));
		free(s);
		return rc;
	}
	rc = pthread_create(&rx, NULL, receiver_main, s);
	if (rc != 0) {
		session_teardown(s);
		free(s);
		return -rc;
	}
	rc = pthread_create(&tx, NULL, producer_main, s);
	if (rc != 0) {
		/* cannot happen in practice; the receiver would wait forever */
		fprintf(stderr, PROG ": pthread_create failed: %s\n", strerror(rc));
		exit(1);
	}
	pthread_join(tx, NULL);
	pthread_join(rx, NULL);
	rc = s->rx_err != 0 ? s->rx_err : s->tx_err;
	if (rc != 0) {
		snprintf(cr->reason, sizeof(cr->reason), "%s failed: %s",
			 s->rx_err ? "receiver" : "producer", strerror(-rc));
	} else {
		measured = (double)(s->total - s->warmup);
		wall = (double)(s->rx_t1 - s->rx_t0);
		lab_runset_put_hist(&cr->rs, run, &s->hist);
		lab_runset_put(&cr->rs, run, "receiver_cpu_pct", 100.0 * (double)(s->rx_cpu1 - s->rx_cpu0) / wall);
		lab_runset_put(&cr->rs, run, "producer_cpu_pct", 100.0 * (double)s->tx_cpu_ns / (double)s->tx_wall_ns);
		lab_runset_put(&cr->rs, run, "achieved_msgs_per_sec", measured / (wall / 1e9));
		lab_runset_put(&cr->rs, run, "receiver_sleeps_per_msg", (double)s->rx_sleeps / (double)s->total);
		lab_runset_put(&cr->rs, run, "notifications_per_msg", (double)s->tx_notifies / (double)s->total);
		lab_runset_put(&cr->rs, run, "producer_ring_full_waits", (double)s->tx_stalls);
	}
	session_teardown(s);
	free(s);
	return rc;
}

static void emit_json(const struct opts *o, const struct lab_machine *m,
		      struct cell_result res[MODE_COUNT][RATE_COUNT])
{
	struct lab_json j;

	lab_results_begin(&j, "poll-vs-interrupt",
			"wake-up latency from posting an item to the receiver holding it, and the "
			"receiver's CPU use, for busy-polling, eventfd, epoll and poll-then-sleep", m);
	lab_json_u64(&j, "runs", o->runs);
	lab_json_u64(&j, "low_rate_msgs_per_sec", o->rate[RATE_LOW]);
	lab_json_u64(&j, "high_rate_msgs_per_sec", o->rate[RATE_HIGH]);
	lab_json_u64(&j, "low_rate_msgs_per_run", o->msgs[RATE_LOW]);
	lab_json_u64(&j, "high_rate_msgs_per_run", o->msgs[RATE_HIGH]);
	lab_json_u64(&j, "warmup_msgs", o->warmup);
	lab_json_u64(&j, "hybrid_spin_us", o->hybrid_spin_us);
	lab_json_u64(&j, "ring_capacity", RING_CAP);
	if (o->producer_cpu >= 0) {
		lab_json_u64(&j, "producer_cpu", (uint64_t)o->producer_cpu);
	} else {
		lab_json_null(&j, "producer_cpu");
	}
	if (o->consumer_cpu >= 0) {
		lab_json_u64(&j, "receiver_cpu", (uint64_t)o->consumer_cpu);
	} else {
		lab_json_null(&j, "receiver_cpu");
	}
	lab_json_string(&j, "pacing", "absolute clock_nanosleep for intervals >= 100 us, else spin on "
			"CLOCK_MONOTONIC; no catch-up bursts after a late post");
	lab_json_object_end(&j);
	lab_json_array_begin(&j, "results");
	for (int rate = 0; rate < RATE_COUNT; rate++) {
		for (int mode = 0; mode < MODE_COUNT; mode++) {
			char id[32];

			if (!o->modes[mode]) {
				continue;
			}
			snprintf(id, sizeof(id), "%s@%s", g_modes[mode].id, g_rate_names[rate]);
			lab_json_object_begin(&j, NULL);
			lab_json_string(&j, "id", id);
			lab_json_string(&j, "mode", g_modes[mode].id);
			lab_json_string(&j, "label", g_modes[mode].label);
			lab_json_string(&j, "rate", g_rate_names[rate]);
			lab_json_u64(&j, "target_msgs_per_sec", o->rate[rate]);
			lab_json_u64(&j, "msgs_per_run", o->msgs[rate]);
			lab_json_bool(&j, "skipped", res[mode][rate].failed);
			lab_json_string(&j, "skip_reason", res[mode][rate].failed ? res[mode][rate].reason : NULL);
			if (!res[mode][rate].failed) {
				lab_runset_emit(&res[mode][rate].rs, &j);
			}
			lab_json_object_end(&j);
		}
	}
	lab_json_array_end(&j);
	lab_json_array_begin(&j, "notes");
	lab_json_string(&j, NULL, "latency: producer timestamp just before posting to receiver "
			"timestamp just after taking the item off the ring (CLOCK_MONOTONIC)");
	lab_json_string(&j, NULL, "receiver_cpu_pct: receiver thread CPU time "
			"(CLOCK_THREAD_CPUTIME_ID) / wall time over the measured part; 100 = one core");
	lab_json_string(&j, NULL, "runs: per-run figures; summary: min/median/max over runs");
	lab_json_array_end(&j);
	lab_json_object_end(&j);
	if (lab_json_finish(&j) != 0) {
		fprintf(stderr, PROG ": error writing JSON to stdout\n");
	}
}

static void print_table(const struct opts *o, struct cell_result res[MODE_COUNT][RATE_COUNT])
{
	fprintf(stderr, "\n" PROG ": medians over %llu runs (latency in microseconds)\n",
		(unsigned long long)o->runs);
	fprintf(stderr, "%-8s %-5s %9s %8s %8s %8s %9s %8s %8s\n", "mode", "rate", "msg/s",
		"p50", "p99", "p99.9", "max", "rx CPU%", "sleeps");
	for (int rate = 0; rate < RATE_COUNT; rate++) {
		for (int mode = 0; mode < MODE_COUNT; mode++) {
			const struct lab_runset *rs = &res[mode][rate].rs;

			if (!o->modes[mode]) {
				continue;
			}
			if (res[mode][rate].failed) {
				fprintf(stderr, "%-8s %-5s failed: %s\n", g_modes[mode].id,
					g_rate_names[rate], res[mode][rate].reason);
				continue;
			}
			fprintf(stderr, "%-8s %-5s %9llu %8.2f %8.2f %8.2f %9.1f %8.1f %8.3f\n",
				g_modes[mode].id, g_rate_names[rate], (unsigned long long)o->rate[rate],
				lab_runset_median(rs, "lat_p50_ns") / 1e3,
				lab_runset_median(rs, "lat_p99_ns") / 1e3,
				lab_runset_median(rs, "lat_p999_ns") / 1e3,
				lab_runset_median(rs, "lat_max_ns") / 1e3,
				lab_runset_median(rs, "receiver_cpu_pct"),
				lab_runset_median(rs, "receiver_sleeps_per_msg"));
		}
	}
	fprintf(stderr, "(rx CPU%% = receiver thread CPU / wall time, 100 = one core; sleeps = "
		"times the receiver blocked, per message)\n");
}

/* ---- entry point ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct opts o;
	struct lab_machine m;
	struct cell_result (*res)[RATE_COUNT];
	bool failed = false;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc != 0) {
		return 2;
	}
	res = calloc(MODE_COUNT, sizeof(*res));
	if (res == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (int mode = 0; mode < MODE_COUNT; mode++) {
		for (int rate = 0; rate < RATE_COUNT; rate++) {
			lab_runset_init(&res[mode][rate].rs);
		}
	}
	if (lab_online_cpus() < 2) {
		fprintf(stderr, PROG ": note: only one CPU; threads are not pinned and busy-polling "
			"competes with the producer for the same core\n");
		o.producer_cpu = -1;
		o.consumer_cpu = -1;
	}
	lab_machine_probe_start(&m);
	for (unsigned int run = 0; run < o.runs; run++) {
		for (int rate = 0; rate < RATE_COUNT; rate++) {
			for (int mode = 0; mode < MODE_COUNT; mode++) {
				struct cell_result *cr = &res[mode][rate];

				if (!o.modes[mode] || cr->failed) {
					continue;
				}
				fprintf(stderr, PROG ": run %u/%llu %s at %llu msg/s\n", run + 1,
					(unsigned long long)o.runs, g_modes[mode].id,
					(unsigned long long)o.rate[rate]);
				rc = run_cell(&o, (enum mode_id)mode, (enum rate_id)rate, run, cr);
				if (rc != 0) {
					cr->failed = true;
					failed = true;
					fprintf(stderr, PROG ": %s@%s: %s\n", g_modes[mode].id,
						g_rate_names[rate], cr->reason);
				}
			}
		}
	}
	lab_machine_probe_end(&m);
	emit_json(&o, &m, res);
	print_table(&o, res);
	lab_machine_warn(&m, stderr);
	free(res);
	if (failed) {
		fprintf(stderr, PROG ": at least one measurement failed\n");
		return 1;
	}
	return 0;
}
