/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msg-ring - passing messages to one owning thread, two ways:
 *
 *   mpsc-ring            a bounded multi-producer/single-consumer ring in
 *                        the role of the queue behind spdk_thread_send_msg
 *                        (SPDK uses a DPDK rte_ring in MP/SC mode; this is
 *                        a different, per-slot-sequence design written for
 *                        this lab): producers claim a slot with
 *                        compare-and-swap, the consumer polls and takes up
 *                        to --batch messages per dequeue with no lock
 *   mutex-condvar        a bounded queue under a pthread mutex with condition
 *                        variables; the consumer sleeps when it is empty and
 *                        takes one message per lock acquisition
 *   mutex-condvar-batch  the same, but the consumer takes up to --batch
 *                        messages per lock acquisition
 *
 * A message is a function pointer plus an argument, like SPDK's; the
 * consumer calls it, and the function updates state only the consumer
 * touches (so it needs no lock). The sum of all arguments is checked at the
 * end, so a lost or doubled message fails the run.
 *
 * Measured per variant, producer count (1..--max-producers) and run:
 * messages per second from the start barrier until the consumer has handled
 * the last message, nanoseconds per message, consumer CPU use (thread CPU
 * time / wall time), the average number of messages per successful dequeue
 * and how often producers found the queue full. One unmeasured warm-up run
 * precedes each variant/producer-count pair.
 *
 * It does NOT measure: latency of individual messages (see
 * poll-vs-interrupt), SPDK's message pool allocation, or scaling beyond the
 * CPUs of this machine: on a 2-CPU machine the producers share one CPU and
 * the consumer has the other.
 */
#define _GNU_SOURCE
#include "lab_common.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define PROG "msg-ring"
#define CACHE_LINE 64
#define QUEUE_CAP 4096U
#define MAX_PRODUCERS 8U
#define MAX_BATCH 256U
#define SPINS_BEFORE_YIELD 64

enum variant_id {
	VAR_RING,
	VAR_MUTEX,
	VAR_MUTEX_BATCH,
	VAR_COUNT
};

static const char *const g_variant_ids[VAR_COUNT] = {
	[VAR_RING] = "mpsc-ring",
	[VAR_MUTEX] = "mutex-condvar",
	[VAR_MUTEX_BATCH] = "mutex-condvar-batch",
};

static const char *const g_variant_labels[VAR_COUNT] = {
	[VAR_RING] = "lock-free MPSC ring, batch dequeue, polling consumer",
	[VAR_MUTEX] = "mutex + condition variable, one message per lock",
	[VAR_MUTEX_BATCH] = "mutex + condition variable, batch per lock",
};

struct consumer_state;
typedef void (*msg_fn)(struct consumer_state *st, uint64_t arg);

struct msg {
	msg_fn fn;
	uint64_t arg;
};

/* State owned by the consumer thread; only message functions touch it. */
struct consumer_state {
	uint64_t handled;
	uint64_t sum;
};

struct ring_slot {
	atomic_uint_fast64_t seq; /* == position: free for that producer; position + 1: published */
	struct msg m;
};

struct mpsc_ring {
	_Alignas(CACHE_LINE) atomic_uint_fast64_t prod_pos; /* next position to reserve */
	_Alignas(CACHE_LINE) uint64_t cons_pos;             /* consumer-private */
	_Alignas(CACHE_LINE) struct ring_slot slot[QUEUE_CAP];
};

struct locked_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	unsigned int waiting_producers;
	bool consumer_waiting;
	uint64_t head;
	uint64_t tail;
	struct msg slot[QUEUE_CAP];
};

struct opts {
	uint64_t runs;
	uint64_t msgs;
	uint64_t warmup_msgs;
	uint64_t max_producers;
	uint64_t batch;
	bool pin;
	bool variants[VAR_COUNT];
};

