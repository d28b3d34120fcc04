/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lab_common.h - helpers shared by the three SPDK primer labs (io-path,
 * poll-vs-interrupt, msg-ring): monotonic and CPU-time clocks, a log-linear
 * latency histogram, a small streaming JSON writer, per-run figures with
 * their min/median/max spread, a machine description and option parsing.
 *
 * Functions that can fail return 0 or a negative errno value.
 */
#ifndef LAB_COMMON_H
#define LAB_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LAB_SCHEMA "spdk-primer-labs/1"

/* ---- clocks ---------------------------------------------------------- */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t lab_now_ns(void);
/* CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), nanoseconds. */
uint64_t lab_thread_cpu_ns(void);

/* Process-wide or calling-thread CPU split into user and system time. */
struct lab_cpu {
	uint64_t user_ns;
	uint64_t sys_ns;
};
/* who: RUSAGE_SELF or RUSAGE_THREAD. */
int lab_cpu_sample(int who, struct lab_cpu *out);

/* A hint to the CPU that we are in a spin-wait loop. */
static inline void lab_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* ---- log-linear histogram --------------------------------------------- */

/*
 * Values (nanoseconds) are bucketed like an HDR histogram: exact below
 * 2^LAB_HIST_SUB_BITS, then every power of two is split into
 * 2^LAB_HIST_SUB_BITS linear sub-buckets, so any recorded value is known
 * to within 1/32 (about 3 %). Count, sum, min and max are exact.
 */
#define LAB_HIST_SUB_BITS 5
#define LAB_HIST_BUCKETS ((64 - LAB_HIST_SUB_BITS + 1) << LAB_HIST_SUB_BITS)

struct lab_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	double sum;
	uint64_t buckets[LAB_HIST_BUCKETS];
};

void lab_hist_reset(struct lab_hist *h);
void lab_hist_record(struct lab_hist *h, uint64_t value);
/* Smallest recorded value v such that pct % of samples are <= v (within
 * bucket precision, clamped to the exact min/max). 0 when empty. */
uint64_t lab_hist_percentile(const struct lab_hist *h, double pct);
double lab_hist_mean(const struct lab_hist *h);

/* ---- JSON writer ------------------------------------------------------- */

#define LAB_JSON_MAX_DEPTH 16

struct lab_json {
	FILE *out;
	int depth;
	bool need_comma[LAB_JSON_MAX_DEPTH];
	int err;
};

/* key is the member name inside an object and must be NULL inside an
 * array or at the top level. */
void lab_json_init(struct lab_json *j, FILE *out);
void lab_json_object_begin(struct lab_json *j, const char *key);
void lab_json_object_end(struct lab_json *j);
void lab_json_array_begin(struct lab_json *j, const char *key);
void lab_json_array_end(struct lab_json *j);
void lab_json_string(struct lab_json *j, const char *key, const char *s);
void lab_json_u64(struct lab_json *j, const char *key, uint64_t v);
void lab_json_double(struct lab_json *j, const char *key, double v);
void lab_json_bool(struct lab_json *j, const char *key, bool v);
void lab_json_null(struct lab_json *j, const char *key);
/* Ends the document; -EPROTO if unbalanced, -EIO on a write error. */
int lab_json_finish(struct lab_json *j);

/* ---- per-run figures and their spread ----------------------------------- */

#define LAB_MAX_RUNS 32
#define LAB_MAX_METRICS 24

struct lab_runset {
	unsigned int nruns;
	unsigned int nmetrics;
	const char *names[LAB_MAX_METRICS];
	double v[LAB_MAX_RUNS][LAB_MAX_METRICS];
};

void lab_runset_init(struct lab_runset *rs);
/* name must outlive the runset (string literals). */
int lab_runset_put(struct lab_runset *rs, unsigned int run, const char *name, double v);
/* Stores lat_count, lat_min_ns, lat_mean_ns, lat_p50_ns, lat_p90_ns,
 * lat_p99_ns, lat_p999_ns and lat_max_ns for one run. */
int lab_runset_put_hist(struct lab_runset *rs, unsigned int run, const struct lab_hist *h);
int lab_runset_spread(const struct lab_runset *rs, const char *name,
		      double *min, double *median, double *max);
/* Median over runs, or NAN if the metric is unknown. */
double lab_runset_median(const struct lab_runset *rs, const char *name);
/* Emits "runs": [ {...}, ... ] and "summary": { name: {min, median, max} }. */
void lab_runset_emit(const struct lab_runset *rs, struct lab_json *j);

/* ---- machine description ------------------------------------------------ */

struct lab_machine {
	char started_utc[32];
	char cpu_model[128];
	long cpus_online;
	bool hypervisor;
	char kernel[200];
	char governor[32];
	char test_fs[64]; /* io-path: file system of the test file, else empty */
	double load_start[3];
	double load_end[3];
	double uptime_s;
	uint64_t t_start_ns;
	uint64_t t_end_ns;
	/* /proc/stat jiffies and own CPU, to tell how busy the rest of the machine was */
	uint64_t stat_busy[2];
	uint64_t stat_total[2];
	uint64_t stat_steal[2];
	uint64_t own_cpu_ns[2];
};

void lab_machine_probe_start(struct lab_machine *m);
void lab_machine_probe_end(struct lab_machine *m);
/* Emits "machine": {...}. */
void lab_machine_emit(const struct lab_machine *m, struct lab_json *j);
/* Starts a lab's results document on stdout: schema, lab name, what it
 * measures, the machine; leaves the "config" object open for the caller. */
void lab_results_begin(struct lab_json *j, const char *lab, const char *measures,
		       const struct lab_machine *m);
/* One line about the machine and how busy other processes kept it, plus a
 * warning when they used more than 10 % of all CPU time. */
void lab_machine_warn(const struct lab_machine *m, FILE *out);
/* File system type and source of the mount holding path (from
 * /proc/self/mountinfo). */
int lab_fs_of_path(const char *path, char *fstype, size_t fstype_len,
		   char *source, size_t source_len);

/* ---- options and threads ------------------------------------------------ */

/* Parses a decimal unsigned integer; when allow_suffix, a K/M/G suffix
 * multiplies by 2^10/2^20/2^30. -EINVAL on junk, -ERANGE outside [min,max]. */
int lab_parse_u64(const char *s, bool allow_suffix, uint64_t min, uint64_t max,
		  uint64_t *out);
/* Parses a comma-separated list of names (such as --modes poll,epoll) into
 * chosen[0..count-1]; name_of(i) is the name of entry i. An unknown name is
 * reported as "prog: option --opt: unknown ..." and gives -EINVAL. */
int lab_parse_name_list(const char *prog, const char *opt, const char *arg, size_t count,
			const char *(*name_of)(size_t i), bool *chosen);
/* Parses a CPU number option: 0..(online CPUs - 1), or -1 for "do not pin".
 * Reports a bad value with lab_bad_option and returns its error. */
int lab_parse_cpu(const char *prog, const char *name, const char *arg, long *out);
/* Prints "prog: option --name: bad value 'arg' (reason)" to stderr. */
void lab_bad_option(const char *prog, const char *name, const char *arg, int err,
		    uint64_t min, uint64_t max);
/* Pins the calling thread to one CPU. */
int lab_pin_self(int cpu);
long lab_online_cpus(void);
/* Deterministic 64-bit PRNG (xorshift64*). */
uint64_t lab_rand_next(uint64_t *state);

#endif /* LAB_COMMON_H */
