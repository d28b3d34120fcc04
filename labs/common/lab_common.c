/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lab_common.c - implementation of the helpers declared in lab_common.h:
 * clocks, histogram, JSON writer, run spreads, machine description,
 * option parsing and thread pinning.
 */
#define _GNU_SOURCE
#include "lab_common.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* ---- static helpers ------------------------------------------------------ */

static uint64_t timespec_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

static uint64_t timeval_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000ULL;
}

static unsigned int hist_index(uint64_t v)
{
	const uint64_t sub = 1ULL << LAB_HIST_SUB_BITS;
	unsigned int msb;
	unsigned int shift;

	if (v < sub) {
		return (unsigned int)v;
	}
	msb = 63U - (unsigned int)__builtin_clzll(v);
	shift = msb - LAB_HIST_SUB_BITS;
	return (unsigned int)((shift << LAB_HIST_SUB_BITS) + (v >> shift));
}

/* Highest value that maps to bucket idx. */
static uint64_t hist_bucket_high(unsigned int idx)
{
	const unsigned int sub = 1U << LAB_HIST_SUB_BITS;
	unsigned int shift;
	uint64_t mant;

	if (idx < sub) {
		return idx;
	}
	shift = (idx >> LAB_HIST_SUB_BITS) - 1U;
	mant = idx - ((uint64_t)shift << LAB_HIST_SUB_BITS);
	if (shift + LAB_HIST_SUB_BITS + 1U >= 64U) {
		return UINT64_MAX;
	}
	return ((mant + 1U) << shift) - 1U;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

static void json_prefix(struct lab_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->need_comma[j->depth]) {
			fputc(',', j->out);
		}
		j->need_comma[j->depth] = true;
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++) {
			fputs("  ", j->out);
		}
	}
	if (key != NULL) {
		fprintf(j->out, "\"%s\": ", key);
	}
}

static void json_escaped(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			fputc('\\', out);
			fputc(*p, out);
		} else if (*p < 0x20) {
			fprintf(out, "\\u%04x", *p);
		} else {
			fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void json_open(struct lab_json *j, const char *key, char c)
{
	json_prefix(j, key);
	fputc(c, j->out);
	if (j->depth + 1 >= LAB_JSON_MAX_DEPTH) {
		j->err = -EPROTO;
		return;
	}
	j->depth++;
	j->need_comma[j->depth] = false;
}

static void json_close(struct lab_json *j, char c)
{
	if (j->depth <= 0) {
		j->err = -EPROTO;
		return;
	}
	j->depth--;
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i++) {
		fputs("  ", j->out);
	}
	fputc(c, j->out);
}

static void trim_newline(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t')) {
		s[--n] = '\0';
	}
}

static int read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		return -errno;
	}
	if (fgets(buf, (int)len, f) == NULL) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	trim_newline(buf);
	return 0;
}

static void read_loadavg(double load[3])
{
	char line[128];

	load[0] = load[1] = load[2] = NAN;
	if (read_first_line("/proc/loadavg", line, sizeof(line)) == 0) {
		char *end = line;

		for (int i = 0; i < 3; i++) {
			char *next;

			load[i] = strtod(end, &next);
			if (next == end) {
				load[i] = NAN;
				break;
			}
			end = next;
		}
	}
}

/* Machine-wide CPU jiffies from the first line of /proc/stat. */
static void read_proc_stat(uint64_t *busy, uint64_t *total, uint64_t *steal)
{
	unsigned long long v[8] = {0};
	char line[512];

	*busy = *total = *steal = 0;
	if (read_first_line("/proc/stat", line, sizeof(line)) != 0) {
		return;
	}
	/* cpu user nice system idle iowait irq softirq steal */
	if (sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) < 4) {
		return;
	}
	*busy = v[0] + v[1] + v[2] + v[5] + v[6];
	*steal = v[7];
	*total = *busy + v[3] + v[4] + v[7];
}

static uint64_t own_cpu_ns(void)
{
	struct lab_cpu c = {0, 0};

	if (lab_cpu_sample(RUSAGE_SELF, &c) != 0) {
		return 0;
	}
	return c.user_ns + c.sys_ns;
}

static void probe_cpu_model(struct lab_machine *m)
{
	char line[1024];
	FILE *f = fopen("/proc/cpuinfo", "re");

	snprintf(m->cpu_model, sizeof(m->cpu_model), "unknown");
	m->hypervisor = false;
	if (f == NULL) {
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		if (colon == NULL) {
			continue;
		}
		if (strncmp(line, "model name", 10) == 0 && strcmp(m->cpu_model, "unknown") == 0) {
			char *v = colon + 1;

			while (*v == ' ') {
				v++;
			}
			trim_newline(v);
			snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", v);
		} else if (strncmp(line, "flags", 5) == 0 && strstr(colon, " hypervisor") != NULL) {
			m->hypervisor = true;
		}
	}
	fclose(f);
}

