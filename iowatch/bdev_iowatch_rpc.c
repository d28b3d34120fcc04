/*   SPDX-License-Identifier: BSD-3-Clause
 *   Copyright (C) 2026 the learning-site project authors.
 *   All rights reserved.
 */

/*
 * JSON-RPC methods of the iowatch bdev: bdev_iowatch_create, bdev_iowatch_delete,
 * bdev_iowatch_get_inflight and bdev_iowatch_get_stats.  Decoding and JSON
 * output only; the work is done in bdev_iowatch.c.
 */

#include "spdk/stdinc.h"

#include "bdev_iowatch.h"

#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/log.h"
#include "spdk/rpc.h"
#include "spdk/string.h"
#include "spdk/util.h"

/* Percentiles reported for every latency histogram. */
static const double g_iowatch_percentiles[] = { 50.0, 90.0, 99.0, 99.9 };

struct iowatch_percentile_walk {
	double		wanted[SPDK_COUNTOF(g_iowatch_percentiles)];
	uint64_t	found_ticks[SPDK_COUNTOF(g_iowatch_percentiles)];
	bool		found[SPDK_COUNTOF(g_iowatch_percentiles)];
	uint64_t	max_ticks;
	uint64_t	samples;
};

struct iowatch_bucket_walk {
	struct spdk_json_write_ctx	*w;
	uint64_t			ticks_hz;
};

static uint64_t
iowatch_ticks_to_us(uint64_t ticks, uint64_t hz)
{
	/* Split to keep ticks * 1e6 from overflowing on long stalls. */
	return (ticks / hz) * SPDK_SEC_TO_USEC + (ticks % hz) * SPDK_SEC_TO_USEC / hz;
}

static void
iowatch_send_errno(struct spdk_jsonrpc_request *request, int rc, const char *what)
{
	spdk_jsonrpc_send_error_response_fmt(request, rc, "%s: %s", what, spdk_strerror(-rc));
}

/* One histogram bucket [start, end) holding count samples, so_far of total seen. */
static void
iowatch_percentile_bucket(void *arg, uint64_t start, uint64_t end, uint64_t count,
			  uint64_t total, uint64_t so_far)
{
	struct iowatch_percentile_walk *walk = arg;
	size_t n;

	if (count == 0) {
		return;
	}
	walk->samples = total;
	walk->max_ticks = end;
	for (n = 0; n < SPDK_COUNTOF(walk->wanted); n++) {
		if (!walk->found[n] && (double)so_far * 100.0 >= walk->wanted[n] * (double)total) {
			walk->found[n] = true;
			walk->found_ticks[n] = end;
		}
	}
}

static void
iowatch_write_bucket(void *arg, uint64_t start, uint64_t end, uint64_t count,
		     uint64_t total, uint64_t so_far)
{
	struct iowatch_bucket_walk *walk = arg;

	if (count == 0) {
		return;
	}
	spdk_json_write_object_begin(walk->w);
	spdk_json_write_named_uint64(walk->w, "start_us", iowatch_ticks_to_us(start, walk->ticks_hz));
	spdk_json_write_named_uint64(walk->w, "end_us", iowatch_ticks_to_us(end, walk->ticks_hz));
	spdk_json_write_named_uint64(walk->w, "count", count);
	spdk_json_write_object_end(walk->w);
}

static void
iowatch_write_latency(struct spdk_json_write_ctx *w, const struct spdk_histogram_data *latency,
		      uint64_t hz)
{
	struct iowatch_percentile_walk walk = {};
	char label[16];
	size_t n;

	for (n = 0; n < SPDK_COUNTOF(g_iowatch_percentiles); n++) {
		walk.wanted[n] = g_iowatch_percentiles[n];
	}
	spdk_histogram_data_iterate(latency, iowatch_percentile_bucket, &walk);

	spdk_json_write_named_object_begin(w, "latency_us");
	spdk_json_write_named_uint64(w, "samples", walk.samples);
	for (n = 0; n < SPDK_COUNTOF(g_iowatch_percentiles); n++) {
		snprintf(label, sizeof(label), "p%g", g_iowatch_percentiles[n]);
		spdk_json_write_named_uint64(w, label, iowatch_ticks_to_us(walk.found_ticks[n], hz));
	}
	spdk_json_write_named_uint64(w, "max_bucket", iowatch_ticks_to_us(walk.max_ticks, hz));
	spdk_json_write_object_end(w);
}

