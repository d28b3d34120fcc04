/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * io-path - what one 4 KiB random read costs when it goes through the Linux
 * kernel, issued four ways against a file this program creates:
 *
 *   pread          one synchronous pread(2) per I/O
 *   uring-qd1      io_uring, one read in flight, one io_uring_enter per I/O
 *                  (submit and wait in the same call)
 *   uring-batch    io_uring, batches of --batch reads (default 32) submitted
 *                  and waited for with one io_uring_enter per batch
 *   uring-sqpoll   io_uring with a kernel submission-queue polling thread:
 *                  the application spins on the completion ring and makes a
 *                  system call only when the SQ thread has gone to sleep
 *
 * For each mode and run: I/Os per second, latency (mean, p50, p90, p99, p99.9,
 * max; from just before submission to the moment the completion is seen),
 * CPU time per I/O split into user and system for the whole process
 * (getrusage RUSAGE_SELF, which includes the kernel's io_uring worker and
 * SQPOLL threads because they belong to this process) and for the calling
 * thread (RUSAGE_THREAD), and system calls per I/O as counted by this
 * program (see "syscall_counting" in the JSON for each mode).
 *
 * It does NOT measure: SPDK itself (no user-space NVMe driver runs here);
 * the device's own latency in isolation (a VM's virtual disk adds the
 * hypervisor); the cost of interrupts, which the kernel charges to whatever
 * was running (often the idle task), so it is missing from the figures;
 * writes, larger blocks or deeper queues than one batch. With the buffered
 * fallback (no O_DIRECT) the reads are page-cache hits: memory copies, no
 * device at all.
 */
#define _GNU_SOURCE
#include "lab_common.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef LAB_HAVE_LIBURING
#include <liburing.h>
#endif

#define PROG "io-path"
#define IO_BLOCK 4096U
#define MAX_BATCH 256U

enum mode_id {
	MODE_PREAD,
	MODE_URING_QD1,
	MODE_URING_BATCH,
	MODE_URING_SQPOLL,
	MODE_COUNT
};

struct mode_desc {
	const char *id;
	const char *label;
	const char *syscall_counting;
};

static const struct mode_desc g_modes[MODE_COUNT] = {
	[MODE_PREAD] = {"pread", "pread, synchronous",
			"one pread() call per I/O"},
	[MODE_URING_QD1] = {"uring-qd1", "io_uring, queue depth 1",
			    "one io_uring_enter() per I/O (io_uring_submit_and_wait with wait_nr=1); "
			    "completions are then read from the ring without a call"},
	[MODE_URING_BATCH] = {"uring-batch", "io_uring, batches",
			      "one io_uring_enter() per batch (io_uring_submit_and_wait with "
			      "wait_nr=batch), divided by the I/Os in the batch"},
	[MODE_URING_SQPOLL] = {"uring-sqpoll", "io_uring + SQPOLL, queue depth 1",
			       "an io_uring_enter() is counted when IORING_SQ_NEED_WAKEUP was set "
			       "just before io_uring_submit (the only case where liburing enters "
			       "the kernel under SQPOLL); completions are polled from the ring, "
			       "never waited for with a call"},
};

struct opts {
	const char *file;
	uint64_t size;
	uint64_t ios;
	uint64_t warmup;
	uint64_t runs;
	uint64_t batch;
	uint64_t sqpoll_idle_ms;
	long cpu;
	long sqpoll_cpu;
	bool buffered;
	bool keep;
	bool modes[MODE_COUNT];
};

struct target {
	int fd;
	bool direct;
	bool reused;
	bool created;
	char direct_note[256];
	char fstype[64];
	char fssrc[256];
	uint64_t nblocks;
	void *buf;
};

struct mode_result {
	bool skipped;
	char reason[256];
	struct lab_runset rs;
};

struct run_acc {
	struct lab_hist hist;
	uint64_t ios;
	uint64_t syscalls;
	uint64_t t0;
	uint64_t t1;
	struct lab_cpu self0;
	struct lab_cpu self1;
	struct lab_cpu thr0;
	struct lab_cpu thr1;
};