/* mountinfo escapes blanks as \040 and so on. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static bool path_under(const char *path, const char *mnt)
{
	size_t n = strlen(mnt);

	if (strcmp(mnt, "/") == 0) {
		return true;
	}
	return strncmp(path, mnt, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* ---- public: clocks ------------------------------------------------------- */

uint64_t lab_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return timespec_ns(&ts);
}

uint64_t lab_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return timespec_ns(&ts);
}

int lab_cpu_sample(int who, struct lab_cpu *out)
{
	struct rusage ru;

	if (getrusage(who, &ru) != 0) {
		out->user_ns = 0;
		out->sys_ns = 0;
		return -errno;
	}
	out->user_ns = timeval_ns(&ru.ru_utime);
	out->sys_ns = timeval_ns(&ru.ru_stime);
	return 0;
}

/* ---- public: histogram ---------------------------------------------------- */

void lab_hist_reset(struct lab_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void lab_hist_record(struct lab_hist *h, uint64_t value)
{
	h->buckets[hist_index(value)]++;
	h->count++;
	h->sum += (double)value;
	if (value < h->min) {
		h->min = value;
	}
	if (value > h->max) {
		h->max = value;
	}
}

uint64_t lab_hist_percentile(const struct lab_hist *h, double pct)
{
	uint64_t rank;
	uint64_t seen = 0;

	if (h->count == 0) {
		return 0;
	}
	rank = (uint64_t)ceil(pct / 100.0 * (double)h->count);
	if (rank < 1) {
		rank = 1;
	}
	if (rank > h->count) {
		rank = h->count;
	}
	for (unsigned int i = 0; i < LAB_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t v = hist_bucket_high(i);

			if (v > h->max) {
				v = h->max;
			}
			if (v < h->min) {
				v = h->min;
			}
			return v;
		}
	}
	return h->max;
}

double lab_hist_mean(const struct lab_hist *h)
{
	return h->count == 0 ? 0.0 : h->sum / (double)h->count;
}

/* ---- public: JSON ------------------------------------------------------------ */