static void
iowatch_write_thread_stats(struct spdk_json_write_ctx *w, const struct iowatch_thread_stats *s,
			   uint64_t hz, bool with_thread)
{
	if (with_thread) {
		spdk_json_write_named_uint64(w, "thread_id", s->thread_id);
		spdk_json_write_named_string(w, "thread_name", s->thread_name);
	}
	spdk_json_write_named_uint64(w, "submitted", s->submitted);
	spdk_json_write_named_uint64(w, "completed", s->completed);
	spdk_json_write_named_uint64(w, "failed", s->failed);
	spdk_json_write_named_uint64(w, "inflight", s->inflight);
	spdk_json_write_named_uint64(w, "stalled", s->stalled);
	spdk_json_write_named_uint64(w, "nomem_retries", s->nomem_retries);
	iowatch_write_latency(w, s->latency, hz);
}

/*
 * bdev_iowatch_create
 */

struct rpc_iowatch_create {
	char			*name;
	char			*base_bdev_name;
	uint64_t		stall_threshold_ms;
	struct spdk_uuid	uuid;
	bool			wait_for_base;
};

static const struct spdk_json_object_decoder rpc_iowatch_create_decoders[] = {
	{"name", offsetof(struct rpc_iowatch_create, name), spdk_json_decode_string},
	{"base_bdev_name", offsetof(struct rpc_iowatch_create, base_bdev_name), spdk_json_decode_string},
	{"stall_threshold_ms", offsetof(struct rpc_iowatch_create, stall_threshold_ms), spdk_json_decode_uint64, true},
	{"uuid", offsetof(struct rpc_iowatch_create, uuid), spdk_json_decode_uuid, true},
	{"wait_for_base", offsetof(struct rpc_iowatch_create, wait_for_base), spdk_json_decode_bool, true},
};

static void
rpc_bdev_iowatch_create(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct rpc_iowatch_create req = {};
	struct iowatch_create_opts opts = {};
	struct spdk_json_write_ctx *w;
	int rc;

	if (params == NULL || spdk_json_decode_object(params, rpc_iowatch_create_decoders,
			SPDK_COUNTOF(rpc_iowatch_create_decoders), &req)) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "Invalid parameters: name and base_bdev_name are "
						 "required strings, stall_threshold_ms an unsigned integer");
		goto out;
	}

	opts.name = req.name;
	opts.base_bdev_name = req.base_bdev_name;
	opts.stall_threshold_ms = req.stall_threshold_ms;
	opts.wait_for_base = req.wait_for_base;
	spdk_uuid_copy(&opts.uuid, &req.uuid);

	rc = bdev_iowatch_create(&opts);
	switch (rc) {
	case 0:
		w = spdk_jsonrpc_begin_result(request);
		spdk_json_write_string(w, req.name);
		spdk_jsonrpc_end_result(request, w);
		break;
	case -EEXIST:
		spdk_jsonrpc_send_error_response_fmt(request, rc, "bdev %s already exists: %s",
						     req.name, spdk_strerror(-rc));
		break;
	case -ENODEV:
		spdk_jsonrpc_send_error_response_fmt(request, rc, "base bdev %s not found: %s",
						     req.base_bdev_name, spdk_strerror(-rc));
		break;
	case -EINVAL:
		spdk_jsonrpc_send_error_response_fmt(request, rc,
						     "invalid name, base_bdev_name or stall_threshold_ms "
						     "(at most %" PRIu64 "): %s",
						     (uint64_t)IOWATCH_MAX_STALL_THRESHOLD_MS,
						     spdk_strerror(-rc));
		break;
	default:
		iowatch_send_errno(request, rc, "cannot create iowatch bdev");
		break;
	}