/* ---- static helpers --------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [options]\n"
		"Cost of one 4 KiB random read through the kernel: pread, io_uring QD1,\n"
		"io_uring batches, io_uring SQPOLL. JSON on stdout, table on stderr.\n\n"
		"  --file PATH         test file to create/reuse (default /var/tmp/spdk-lab-io-path.dat)\n"
		"  --size BYTES        test file size, K/M/G suffix allowed (default 256M, min 1M)\n"
		"  --ios N             measured I/Os per mode per run (default 20000)\n"
		"  --warmup N          unmeasured I/Os before each measured run (default 1000)\n"
		"  --runs N            runs per mode, 1..%d (default 3)\n"
		"  --batch N           reads per io_uring batch, 2..%u (default 32)\n"
		"  --modes LIST        comma list of pread,uring-qd1,uring-batch,uring-sqpoll (default all)\n"
		"  --buffered          do not try O_DIRECT (reads then hit the page cache)\n"
		"  --cpu N             pin the issuing thread to CPU N (default 0; -1 = no pinning)\n"
		"  --sqpoll-cpu N      pin the SQPOLL kernel thread to CPU N (default 1 if there are\n"
		"                      two or more CPUs, else unpinned; -1 = no pinning)\n"
		"  --sqpoll-idle-ms N  SQPOLL thread idle time before it sleeps (default 1000)\n"
		"  --keep              keep the test file (default: delete it if this run created it)\n"
		"  --help              this text\n",
		LAB_MAX_RUNS, MAX_BATCH);
}

static const char *mode_name(size_t i)
{
	return g_modes[i].id;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { O_FILE = 256, O_SIZE, O_IOS, O_WARMUP, O_RUNS, O_BATCH, O_MODES, O_BUFFERED,
	       O_CPU, O_SQCPU, O_SQIDLE, O_KEEP, O_HELP };
	static const struct option longopts[] = {
		{"file", required_argument, NULL, O_FILE},
		{"size", required_argument, NULL, O_SIZE},
		{"ios", required_argument, NULL, O_IOS},
		{"warmup", required_argument, NULL, O_WARMUP},
		{"runs", required_argument, NULL, O_RUNS},
		{"batch", required_argument, NULL, O_BATCH},
		{"modes", required_argument, NULL, O_MODES},
		{"buffered", no_argument, NULL, O_BUFFERED},
		{"cpu", required_argument, NULL, O_CPU},
		{"sqpoll-cpu", required_argument, NULL, O_SQCPU},
		{"sqpoll-idle-ms", required_argument, NULL, O_SQIDLE},
		{"keep", no_argument, NULL, O_KEEP},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	int c;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	o->file = "/var/tmp/spdk-lab-io-path.dat";
	o->size = 256ULL << 20;
	o->ios = 20000;
	o->warmup = 1000;
	o->runs = 3;
	o->batch = 32;
	o->sqpoll_idle_ms = 1000;
	o->cpu = 0;
	o->sqpoll_cpu = lab_online_cpus() >= 2 ? 1 : -1;
	for (int m = 0; m < MODE_COUNT; m++) {
		o->modes[m] = true;
	}

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *name = NULL;
		uint64_t *dst = NULL;
		uint64_t lo = 0;
		uint64_t hi = 0;
		bool suffix = false;

		switch (c) {
		case O_FILE:
			if (optarg[0] == '\0') {
				fprintf(stderr, PROG ": option --file: empty path\n");
				return -EINVAL;
			}
			o->file = optarg;
			continue;
		case O_SIZE:
			name = "size"; dst = &o->size; lo = 1ULL << 20; hi = 1ULL << 40; suffix = true;
			break;
		case O_IOS:
			name = "ios"; dst = &o->ios; lo = 1; hi = 1000000000ULL;
			break;
		case O_WARMUP:
			name = "warmup"; dst = &o->warmup; lo = 0; hi = 1000000000ULL;
			break;
		case O_RUNS:
			name = "runs"; dst = &o->runs; lo = 1; hi = LAB_MAX_RUNS;
			break;
		case O_BATCH:
			name = "batch"; dst = &o->batch; lo = 2; hi = MAX_BATCH;
			break;
		case O_SQIDLE:
			name = "sqpoll-idle-ms"; dst = &o->sqpoll_idle_ms; lo = 1; hi = 60000;
			break;
		case O_MODES:
			rc = lab_parse_name_list(PROG, "modes", optarg, MODE_COUNT, mode_name, o->modes);
			if (rc != 0) {
				return rc;
			}
			continue;
		case O_BUFFERED:
			o->buffered = true;
			continue;
		case O_KEEP:
			o->keep = true;
			continue;
		case O_CPU:
			rc = lab_parse_cpu(PROG, "cpu", optarg, &o->cpu);
			if (rc != 0) {
				return rc;
			}
			continue;
		case O_SQCPU:
			rc = lab_parse_cpu(PROG, "sqpoll-cpu", optarg, &o->sqpoll_cpu);
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
		rc = lab_parse_u64(optarg, suffix, lo, hi, dst);
		if (rc != 0) {
			lab_bad_option(PROG, name, optarg, rc, lo, hi);
			return rc;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (try --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (o->ios % o->batch != 0 && o->modes[MODE_URING_BATCH]) {
		/* round up so every batch is full */
		o->ios += o->batch - o->ios % o->batch;
	}
	if (o->warmup % o->batch != 0) {
		o->warmup += o->batch - o->warmup % o->batch;
	}
	return 0;
}