void lab_json_init(struct lab_json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

void lab_json_object_begin(struct lab_json *j, const char *key)
{
	json_open(j, key, '{');
}

void lab_json_object_end(struct lab_json *j)
{
	json_close(j, '}');
}

void lab_json_array_begin(struct lab_json *j, const char *key)
{
	json_open(j, key, '[');
}

void lab_json_array_end(struct lab_json *j)
{
	json_close(j, ']');
}

void lab_json_string(struct lab_json *j, const char *key, const char *s)
{
	json_prefix(j, key);
	if (s == NULL) {
		fputs("null", j->out);
	} else {
		json_escaped(j->out, s);
	}
}

void lab_json_u64(struct lab_json *j, const char *key, uint64_t v)
{
	json_prefix(j, key);
	fprintf(j->out, "%llu", (unsigned long long)v);
}

void lab_json_double(struct lab_json *j, const char *key, double v)
{
	json_prefix(j, key);
	if (!isfinite(v)) {
		fputs("null", j->out);
	} else if (v == floor(v) && fabs(v) < 1e15) {
		fprintf(j->out, "%.0f", v);
	} else {
		fprintf(j->out, "%.6g", v);
	}
}

void lab_json_bool(struct lab_json *j, const char *key, bool v)
{
	json_prefix(j, key);
	fputs(v ? "true" : "false", j->out);
}

void lab_json_null(struct lab_json *j, const char *key)
{
	json_prefix(j, key);
	fputs("null", j->out);
}

int lab_json_finish(struct lab_json *j)
{
	fputc('\n', j->out);
	if (j->err == 0 && j->depth != 0) {
		j->err = -EPROTO;
	}
	if (fflush(j->out) != 0 || ferror(j->out)) {
		return -EIO;
	}
	return j->err;
}

/* ---- public: run sets --------------------------------------------------------- */

void lab_runset_init(struct lab_runset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

int lab_runset_put(struct lab_runset *rs, unsigned int run, const char *name, double v)
{
	unsigned int m;

	if (run >= LAB_MAX_RUNS) {
		return -ERANGE;
	}
	for (m = 0; m < rs->nmetrics; m++) {
		if (strcmp(rs->names[m], name) == 0) {
			break;
		}
	}
	if (m == rs->nmetrics) {
		if (m >= LAB_MAX_METRICS) {
			return -ENOSPC;
		}
		rs->names[m] = name;
		rs->nmetrics++;
		for (unsigned int r = 0; r < LAB_MAX_RUNS; r++) {
			rs->v[r][m] = NAN;
		}
	}
	rs->v[run][m] = v;
	if (run + 1 > rs->nruns) {
		rs->nruns = run + 1;
	}
	return 0;
}

int lab_runset_put_hist(struct lab_runset *rs, unsigned int run, const struct lab_hist *h)
{
	int rc = 0;

	rc |= lab_runset_put(rs, run, "lat_count", (double)h->count);
	rc |= lab_runset_put(rs, run, "lat_min_ns", h->count ? (double)h->min : 0.0);
	rc |= lab_runset_put(rs, run, "lat_mean_ns", lab_hist_mean(h));
	rc |= lab_runset_put(rs, run, "lat_p50_ns", (double)lab_hist_percentile(h, 50.0));
	rc |= lab_runset_put(rs, run, "lat_p90_ns", (double)lab_hist_percentile(h, 90.0));
	rc |= lab_runset_put(rs, run, "lat_p99_ns", (double)lab_hist_percentile(h, 99.0));
	rc |= lab_runset_put(rs, run, "lat_p999_ns", (double)lab_hist_percentile(h, 99.9));
	rc |= lab_runset_put(rs, run, "lat_max_ns", (double)h->max);
	return rc != 0 ? -ENOSPC : 0;
}

int lab_runset_spread(const struct lab_runset *rs, const char *name,
		      double *min, double *median, double *max)
{
	double vals[LAB_MAX_RUNS];
	unsigned int n = 0;

	for (unsigned int m = 0; m < rs->nmetrics; m++) {
		if (strcmp(rs->names[m], name) != 0) {
			continue;
		}
		for (unsigned int r = 0; r < rs->nruns; r++) {
			if (!isnan(rs->v[r][m])) {
				vals[n++] = rs->v[r][m];
			}
		}
		if (n == 0) {
			return -ENODATA;
		}
		qsort(vals, n, sizeof(vals[0]), cmp_double);
		*min = vals[0];
		*max = vals[n - 1];
		*median = (n % 2) ? vals[n / 2] : (vals[n / 2 - 1] + vals[n / 2]) / 2.0;
		return 0;
	}
	return -ENOENT;
}

double lab_runset_median(const struct lab_runset *rs, const char *name)
{
	double lo;
	double med;
	double hi;

	if (lab_runset_spread(rs, name, &lo, &med, &hi) != 0) {
		return NAN;
	}
	return med;
}

void lab_runset_emit(const struct lab_runset *rs, struct lab_json *j)
{
	lab_json_array_begin(j, "runs");
	for (unsigned int r = 0; r < rs->nruns; r++) {
		lab_json_object_begin(j, NULL);
		for (unsigned int m = 0; m < rs->nmetrics; m++) {
			lab_json_double(j, rs->names[m], rs->v[r][m]);
		}
		lab_json_object_end(j);
	}
	lab_json_array_end(j);
	lab_json_object_begin(j, "summary");
	for (unsigned int m = 0; m < rs->nmetrics; m++) {
		double lo;
		double med;
		double hi;

		if (lab_runset_spread(rs, rs->names[m], &lo, &med, &hi) != 0) {
			lab_json_null(j, rs->names[m]);
			continue;
		}
		lab_json_object_begin(j, rs->names[m]);
		lab_json_double(j, "min", lo);
		lab_json_double(j, "median", med);
		lab_json_double(j, "max", hi);
		lab_json_object_end(j);
	}
	lab_json_object_end(j);
}

/* Share of all CPUs' time that went to other processes between start and end, or -1. */
static double other_busy_pct(const struct lab_machine *m)
{
	long hz = sysconf(_SC_CLK_TCK);
	double jiffy_ns = 1e9 / (double)(hz > 0 ? hz : 100);
	double total;
	double busy;
	double own;

	if (m->stat_total[1] <= m->stat_total[0]) {
		return -1.0;
	}
	total = (double)(m->stat_total[1] - m->stat_total[0]);
	busy = (double)(m->stat_busy[1] - m->stat_busy[0]);
	own = (double)(m->own_cpu_ns[1] - m->own_cpu_ns[0]) / jiffy_ns;
	return busy > own ? 100.0 * (busy - own) / total : 0.0;
}

/* ---- public: machine ------------------------------------------------------------- */

void lab_machine_probe_start(struct lab_machine *m)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;
	char line[128];

	memset(m, 0, sizeof(*m));
	m->t_start_ns = lab_now_ns();
	if (gmtime_r(&now, &tm) != NULL) {
		strftime(m->started_utc, sizeof(m->started_utc), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	probe_cpu_model(m);
	m->cpus_online = lab_online_cpus();
	if (uname(&u) == 0) {
		snprintf(m->kernel, sizeof(m->kernel), "%s %s", u.sysname, u.release);
	} else {
		snprintf(m->kernel, sizeof(m->kernel), "unknown");
	}
	if (read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
			    m->governor, sizeof(m->governor)) != 0) {
		m->governor[0] = '\0';
	}
	read_loadavg(m->load_start);
	read_proc_stat(&m->stat_busy[0], &m->stat_total[0], &m->stat_steal[0]);
	m->own_cpu_ns[0] = own_cpu_ns();
	m->uptime_s = NAN;
	if (read_first_line("/proc/uptime", line, sizeof(line)) == 0) {
		m->uptime_s = strtod(line, NULL);
	}
}

void lab_machine_probe_end(struct lab_machine *m)
{
	m->t_end_ns = lab_now_ns();
	read_loadavg(m->load_end);
	read_proc_stat(&m->stat_busy[1], &m->stat_total[1], &m->stat_steal[1]);
	m->own_cpu_ns[1] = own_cpu_ns();
}

void lab_machine_emit(const struct lab_machine *m, struct lab_json *j)
{
	lab_json_object_begin(j, "machine");
	lab_json_string(j, "started_utc", m->started_utc);
	lab_json_string(j, "cpu_model", m->cpu_model);
	lab_json_u64(j, "cpus_online", (uint64_t)(m->cpus_online > 0 ? m->cpus_online : 0));
	lab_json_bool(j, "virtualized", m->hypervisor);
	lab_json_string(j, "kernel", m->kernel);
	lab_json_string(j, "cpufreq_governor", m->governor[0] ? m->governor : NULL);
	if (m->test_fs[0] != '\0') {
		lab_json_string(j, "test_file_filesystem", m->test_fs);
	}
	lab_json_string(j, "compiler", __VERSION__);
	lab_json_double(j, "uptime_s", m->uptime_s);
	lab_json_array_begin(j, "loadavg_start");
	for (int i = 0; i < 3; i++) {
		lab_json_double(j, NULL, m->load_start[i]);
	}
	lab_json_array_end(j);
	lab_json_array_begin(j, "loadavg_end");
	for (int i = 0; i < 3; i++) {
		lab_json_double(j, NULL, m->load_end[i]);
	}
	lab_json_array_end(j);
	lab_json_double(j, "wall_s", (double)(m->t_end_ns - m->t_start_ns) / 1e9);
	if (m->stat_total[1] > m->stat_total[0]) {
		double total = (double)(m->stat_total[1] - m->stat_total[0]);
		double busy = (double)(m->stat_busy[1] - m->stat_busy[0]);

		/* percentages of all CPUs over the whole run */
		lab_json_double(j, "machine_busy_pct", 100.0 * busy / total);
		lab_json_double(j, "other_processes_busy_pct", other_busy_pct(m));
		lab_json_double(j, "steal_pct", 100.0 * (double)(m->stat_steal[1] - m->stat_steal[0]) / total);
	} else {
		lab_json_null(j, "machine_busy_pct");
		lab_json_null(j, "other_processes_busy_pct");
		lab_json_null(j, "steal_pct");
	}
	lab_json_object_end(j);
}

void lab_results_begin(struct lab_json *j, const char *lab, const char *measures,
		       const struct lab_machine *m)
{
	lab_json_init(j, stdout);
	lab_json_object_begin(j, NULL);
	lab_json_string(j, "schema", LAB_SCHEMA);
	lab_json_string(j, "lab", lab);
	lab_json_string(j, "measures", measures);
	lab_machine_emit(m, j);
	lab_json_object_begin(j, "config");
}

void lab_machine_warn(const struct lab_machine *m, FILE *out)
{
	double other = other_busy_pct(m);

	fprintf(out, "machine: %ld CPUs, %s, load average %.2f at start, %.2f at end",
		m->cpus_online, m->cpu_model, m->load_start[0], m->load_end[0]);
	if (other >= 0.0) {
		fprintf(out, ", other processes used %.0f%% of all CPU time", other);
	}
	fputc('\n', out);
	if (other > 10.0) {
		fprintf(out, "WARNING: the machine was not idle; latency tails and CPU shares are "
			"disturbed by other work (see README: running properly)\n");
	}
}

int lab_fs_of_path(const char *path, char *fstype, size_t fstype_len,
		   char *source, size_t source_len)
{
	char *real = realpath(path, NULL);
	char line[4096];
	size_t best = 0;
	bool found = false;
	FILE *f;

	if (real == NULL) {
		return -errno;
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL) {
		int rc = -errno;

		free(real);
		return rc;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		/* id parent maj:min root mountpoint opts [optional...] - type source superopts */
		char *save = NULL;
		char *tok;
		char *mnt = NULL;
		char *type = NULL;
		char *src = NULL;
		int field = 0;
		bool after_dash = false;
		int after = 0;

		for (tok = strtok_r(line, " \n", &save); tok != NULL; tok = strtok_r(NULL, " \n", &save)) {
			if (after_dash) {
				if (after == 0) {
					type = tok;
				} else if (after == 1) {
					src = tok;
				}
				after++;
			} else if (field == 4) {
				mnt = tok;
			} else if (field > 5 && strcmp(tok, "-") == 0) {
				after_dash = true;
			}
			field++;
		}
		if (mnt == NULL || type == NULL) {
			continue;
		}
		unescape_octal(mnt);
		if (path_under(real, mnt) && strlen(mnt) >= best) {
			best = strlen(mnt);
			snprintf(fstype, fstype_len, "%s", type);
			snprintf(source, source_len, "%s", src ? src : "");
			found = true;
		}
	}
	fclose(f);
	free(real);
	return found ? 0 : -ENOENT;
}

/* ---- public: options and threads ---------------------------------------------------- */

int lab_parse_name_list(const char *prog, const char *opt, const char *arg, size_t count,
			const char *(*name_of)(size_t i), bool *chosen)
{
	char *copy = strdup(arg);
	char *save = NULL;
	int rc = 0;

	if (copy == NULL) {
		return -ENOMEM;
	}
	memset(chosen, 0, sizeof(bool) * count);
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < count && strcmp(tok, name_of(i)) != 0; i++) {
		}
		if (i == count) {
			fprintf(stderr, "%s: option --%s: unknown name '%s'\n", prog, opt, tok);
			rc = -EINVAL;
			break;
		}
		chosen[i] = true;
	}
	free(copy);
	return rc;
}