struct bench {
	enum variant_id variant;
	unsigned int producers;
	uint64_t per_producer;
	unsigned int batch;
	bool pin;
	struct mpsc_ring *ring;
	struct locked_queue *q;
	pthread_barrier_t start;
	atomic_uint_fast64_t full_waits;
	/* consumer results */
	struct consumer_state st;
	uint64_t t0;
	uint64_t t1;
	uint64_t cpu_ns;
	uint64_t dequeues;
};

struct producer_arg {
	struct bench *b;
	unsigned int index;
};

/* ---- static helpers: the message function ------------------------------------------ */

static void on_add_msg(struct consumer_state *st, uint64_t arg)
{
	st->handled++;
	st->sum += arg;
}

/* ---- static helpers: MPSC ring --------------------------------------------------------- */

static void ring_init(struct mpsc_ring *r)
{
	atomic_init(&r->prod_pos, 0);
	r->cons_pos = 0;
	for (unsigned int i = 0; i < QUEUE_CAP; i++) {
		atomic_init(&r->slot[i].seq, i);
	}
}

static void backoff(unsigned int *spins)
{
	if (++(*spins) % SPINS_BEFORE_YIELD == 0) {
		sched_yield();
	} else {
		lab_cpu_relax();
	}
}

/*
 * Returns 0, or -ENOBUFS when the ring is full. Every slot carries a sequence
 * number: a producer may claim position pos only when the slot's sequence
 * equals pos (the consumer has freed it), and publishes by setting it to
 * pos + 1. Producers never wait for each other: one that is preempted after
 * claiming a slot delays only the consumer, and only at that slot.
 */
static int ring_enqueue(struct mpsc_ring *r, const struct msg *m)
{
	uint_fast64_t pos = atomic_load_explicit(&r->prod_pos, memory_order_relaxed);
	struct ring_slot *s;

	for (;;) {
		int64_t diff;

		s = &r->slot[pos & (QUEUE_CAP - 1)];
		diff = (int64_t)(atomic_load_explicit(&s->seq, memory_order_acquire) - pos);
		if (diff == 0) {
			if (atomic_compare_exchange_weak_explicit(&r->prod_pos, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed)) {
				break;
			}
		} else if (diff < 0) {
			return -ENOBUFS;
		} else {
			pos = atomic_load_explicit(&r->prod_pos, memory_order_relaxed);
		}
	}
	s->m = *m;
	atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
	return 0;
}

/* Single consumer: takes up to max published messages in order, no lock. */
static unsigned int ring_dequeue_batch(struct mpsc_ring *r, struct msg *out, unsigned int max)
{
	uint64_t pos = r->cons_pos;
	unsigned int n = 0;

	while (n < max) {
		struct ring_slot *s = &r->slot[pos & (QUEUE_CAP - 1)];

		if (atomic_load_explicit(&s->seq, memory_order_acquire) != pos + 1) {
			break;
		}
		out[n++] = s->m;
		atomic_store_explicit(&s->seq, pos + QUEUE_CAP, memory_order_release);
		pos++;
	}
	r->cons_pos = pos;
	return n;
}

/* ---- static helpers: locked queue -------------------------------------------------------- */

static int queue_init(struct locked_queue *q)
{
	memset(q, 0, offsetof(struct locked_queue, slot));
	if (pthread_mutex_init(&q->lock, NULL) != 0) {
		return -EAGAIN;
	}
	if (pthread_cond_init(&q->not_empty, NULL) != 0) {
		pthread_mutex_destroy(&q->lock);
		return -EAGAIN;
	}
	if (pthread_cond_init(&q->not_full, NULL) != 0) {
		pthread_cond_destroy(&q->not_empty);
		pthread_mutex_destroy(&q->lock);
		return -EAGAIN;
	}
	return 0;
}

static void queue_destroy(struct locked_queue *q)
{
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->not_empty);
	pthread_mutex_destroy(&q->lock);
}