static int fill_file(int fd, uint64_t size)
{
	const size_t chunk = 1U << 20;
	uint64_t state = 0x9e3779b97f4a7c15ULL;
	uint64_t *data = malloc(chunk);
	uint64_t done = 0;

	if (data == NULL) {
		return -ENOMEM;
	}
	while (done < size) {
		size_t n = size - done < chunk ? (size_t)(size - done) : chunk;
		ssize_t w;

		for (size_t i = 0; i < chunk / sizeof(uint64_t); i++) {
			data[i] = lab_rand_next(&state);
		}
		w = pwrite(fd, data, n, (off_t)done);
		if (w < 0) {
			int rc = -errno;

			free(data);
			return rc;
		}
		done += (uint64_t)w;
	}
	free(data);
	if (fsync(fd) != 0) {
		return -errno;
	}
	return 0;
}

static int prepare_target(const struct opts *o, struct target *t)
{
	struct stat st;
	int fd;
	int rc;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (stat(o->file, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == o->size) {
		t->reused = true;
	} else {
		fd = open(o->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = -errno;
			fprintf(stderr, PROG ": cannot create test file %s: %s\n", o->file, strerror(-rc));
			return rc;
		}
		t->created = true;
		fprintf(stderr, PROG ": writing %llu MiB test file %s ...\n",
			(unsigned long long)(o->size >> 20), o->file);
		rc = fill_file(fd, o->size);
		if (rc != 0) {
			fprintf(stderr, PROG ": cannot write test file %s: %s\n", o->file, strerror(-rc));
			close(fd);
			return rc;
		}
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
	t->nblocks = o->size / IO_BLOCK;
	if (lab_fs_of_path(o->file, t->fstype, sizeof(t->fstype), t->fssrc, sizeof(t->fssrc)) != 0) {
		snprintf(t->fstype, sizeof(t->fstype), "unknown");
	}
	rc = posix_memalign(&t->buf, IO_BLOCK, (size_t)IO_BLOCK * MAX_BATCH);
	if (rc != 0) {
		return -rc;
	}
	memset(t->buf, 0, (size_t)IO_BLOCK * MAX_BATCH);

	if (!o->buffered) {
		fd = open(o->file, O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (fd < 0) {
			snprintf(t->direct_note, sizeof(t->direct_note),
				 "O_DIRECT open failed on %s (%s); using buffered reads (page-cache hits)",
				 t->fstype, strerror(errno));
		} else if (pread(fd, t->buf, IO_BLOCK, 0) != (ssize_t)IO_BLOCK) {
			snprintf(t->direct_note, sizeof(t->direct_note),
				 "O_DIRECT read failed on %s (%s); using buffered reads (page-cache hits)",
				 t->fstype, strerror(errno));
			close(fd);
		} else {
			t->fd = fd;
			t->direct = true;
			snprintf(t->direct_note, sizeof(t->direct_note), "O_DIRECT in use");
			if (strcmp(t->fstype, "tmpfs") == 0 || strcmp(t->fstype, "ramfs") == 0) {
				snprintf(t->direct_note, sizeof(t->direct_note),
					 "O_DIRECT accepted, but %s keeps the file in memory: no device is involved",
					 t->fstype);
				fprintf(stderr, PROG ": note: %s\n", t->direct_note);
			}
		}
		if (!t->direct) {
			fprintf(stderr, PROG ": note: %s\n", t->direct_note);
		}
	} else {
		snprintf(t->direct_note, sizeof(t->direct_note),
			 "--buffered given; reads are page-cache hits");
	}
	if (t->fd < 0) {
		t->fd = open(o->file, O_RDONLY | O_CLOEXEC);
		if (t->fd < 0) {
			rc = -errno;
			fprintf(stderr, PROG ": cannot open %s: %s\n", o->file, strerror(-rc));
			return rc;
		}
		/* warm the page cache so every buffered read is a hit */
		for (uint64_t b = 0; b < t->nblocks; b++) {
			if (pread(t->fd, t->buf, IO_BLOCK, (off_t)(b * IO_BLOCK)) < 0) {
				break;
			}
		}
	}
	return 0;
}

static off_t next_offset(const struct target *t, uint64_t *rng)
{
	return (off_t)((lab_rand_next(rng) % t->nblocks) * IO_BLOCK);
}

static int acc_begin(struct run_acc *a)
{
	int rc;

	lab_hist_reset(&a->hist);
	a->ios = 0;
	a->syscalls = 0;
	rc = lab_cpu_sample(RUSAGE_SELF, &a->self0);
	if (rc == 0) {
		rc = lab_cpu_sample(RUSAGE_THREAD, &a->thr0);
	}
	a->t0 = lab_now_ns();
	return rc;
}

static int acc_end(struct run_acc *a)
{
	int rc;

	a->t1 = lab_now_ns();
	rc = lab_cpu_sample(RUSAGE_SELF, &a->self1);
	if (rc == 0) {
		rc = lab_cpu_sample(RUSAGE_THREAD, &a->thr1);
	}
	return rc;
}

static int run_pread(const struct opts *o, struct target *t, uint64_t seed, struct run_acc *a)
{
	uint64_t rng = seed;
	int rc;

	for (uint64_t i = 0; i < o->warmup; i++) {
		if (pread(t->fd, t->buf, IO_BLOCK, next_offset(t, &rng)) != (ssize_t)IO_BLOCK) {
			return errno ? -errno : -EIO;
		}
	}
	rc = acc_begin(a);
	if (rc != 0) {
		return rc;
	}
	for (uint64_t i = 0; i < o->ios; i++) {
		off_t off = next_offset(t, &rng);
		uint64_t ts = lab_now_ns();
		ssize_t n = pread(t->fd, t->buf, IO_BLOCK, off);
		uint64_t te = lab_now_ns();

		if (n != (ssize_t)IO_BLOCK) {
			return n < 0 ? -errno : -EIO;
		}
		a->syscalls++;
		a->ios++;
		lab_hist_record(&a->hist, te - ts);
	}
	return acc_end(a);
}

#ifdef LAB_HAVE_LIBURING

static int ring_open(const struct opts *o, struct target *t, enum mode_id mode,
		     struct io_uring *ring, char *why, size_t why_len)
{
	struct io_uring_params p;
	unsigned int depth = mode == MODE_URING_BATCH ? (unsigned int)o->batch : 4U;
	int rc;

	memset(&p, 0, sizeof(p));
	if (mode == MODE_URING_SQPOLL) {
		p.flags |= IORING_SETUP_SQPOLL;
		p.sq_thread_idle = (unsigned int)o->sqpoll_idle_ms;
		if (o->sqpoll_cpu >= 0) {
			p.flags |= IORING_SETUP_SQ_AFF;
			p.sq_thread_cpu = (unsigned int)o->sqpoll_cpu;
		}
	}
	rc = io_uring_queue_init_params(depth, ring, &p);
	if (rc < 0) {
		snprintf(why, why_len, "io_uring_queue_init_params(%s) failed: %s%s",
			 mode == MODE_URING_SQPOLL ? "SQPOLL" : "plain", strerror(-rc),
			 rc == -EPERM ? " (io_uring disabled by sysctl kernel.io_uring_disabled, "
					"or SQPOLL not permitted for this user)"
				      : rc == -ENOSYS ? " (kernel without io_uring, or blocked by seccomp)" : "");
		return rc;
	}
	rc = io_uring_register_files(ring, &t->fd, 1);
	if (rc < 0) {
		snprintf(why, why_len, "io_uring_register_files failed: %s", strerror(-rc));
		io_uring_queue_exit(ring);
		return rc;
	}
	return 0;
}

static void prep_read(struct io_uring *ring, struct target *t, unsigned int slot, off_t off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	/* the ring is sized for the largest batch, so an SQE is always free */
	io_uring_prep_read(sqe, 0, (char *)t->buf + (size_t)slot * IO_BLOCK, IO_BLOCK, (uint64_t)off);
	sqe->flags |= IOSQE_FIXED_FILE;
}

/* Reaps n completions that are already in the CQ ring (no system call). */
static int reap_ready(struct io_uring *ring, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct io_uring_cqe *cqe = NULL;
		int res;

		while (io_uring_cq_ready(ring) == 0) {
			lab_cpu_relax();
		}
		if (io_uring_peek_cqe(ring, &cqe) != 0 || cqe == NULL) {
			return -EIO;
		}
		res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		if (res != (int)IO_BLOCK) {
			return res < 0 ? res : -EIO;
		}
	}
	return 0;
}

/* One unit of work: a single read (qd1, sqpoll) or one batch. Returns the
 * number of I/Os done or a negative errno; *calls gets the syscalls made. */
static int uring_step(const struct opts *o, struct target *t, enum mode_id mode,
		      struct io_uring *ring, uint64_t *rng, uint64_t *calls)
{
	unsigned int n = mode == MODE_URING_BATCH ? (unsigned int)o->batch : 1U;
	int rc;

	for (unsigned int i = 0; i < n; i++) {
		prep_read(ring, t, i, next_offset(t, rng));
	}
	if (mode == MODE_URING_SQPOLL) {
		bool wake;

		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		wake = (IO_URING_READ_ONCE(*ring->sq.kflags) & IORING_SQ_NEED_WAKEUP) != 0;
		rc = io_uring_submit(ring);
		*calls += wake ? 1U : 0U;
	} else {
		rc = io_uring_submit_and_wait(ring, n);
		*calls += 1;
	}
	if (rc < 0) {
		return rc;
	}
	/* under SQPOLL liburing reports every entry the kernel thread has not yet
	 * consumed, which can include the previous one: only require ours */
	if (mode == MODE_URING_SQPOLL ? rc < (int)n : (unsigned int)rc != n) {
		return -EIO;
	}
	rc = reap_ready(ring, n);
	return rc < 0 ? rc : (int)n;
}

static int run_uring(const struct opts *o, struct target *t, enum mode_id mode, uint64_t seed,
		     struct run_acc *a, char *why, size_t why_len)
{
	struct io_uring ring;
	uint64_t rng = seed;
	uint64_t dummy = 0;
	int rc;

	rc = ring_open(o, t, mode, &ring, why, why_len);
	if (rc != 0) {
		return rc;
	}
	for (uint64_t done = 0; done < o->warmup;) {
		rc = uring_step(o, t, mode, &ring, &rng, &dummy);
		if (rc < 0) {
			goto out;
		}
		done += (uint64_t)rc;
	}
	rc = acc_begin(a);
	if (rc != 0) {
		goto out;
	}
	while (a->ios < o->ios) {
		uint64_t ts = lab_now_ns();
		uint64_t te;

		rc = uring_step(o, t, mode, &ring, &rng, &a->syscalls);
		if (rc < 0) {
			goto out;
		}
		te = lab_now_ns();
		for (int i = 0; i < rc; i++) {
			lab_hist_record(&a->hist, te - ts);
		}
		a->ios += (uint64_t)rc;
	}
	rc = acc_end(a);
out:
	if (rc < 0 && why[0] == '\0') {
		snprintf(why, why_len, "I/O failed: %s", strerror(-rc));
	}
	io_uring_queue_exit(&ring);
	return rc;
}

#endif /* LAB_HAVE_LIBURING */

static void store_run(struct mode_result *mr, unsigned int run, const struct run_acc *a)
{
	double ios = (double)a->ios;
	double wall = (double)(a->t1 - a->t0);
	double su = (double)(a->self1.user_ns - a->self0.user_ns);
	double ss = (double)(a->self1.sys_ns - a->self0.sys_ns);
	double tu = (double)(a->thr1.user_ns - a->thr0.user_ns);
	double tsys = (double)(a->thr1.sys_ns - a->thr0.sys_ns);

	lab_runset_put(&mr->rs, run, "ios", ios);
	lab_runset_put(&mr->rs, run, "wall_s", wall / 1e9);
	lab_runset_put(&mr->rs, run, "iops", ios / (wall / 1e9));
	lab_runset_put_hist(&mr->rs, run, &a->hist);
	lab_runset_put(&mr->rs, run, "cpu_user_ns_per_io", su / ios);
	lab_runset_put(&mr->rs, run, "cpu_sys_ns_per_io", ss / ios);
	lab_runset_put(&mr->rs, run, "thread_user_ns_per_io", tu / ios);
	lab_runset_put(&mr->rs, run, "thread_sys_ns_per_io", tsys / ios);
	lab_runset_put(&mr->rs, run, "process_cpu_pct", 100.0 * (su + ss) / wall);
	lab_runset_put(&mr->rs, run, "syscalls_per_io", (double)a->syscalls / ios);
}

static int run_mode(const struct opts *o, struct target *t, enum mode_id mode, unsigned int run,
		    struct mode_result *mr)
{
	struct run_acc *a = calloc(1, sizeof(*a));
	uint64_t seed = 0x1234567ULL + run * 7919ULL + (uint64_t)mode;
	int rc;

	if (a == NULL) {
		return -ENOMEM;
	}
	if (mode == MODE_PREAD) {
		rc = run_pread(o, t, seed, a);
		if (rc != 0) {
			snprintf(mr->reason, sizeof(mr->reason), "pread failed: %s", strerror(-rc));
		}
	} else {
#ifdef LAB_HAVE_LIBURING
		mr->reason[0] = '\0';
		rc = run_uring(o, t, mode, seed, a, mr->reason, sizeof(mr->reason));
#else
		snprintf(mr->reason, sizeof(mr->reason),
			 "built without liburing (install liburing-dev and rebuild)");
		rc = -ENOTSUP;
#endif
	}
	if (rc == 0) {
		store_run(mr, run, a);
	}
	free(a);
	return rc;
}

static void emit_json(const struct opts *o, const struct target *t, const struct lab_machine *m,
		      struct mode_result res[MODE_COUNT])
{
	struct lab_json j;

	lab_results_begin(&j, "io-path",
			"cost of one 4 KiB random read through the kernel: latency, IOPS, CPU time "
			"per I/O (user/system) and system calls per I/O, for pread and io_uring modes", m);
	lab_json_string(&j, "file", o->file);
	lab_json_u64(&j, "file_size_bytes", o->size);
	lab_json_bool(&j, "file_reused", t->reused);
	lab_json_string(&j, "filesystem", t->fstype);
	lab_json_string(&j, "filesystem_source", t->fssrc);
	lab_json_bool(&j, "o_direct", t->direct);
	lab_json_string(&j, "o_direct_note", t->direct_note);
	lab_json_u64(&j, "block_size", IO_BLOCK);
	lab_json_u64(&j, "ios_per_run", o->ios);
	lab_json_u64(&j, "warmup_ios", o->warmup);
	lab_json_u64(&j, "runs", o->runs);
	lab_json_u64(&j, "batch", o->batch);
	if (o->cpu >= 0) {
		lab_json_u64(&j, "issuer_cpu", (uint64_t)o->cpu);
	} else {
		lab_json_null(&j, "issuer_cpu");
	}
	if (o->sqpoll_cpu >= 0) {
		lab_json_u64(&j, "sqpoll_cpu", (uint64_t)o->sqpoll_cpu);
	} else {
		lab_json_null(&j, "sqpoll_cpu");
	}
	lab_json_u64(&j, "sqpoll_idle_ms", o->sqpoll_idle_ms);
#ifdef LAB_HAVE_LIBURING
	lab_json_bool(&j, "liburing", true);
#else
	lab_json_bool(&j, "liburing", false);
#endif
	lab_json_string(&j, "access", "uniform random 4 KiB-aligned offsets, same seed per run for every mode");
	lab_json_object_end(&j);
	lab_json_array_begin(&j, "results");
	for (int mode = 0; mode < MODE_COUNT; mode++) {
		if (!o->modes[mode]) {
			continue;
		}
		lab_json_object_begin(&j, NULL);
		lab_json_string(&j, "id", g_modes[mode].id);
		lab_json_string(&j, "mode", g_modes[mode].id);
		lab_json_string(&j, "label", g_modes[mode].label);
		lab_json_u64(&j, "ios_per_submit", mode == MODE_URING_BATCH ? o->batch : 1);
		lab_json_string(&j, "syscall_counting", g_modes[mode].syscall_counting);
		lab_json_bool(&j, "skipped", res[mode].skipped);
		lab_json_string(&j, "skip_reason", res[mode].skipped ? res[mode].reason : NULL);
		if (!res[mode].skipped) {
			lab_runset_emit(&res[mode].rs, &j);
		}
		lab_json_object_end(&j);
	}
	lab_json_array_end(&j);
	lab_json_array_begin(&j, "notes");
	lab_json_string(&j, NULL, "latency: from just before the submitting call to the moment the "
			"completion is seen; in uring-batch every I/O of a batch gets the batch's time");
	lab_json_string(&j, NULL, "cpu_*_per_io: getrusage(RUSAGE_SELF), whole process including the "
			"kernel io_uring worker and SQPOLL threads; thread_*_per_io: RUSAGE_THREAD, the "
			"issuing thread only; the user/system split comes from the kernel's tick sampling");
	lab_json_string(&j, NULL, "interrupt handling is charged to whatever ran when the interrupt "
			"arrived (often the idle task) and is not in these CPU figures");
	lab_json_string(&j, NULL, "runs: per-run figures; summary: min/median/max over runs");
	lab_json_array_end(&j);
	lab_json_object_end(&j);
	if (lab_json_finish(&j) != 0) {
		fprintf(stderr, PROG ": error writing JSON to stdout\n");
	}
}

static void print_table(const struct opts *o, const struct target *t, struct mode_result res[MODE_COUNT])
{
	fprintf(stderr, "\n" PROG ": 4 KiB random reads, %s, %s, %llu I/Os x %llu runs (medians; "
		"IOPS min..max)\n", t->fstype, t->direct ? "O_DIRECT" : "buffered (page cache)",
		(unsigned long long)o->ios, (unsigned long long)o->runs);
	fprintf(stderr, "%-14s %17s %8s %8s %8s %8s %8s %8s %8s %6s\n", "mode", "IOPS (min..max)",
		"mean us", "p50 us", "p99 us", "p99.9us", "usr ns", "sys ns", "calls", "CPU%");
	for (int mode = 0; mode < MODE_COUNT; mode++) {
		const struct lab_runset *rs = &res[mode].rs;
		double lo;
		double med;
		double hi;

		if (!o->modes[mode]) {
			continue;
		}
		if (res[mode].skipped) {
			fprintf(stderr, "%-14s skipped: %s\n", g_modes[mode].id, res[mode].reason);
			continue;
		}
		lab_runset_spread(rs, "iops", &lo, &med, &hi);
		fprintf(stderr, "%-14s %7.0f..%-7.0f %8.1f %8.1f %8.1f %8.1f %8.0f %8.0f %8.3f %6.0f\n",
			g_modes[mode].id, lo, hi,
			lab_runset_median(rs, "lat_mean_ns") / 1e3,
			lab_runset_median(rs, "lat_p50_ns") / 1e3,
			lab_runset_median(rs, "lat_p99_ns") / 1e3,
			lab_runset_median(rs, "lat_p999_ns") / 1e3,
			lab_runset_median(rs, "cpu_user_ns_per_io"),
			lab_runset_median(rs, "cpu_sys_ns_per_io"),
			lab_runset_median(rs, "syscalls_per_io"),
			lab_runset_median(rs, "process_cpu_pct"));
	}
	fprintf(stderr, "(usr/sys ns = process CPU time per I/O; calls = system calls per I/O; "
		"CPU%% = process CPU / wall time, 100 = one core)\n");
}

/* ---- entry point ------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct opts o;
	struct target t;
	struct lab_machine m;
	struct mode_result *res;
	int rc;
	bool any_ok = false;
	bool pread_failed = false;

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
		lab_runset_init(&res[mode].rs);
	}
	lab_machine_probe_start(&m);
	if (o.cpu >= 0) {
		rc = lab_pin_self((int)o.cpu);
		if (rc != 0) {
			fprintf(stderr, PROG ": warning: cannot pin to CPU %ld: %s\n", o.cpu, strerror(-rc));
		}
	}
	rc = prepare_target(&o, &t);
	if (rc != 0) {
		free(t.buf);
		free(res);
		return 1;
	}
	snprintf(m.test_fs, sizeof(m.test_fs), "%s", t.fstype);
	for (unsigned int run = 0; run < o.runs; run++) {
		for (int mode = 0; mode < MODE_COUNT; mode++) {
			if (!o.modes[mode] || res[mode].skipped) {
				continue;
			}
			fprintf(stderr, PROG ": run %u/%llu %s\n", run + 1, (unsigned long long)o.runs,
				g_modes[mode].id);
			rc = run_mode(&o, &t, (enum mode_id)mode, run, &res[mode]);
			if (rc != 0) {
				res[mode].skipped = true;
				pread_failed = pread_failed || mode == MODE_PREAD;
				fprintf(stderr, PROG ": skipping mode %s: %s\n", g_modes[mode].id,
					res[mode].reason);
			}
		}
	}
	lab_machine_probe_end(&m);
	for (int mode = 0; mode < MODE_COUNT; mode++) {
		if (o.modes[mode] && !res[mode].skipped) {
			any_ok = true;
		}
	}
	emit_json(&o, &t, &m, res);
	print_table(&o, &t, res);
	lab_machine_warn(&m, stderr);
	close(t.fd);
	if (t.created && !o.keep) {
		unlink(o.file);
	}
	free(t.buf);
	free(res);
	if (!any_ok) {
		fprintf(stderr, PROG ": every selected mode failed or was skipped\n");
		return 1;
	}
	if (pread_failed) {
		fprintf(stderr, PROG ": the pread baseline failed\n");
		return 1;
	}
	return 0;
}