int lab_parse_cpu(const char *prog, const char *name, const char *arg, long *out)
{
	uint64_t hi = (uint64_t)lab_online_cpus() - 1;
	uint64_t v;
	int rc;

	if (strcmp(arg, "-1") == 0) {
		*out = -1;
		return 0;
	}
	rc = lab_parse_u64(arg, false, 0, hi, &v);
	if (rc != 0) {
		lab_bad_option(prog, name, arg, rc, 0, hi);
		return rc;
	}
	*out = (long)v;
	return 0;
}

int lab_parse_u64(const char *s, bool allow_suffix, uint64_t min, uint64_t max,
		  uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;
	uint64_t mult = 1;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+') {
		return -EINVAL;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s) {
		return -EINVAL;
	}
	if (errno == ERANGE) {
		return -ERANGE;
	}
	if (*end != '\0') {
		if (!allow_suffix || end[1] != '\0') {
			return -EINVAL;
		}
		switch (*end) {
		case 'k':
		case 'K':
			mult = 1ULL << 10;
			break;
		case 'm':
		case 'M':
			mult = 1ULL << 20;
			break;
		case 'g':
		case 'G':
			mult = 1ULL << 30;
			break;
		default:
			return -EINVAL;
		}
	}
	if (v > UINT64_MAX / mult) {
		return -ERANGE;
	}
	v *= mult;
	if (v < min || v > max) {
		return -ERANGE;
	}
	*out = v;
	return 0;
}

void lab_bad_option(const char *prog, const char *name, const char *arg, int err,
		    uint64_t min, uint64_t max)
{
	if (err == -ERANGE) {
		fprintf(stderr, "%s: option --%s: value '%s' is out of range [%llu, %llu]\n",
			prog, name, arg, (unsigned long long)min, (unsigned long long)max);
	} else {
		fprintf(stderr, "%s: option --%s: '%s' is not a valid unsigned number\n",
			prog, name, arg);
	}
}

int lab_pin_self(int cpu)
{
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	return -rc;
}

long lab_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

uint64_t lab_rand_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}