static void queue_enqueue(struct locked_queue *q, const struct msg *m, atomic_uint_fast64_t *full_waits)
{
	pthread_mutex_lock(&q->lock);
	while (q->head - q->tail >= QUEUE_CAP) {
		atomic_fetch_add_explicit(full_waits, 1, memory_order_relaxed);
		q->waiting_producers++;
		pthread_cond_wait(&q->not_full, &q->lock);
		q->waiting_producers--;
	}
	q->slot[q->head & (QUEUE_CAP - 1)] = *m;
	q->head++;
	if (q->consumer_waiting) {
		pthread_cond_signal(&q->not_empty);
	}
	pthread_mutex_unlock(&q->lock);
}

static unsigned int queue_dequeue(struct locked_queue *q, struct msg *out, unsigned int max)
{
	unsigned int n = 0;

	pthread_mutex_lock(&q->lock);
	while (q->head == q->tail) {
		q->consumer_waiting = true;
		pthread_cond_wait(&q->not_empty, &q->lock);
		q->consumer_waiting = false;
	}
	while (n < max && q->tail != q->head) {
		out[n++] = q->slot[q->tail & (QUEUE_CAP - 1)];
		q->tail++;
	}
	if (q->waiting_producers > 0) {
		pthread_cond_broadcast(&q->not_full);
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}

/* ---- static helpers: threads ------------------------------------------------------------- */

static void *producer_main(void *arg)
{
	struct producer_arg *pa = arg;
	struct bench *b = pa->b;
	long cpus = lab_online_cpus();

	if (b->pin && cpus >= 2) {
		lab_pin_self((int)(pa->index % (unsigned long)(cpus - 1)));
	}
	pthread_barrier_wait(&b->start);
	for (uint64_t i = 1; i <= b->per_producer; i++) {
		struct msg m = {.fn = on_add_msg, .arg = i};

		if (b->variant == VAR_RING) {
			unsigned int spins = 0;

			while (ring_enqueue(b->ring, &m) != 0) {
				atomic_fetch_add_explicit(&b->full_waits, 1, memory_order_relaxed);
				backoff(&spins);
			}
		} else {
			queue_enqueue(b->q, &m, &b->full_waits);
		}
	}
	return NULL;
}

static void consume(struct bench *b)
{
	struct msg batch[MAX_BATCH];
	uint64_t total = b->per_producer * b->producers;
	uint64_t cpu0;

	pthread_barrier_wait(&b->start);
	cpu0 = lab_thread_cpu_ns();
	b->t0 = lab_now_ns();
	while (b->st.handled < total) {
		unsigned int n;

		if (b->variant == VAR_RING) {
			n = ring_dequeue_batch(b->ring, batch, b->batch);
			if (n == 0) {
				lab_cpu_relax();
				continue;
			}
		} else {
			n = queue_dequeue(b->q, batch, b->variant == VAR_MUTEX ? 1U : b->batch);
		}
		b->dequeues++;
		for (unsigned int i = 0; i < n; i++) {
			batch[i].fn(&b->st, batch[i].arg);
		}
	}
	b->t1 = lab_now_ns();
	b->cpu_ns = lab_thread_cpu_ns() - cpu0;
}

/* One timed pass; the calling thread is the consumer. */
static int bench_once(struct bench *b)
{
	pthread_t tids[MAX_PRODUCERS];
	struct producer_arg args[MAX_PRODUCERS];
	uint64_t expect;
	unsigned int started = 0;
	int rc = 0;

	memset(&b->st, 0, sizeof(b->st));
	b->dequeues = 0;
	atomic_store(&b->full_waits, 0);
	if (b->variant == VAR_RING) {
		ring_init(b->ring);
	} else {
		rc = queue_init(b->q);
		if (rc != 0) {
			return rc;
		}
	}
	if (pthread_barrier_init(&b->start, NULL, b->producers + 1) != 0) {
		rc = -EAGAIN;
		goto out_queue;
	}
	for (unsigned int i = 0; i < b->producers; i++) {
		args[i].b = b;
		args[i].index = i;
		if (pthread_create(&tids[i], NULL, producer_main, &args[i]) != 0) {
			/* the barrier would never open; nothing sensible to recover */
			fprintf(stderr, PROG ": pthread_create failed\n");
			exit(1);
		}
		started++;
	}
	consume(b);
	for (unsigned int i = 0; i < started; i++) {
		pthread_join(tids[i], NULL);
	}
	pthread_barrier_destroy(&b->start);
	expect = b->producers * (b->per_producer * (b->per_producer + 1) / 2);
	if (b->st.sum != expect) {
		fprintf(stderr, PROG ": %s lost or duplicated messages (sum %llu, expected %llu)\n",
			g_variant_ids[b->variant], (unsigned long long)b->st.sum,
			(unsigned long long)expect);
		rc = -EPROTO;
	}
out_queue:
	if (b->variant != VAR_RING) {
		queue_destroy(b->q);
	}
	return rc;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [options]\n"
		"Messages per second through a lock-free MPSC ring with batch dequeue versus\n"
		"a mutex + condition-variable queue, with 1..N producers and one consumer.\n"
		"JSON on stdout, table on stderr.\n\n"
		"  --runs N            measured runs per variant and producer count, 1..%d (default 5)\n"
		"  --msgs N            messages per run, split evenly over the producers (default 2000000)\n"
		"  --warmup-msgs N     messages in the unmeasured warm-up run (default 200000)\n"
		"  --max-producers N   measure 1..N producers, N <= %u (default 2)\n"
		"  --batch N           largest dequeue batch, 1..%u (default 8, like SPDK_MSG_BATCH_SIZE)\n"
		"  --variants LIST     comma list of mpsc-ring,mutex-condvar,mutex-condvar-batch\n"
		"  --no-pin            do not pin threads (default: consumer on the last CPU,\n"
		"                      producers on the others)\n"
		"  --help              this text\n",
		LAB_MAX_RUNS, MAX_PRODUCERS, MAX_BATCH);
}