out:
	free(req.name);
	free(req.base_bdev_name);
}
SPDK_RPC_REGISTER("bdev_iowatch_create", rpc_bdev_iowatch_create, SPDK_RPC_RUNTIME)

/*
 * bdev_iowatch_delete
 */

struct rpc_iowatch_name {
	char		*name;
	uint64_t	min_age_ms;
};

static const struct spdk_json_object_decoder rpc_iowatch_delete_decoders[] = {
	{"name", offsetof(struct rpc_iowatch_name, name), spdk_json_decode_string},
};

static void
rpc_bdev_iowatch_deleted(void *cb_arg, int rc)
{
	struct spdk_jsonrpc_request *request = cb_arg;

	if (rc != 0) {
		iowatch_send_errno(request, rc, "cannot delete iowatch bdev");
		return;
	}
	spdk_jsonrpc_send_bool_response(request, true);
}

static void
rpc_bdev_iowatch_delete(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct rpc_iowatch_name req = {};

	if (params == NULL || spdk_json_decode_object(params, rpc_iowatch_delete_decoders,
			SPDK_COUNTOF(rpc_iowatch_delete_decoders), &req)) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "Invalid parameters: name is a required string");
		free(req.name);
		return;
	}

	bdev_iowatch_delete(req.name, rpc_bdev_iowatch_deleted, request);
	free(req.name);
}
SPDK_RPC_REGISTER("bdev_iowatch_delete", rpc_bdev_iowatch_delete, SPDK_RPC_RUNTIME)

/*
 * bdev_iowatch_get_inflight
 */

static const struct spdk_json_object_decoder rpc_iowatch_inflight_decoders[] = {
	{"name", offsetof(struct rpc_iowatch_name, name), spdk_json_decode_string},
	{"min_age_ms", offsetof(struct rpc_iowatch_name, min_age_ms), spdk_json_decode_uint64, true},
};

/* Every channel was visited; we are back on the RPC thread. */
static void
rpc_bdev_iowatch_inflight_collected(void *cb_arg, struct iowatch_inflight_report *report,
				    int status)
{
	struct spdk_jsonrpc_request *request = cb_arg;
	struct spdk_json_write_ctx *w;
	struct iowatch_inflight_entry *e;
	size_t n;

	if (status != 0) {
		iowatch_send_errno(request, status, "cannot collect in-flight I/O");
		bdev_iowatch_free_inflight_report(report);
		return;
	}

	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "name", report->bdev_name);
	spdk_json_write_named_uint64(w, "min_age_ms", report->min_age_ms);
	spdk_json_write_named_uint64(w, "tick_rate", report->ticks_hz);
	spdk_json_write_named_uint64(w, "count", report->count);
	spdk_json_write_named_array_begin(w, "ios");
	for (n = 0; n < report->count; n++) {
		e = &report->entries[n];
		spdk_json_write_object_begin(w);
		spdk_json_write_named_string(w, "type", bdev_iowatch_io_type_name(e->type));
		spdk_json_write_named_uint64(w, "offset_blocks", e->offset_blocks);
		spdk_json_write_named_uint64(w, "num_blocks", e->num_blocks);
		spdk_json_write_named_uint64(w, "thread_id", e->thread_id);
		spdk_json_write_named_string(w, "thread_name", e->thread_name);
		spdk_json_write_named_uint64(w, "submit_tick", e->submit_tick);
		spdk_json_write_named_uint64(w, "age_us", iowatch_ticks_to_us(e->age_ticks, report->ticks_hz));
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);

	bdev_iowatch_free_inflight_report(report);
}

