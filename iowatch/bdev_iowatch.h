/*   SPDX-License-Identifier: BSD-3-Clause
 *   Copyright (C) 2026 the learning-site project authors.
 *   All rights reserved.
 */

/*
 * Interface between the iowatch bdev core (bdev_iowatch.c) and its JSON-RPC
 * front end (bdev_iowatch_rpc.c).  The core owns every data structure; the
 * RPC file only decodes requests and turns the reports below into JSON.
 */

#ifndef SPDK_BDEV_IOWATCH_H
#define SPDK_BDEV_IOWATCH_H

#include "spdk/stdinc.h"
#include "spdk/bdev.h"
#include "spdk/bdev_module.h"
#include "spdk/histogram_data.h"
#include "spdk/uuid.h"

/* Largest stall threshold accepted by bdev_iowatch_create: one hour. */
#define IOWATCH_MAX_STALL_THRESHOLD_MS	(3600ULL * 1000ULL)

/* Thread names are copied into reports, truncated to this many bytes. */
#define IOWATCH_THREAD_NAME_LEN		64

struct iowatch_create_opts {
	const char		*name;
	const char		*base_bdev_name;
	/* 0 disables stall reporting. */
	uint64_t		stall_threshold_ms;
	/* All zeroes: derive a stable UUID from the base bdev's UUID. */
	struct spdk_uuid	uuid;
	/* Keep the request and create the bdev when the base shows up. */
	bool			wait_for_base;
};

/* One outstanding I/O as seen by bdev_iowatch_get_inflight. */
struct iowatch_inflight_entry {
	enum spdk_bdev_io_type	type;
	uint64_t		offset_blocks;
	uint64_t		num_blocks;
	uint64_t		submit_tick;
	uint64_t		age_ticks;
	uint64_t		thread_id;
	char			thread_name[IOWATCH_THREAD_NAME_LEN];
};

struct iowatch_inflight_report {
	char				*bdev_name;
	uint64_t			min_age_ms;
	uint64_t			ticks_hz;
	size_t				count;
	size_t				capacity;
	struct iowatch_inflight_entry	*entries;
};

/* Counters of one channel (one thread), or of all channels already gone. */
struct iowatch_thread_stats {
	uint64_t			thread_id;
	char				thread_name[IOWATCH_THREAD_NAME_LEN];
	uint64_t			submitted;
	uint64_t			completed;
	uint64_t			failed;
	uint64_t			inflight;
	uint64_t			stalled;
	uint64_t			nomem_retries;
	struct spdk_histogram_data	*latency;	/* in ticks */
};

struct iowatch_stats_report {
	char				*bdev_name;
	uint64_t			ticks_hz;
	uint64_t			stall_threshold_ms;
	size_t				count;
	size_t				capacity;
	struct iowatch_thread_stats	*threads;
	/* Channels that were destroyed before this report was asked for. */
	struct iowatch_thread_stats	retired;
	/* Sum of every thread above plus the retired channels. */
	struct iowatch_thread_stats	total;
};

/*
 * Called on the thread that asked for the report.  status is 0 or a negative
 * errno; the report belongs to the callback, which frees it with the matching
 * bdev_iowatch_free_*_report().
 */
typedef void (*iowatch_inflight_done_cb)(void *cb_arg, struct iowatch_inflight_report *report,
		int status);
typedef void (*iowatch_stats_done_cb)(void *cb_arg, struct iowatch_stats_report *report,
				      int status);

int bdev_iowatch_create(const struct iowatch_create_opts *opts);
void bdev_iowatch_delete(const char *name, spdk_bdev_unregister_cb cb_fn, void *cb_arg);

int bdev_iowatch_collect_inflight(const char *name, uint64_t min_age_ms,
				  iowatch_inflight_done_cb cb_fn, void *cb_arg);
void bdev_iowatch_free_inflight_report(struct iowatch_inflight_report *report);

int bdev_iowatch_collect_stats(const char *name, iowatch_stats_done_cb cb_fn, void *cb_arg);
void bdev_iowatch_free_stats_report(struct iowatch_stats_report *report);

const char *bdev_iowatch_io_type_name(enum spdk_bdev_io_type type);

#endif /* SPDK_BDEV_IOWATCH_H */