static int parse_variants(const char *arg, bool v[VAR_COUNT])
{
	char *copy = strdup(arg);
	char *save = NULL;
	int rc = 0;

	if (copy == NULL) {
		return -ENOMEM;
	}
	memset(v, 0, sizeof(bool) * VAR_COUNT);
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < VAR_COUNT; i++) {
			if (strcmp(tok, g_variant_ids[i]) == 0) {
				v[i] = true;
				break;
			}
		}
		if (i == VAR_COUNT) {
			fprintf(stderr, PROG ": option --variants: unknown variant '%s'\n", tok);
			rc = -EINVAL;
			break;
		}
	}
	free(copy);
	return rc;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_RUNS = 256, O_MSGS, O_WARM, O_MAXP, O_BATCH, O_VARIANTS, O_NOPIN, O_HELP };
	static const struct option longopts[] = {
		{"runs", required_argument, NULL, O_RUNS},
		{"msgs", required_argument, NULL, O_MSGS},
		{"warmup-msgs", required_argument, NULL, O_WARM},
		{"max-producers", required_argument, NULL, O_MAXP},
		{"batch", required_argument, NULL, O_BATCH},
		{"variants", required_argument, NULL, O_VARIANTS},
		{"no-pin", no_argument, NULL, O_NOPIN},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	int c;
	int rc;

	memset(o, 0, sizeof(*o));
	o->runs = 5;
	o->msgs = 2000000;
	o->warmup_msgs = 200000;
	o->max_producers = 2;
	o->batch = 8;
	o->pin = true;
	for (int i = 0; i < VAR_COUNT; i++) {
		o->variants[i] = true;
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
		case O_MSGS:
			name = "msgs"; dst = &o->msgs; lo = 100; hi = 1000000000ULL;
			break;
		case O_WARM:
			name = "warmup-msgs"; dst = &o->warmup_msgs; lo = 0; hi = 1000000000ULL;
			break;
		case O_MAXP:
			name = "max-producers"; dst = &o->max_producers; hi = MAX_PRODUCERS;
			break;
		case O_BATCH:
			name = "batch"; dst = &o->batch; hi = MAX_BATCH;
			break;
		case O_VARIANTS:
			rc = parse_variants(optarg, o->variants);
			if (rc != 0) {
				return rc;
			}
			continue;
		case O_NOPIN:
			o->pin = false;
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
	return 0;
}

static int measure(const struct opts *o, struct bench *b, struct lab_runset *rs)
{
	int rc;

	if (o->warmup_msgs >= b->producers) {
		b->per_producer = o->warmup_msgs / b->producers;
		rc = bench_once(b);
		if (rc != 0) {
			return rc;
		}
	}
	b->per_producer = o->msgs / b->producers;
	for (unsigned int run = 0; run < o->runs; run++) {
		double total = (double)(b->per_producer * b->producers);
		double wall;

		rc = bench_once(b);
		if (rc != 0) {
			return rc;
		}
		wall = (double)(b->t1 - b->t0);
		lab_runset_put(rs, run, "msgs", total);
		lab_runset_put(rs, run, "msgs_per_sec", total / (wall / 1e9));
		lab_runset_put(rs, run, "ns_per_msg", wall / total);
		lab_runset_put(rs, run, "consumer_cpu_pct", 100.0 * (double)b->cpu_ns / wall);
		lab_runset_put(rs, run, "msgs_per_dequeue", total / (double)b->dequeues);
		lab_runset_put(rs, run, "producer_full_waits",
			       (double)atomic_load(&b->full_waits));
	}
	return 0;
}

static void emit_json(const struct opts *o, const struct lab_machine *m,
		      struct lab_runset (*rs)[MAX_PRODUCERS], const int (*status)[MAX_PRODUCERS])
{
	struct lab_json j;

	lab_results_begin(&j, "msg-ring",
			"messages per second handed to one consumer thread through a lock-free MPSC "
			"ring with batch dequeue versus a mutex + condition-variable queue", m);
	lab_json_u64(&j, "runs", o->runs);
	lab_json_u64(&j, "msgs_per_run", o->msgs);
	lab_json_u64(&j, "warmup_msgs", o->warmup_msgs);
	lab_json_u64(&j, "max_producers", o->max_producers);
	lab_json_u64(&j, "batch", o->batch);
	lab_json_u64(&j, "queue_capacity", QUEUE_CAP);
	lab_json_bool(&j, "pinned", o->pin);
	lab_json_string(&j, "placement", "consumer on the last CPU, producers round-robin on the others");
	lab_json_object_end(&j);
	lab_json_array_begin(&j, "results");
	for (int v = 0; v < VAR_COUNT; v++) {
		for (unsigned int p = 1; p <= o->max_producers; p++) {
			char id[48];

			if (!o->variants[v]) {
				continue;
			}
			snprintf(id, sizeof(id), "%s/p%u", g_variant_ids[v], p);
			lab_json_object_begin(&j, NULL);
			lab_json_string(&j, "id", id);
			lab_json_string(&j, "variant", g_variant_ids[v]);
			lab_json_string(&j, "label", g_variant_labels[v]);
			lab_json_u64(&j, "producers", p);
			lab_json_bool(&j, "skipped", status[v][p - 1] != 0);
			lab_json_string(&j, "skip_reason", status[v][p - 1] != 0 ? strerror(-status[v][p - 1]) : NULL);
			if (status[v][p - 1] == 0) {
				lab_runset_emit(&rs[v][p - 1], &j);
			}
			lab_json_object_end(&j);
		}
	}
	lab_json_array_end(&j);
	lab_json_array_begin(&j, "notes");
	lab_json_string(&j, NULL, "msgs_per_sec: messages / time from the start barrier until the "
			"consumer handled the last one");
	lab_json_string(&j, NULL, "consumer_cpu_pct: consumer thread CPU time / wall time; the ring's "
			"consumer polls, so it is near 100 by design");
	lab_json_string(&j, NULL, "runs: per-run figures; summary: min/median/max over runs");
	lab_json_array_end(&j);
	lab_json_object_end(&j);
	if (lab_json_finish(&j) != 0) {
		fprintf(stderr, PROG ": error writing JSON to stdout\n");
	}
}

static void print_table(const struct opts *o, struct lab_runset (*rs)[MAX_PRODUCERS],
			const int (*status)[MAX_PRODUCERS])
{
	fprintf(stderr, "\n" PROG ": %llu messages per run, %llu runs (medians; msg/s min..max)\n",
		(unsigned long long)o->msgs, (unsigned long long)o->runs);
	fprintf(stderr, "%-20s %4s %12s %25s %8s %9s %7s\n", "variant", "prod", "msg/s",
		"min..max", "ns/msg", "cons CPU%", "batch");
	for (int v = 0; v < VAR_COUNT; v++) {
		for (unsigned int p = 1; p <= o->max_producers; p++) {
			const struct lab_runset *r = &rs[v][p - 1];
			double lo;
			double med;
			double hi;

			if (!o->variants[v]) {
				continue;
			}
			if (status[v][p - 1] != 0) {
				fprintf(stderr, "%-20s %4u failed: %s\n", g_variant_ids[v], p,
					strerror(-status[v][p - 1]));
				continue;
			}
			lab_runset_spread(r, "msgs_per_sec", &lo, &med, &hi);
			fprintf(stderr, "%-20s %4u %12.0f %12.0f..%-12.0f %8.1f %9.1f %7.2f\n",
				g_variant_ids[v], p, med, lo, hi,
				lab_runset_median(r, "ns_per_msg"),
				lab_runset_median(r, "consumer_cpu_pct"),
				lab_runset_median(r, "msgs_per_dequeue"));
		}
	}
}

/* ---- entry point ------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct opts o;
	struct lab_machine m;
	struct bench *b;
	struct lab_runset (*rs)[MAX_PRODUCERS];
	int status[VAR_COUNT][MAX_PRODUCERS];
	bool failed = false;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc != 0) {
		return 2;
	}
	memset(status, 0, sizeof(status));
	b = calloc(1, sizeof(*b));
	rs = calloc(VAR_COUNT, sizeof(*rs));
	if (b != NULL) {
		b->ring = aligned_alloc(CACHE_LINE, sizeof(*b->ring));
		b->q = malloc(sizeof(*b->q));
	}
	if (b == NULL || rs == NULL || b->ring == NULL || b->q == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		if (b != NULL) {
			free(b->ring);
			free(b->q);
		}
		free(b);
		free(rs);
		return 1;
	}
	b->batch = (unsigned int)o.batch;
	b->pin = o.pin;
	lab_machine_probe_start(&m);
	if (o.pin && lab_online_cpus() >= 2) {
		rc = lab_pin_self((int)(lab_online_cpus() - 1));
		if (rc != 0) {
			fprintf(stderr, PROG ": warning: cannot pin the consumer: %s\n", strerror(-rc));
		}
	}
	for (int v = 0; v < VAR_COUNT; v++) {
		for (unsigned int p = 1; p <= o.max_producers; p++) {
			if (!o.variants[v]) {
				continue;
			}
			lab_runset_init(&rs[v][p - 1]);
			b->variant = (enum variant_id)v;
			b->producers = p;
			fprintf(stderr, PROG ": %s with %u producer%s\n", g_variant_ids[v], p, p > 1 ? "s" : "");
			status[v][p - 1] = measure(&o, b, &rs[v][p - 1]);
			if (status[v][p - 1] != 0) {
				failed = true;
			}
		}
	}
	lab_machine_probe_end(&m);
	emit_json(&o, &m, rs, (const int (*)[MAX_PRODUCERS])status);
	print_table(&o, rs, (const int (*)[MAX_PRODUCERS])status);
	lab_machine_warn(&m, stderr);
	free(b->ring);
	free(b->q);
	free(b);
	free(rs);
	if (failed) {
		fprintf(stderr, PROG ": at least one measurement failed\n");
		return 1;
	}
	return 0;
}