static void
rpc_bdev_iowatch_get_inflight(struct spdk_jsonrpc_request *request,
			      const struct spdk_json_val *params)
{
	struct rpc_iowatch_name req = {};
	int rc;

	if (params == NULL || spdk_json_decode_object(params, rpc_iowatch_inflight_decoders,
			SPDK_COUNTOF(rpc_iowatch_inflight_decoders), &req)) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "Invalid parameters: name is a required string, "
						 "min_age_ms an unsigned integer");
		free(req.name);
		return;
	}

	rc = bdev_iowatch_collect_inflight(req.name, req.min_age_ms,
					   rpc_bdev_iowatch_inflight_collected, request);
	if (rc == -ENODEV) {
		spdk_jsonrpc_send_error_response_fmt(request, rc, "no iowatch bdev named %s: %s",
						     req.name, spdk_strerror(-rc));
	} else if (rc != 0) {
		iowatch_send_errno(request, rc, "cannot collect in-flight I/O");
	}
	free(req.name);
}
SPDK_RPC_REGISTER("bdev_iowatch_get_inflight", rpc_bdev_iowatch_get_inflight, SPDK_RPC_RUNTIME)

/*
 * bdev_iowatch_get_stats
 */

static void
rpc_bdev_iowatch_stats_collected(void *cb_arg, struct iowatch_stats_report *report, int status)
{
	struct spdk_jsonrpc_request *request = cb_arg;
	struct spdk_json_write_ctx *w;
	struct iowatch_bucket_walk buckets;
	size_t n;

	if (status != 0) {
		iowatch_send_errno(request, status, "cannot collect statistics");
		bdev_iowatch_free_stats_report(report);
		return;
	}

	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "name", report->bdev_name);
	spdk_json_write_named_uint64(w, "tick_rate", report->ticks_hz);
	spdk_json_write_named_uint64(w, "stall_threshold_ms", report->stall_threshold_ms);

	spdk_json_write_named_array_begin(w, "threads");
	for (n = 0; n < report->count; n++) {
		spdk_json_write_object_begin(w);
		iowatch_write_thread_stats(w, &report->threads[n], report->ticks_hz, true);
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);

	spdk_json_write_named_object_begin(w, "retired_channels");
	iowatch_write_thread_stats(w, &report->retired, report->ticks_hz, false);
	spdk_json_write_object_end(w);

	spdk_json_write_named_object_begin(w, "total");
	iowatch_write_thread_stats(w, &report->total, report->ticks_hz, false);
	buckets.w = w;
	buckets.ticks_hz = report->ticks_hz;
	spdk_json_write_named_array_begin(w, "histogram");
	spdk_histogram_data_iterate(report->total.latency, iowatch_write_bucket, &buckets);
	spdk_json_write_array_end(w);
	spdk_json_write_object_end(w);

	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);

	bdev_iowatch_free_stats_report(report);
}

static void
rpc_bdev_iowatch_get_stats(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct rpc_iowatch_name req = {};
	int rc;

	if (params == NULL || spdk_json_decode_object(params, rpc_iowatch_delete_decoders,
			SPDK_COUNTOF(rpc_iowatch_delete_decoders), &req)) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "Invalid parameters: name is a required string");
		free(req.name);
		return;
	}

	rc = bdev_iowatch_collect_stats(req.name, rpc_bdev_iowatch_stats_collected, request);
	if (rc == -ENODEV) {
		spdk_jsonrpc_send_error_response_fmt(request, rc, "no iowatch bdev named %s: %s",
						     req.name, spdk_strerror(-rc));
	} else if (rc != 0) {
		iowatch_send_errno(request, rc, "cannot collect statistics");
	}
	free(req.name);
}
SPDK_RPC_REGISTER("bdev_iowatch_get_stats", rpc_bdev_iowatch_get_stats, SPDK_RPC_RUNTIME)
