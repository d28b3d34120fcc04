/*   SPDX-License-Identifier: BSD-3-Clause
 *   Copyright (C) 2026 the learning-site project authors.
 *   All rights reserved.
 */

/*
 * iowatch: a virtual bdev that sits on top of any base bdev, passes every I/O
 * through unchanged and remembers, per I/O channel (so per thread), which I/Os
 * are still outstanding and how long the finished ones took.
 *
 * Nothing on the I/O path takes a lock or allocates memory: the per-I/O state
 * lives in the bdev_io driver context and the in-flight list of a channel is
 * only ever touched by the thread that owns the channel.  Reports walk the
 * channels with spdk_for_each_channel() so that each list is read on its own
 * thread, too.
 */

#include "spdk/stdinc.h"

#include "bdev_iowatch.h"

#include "spdk/env.h"
#include "spdk/json.h"
#include "spdk/likely.h"
#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/thread.h"
#include "spdk/util.h"

/* Namespace for the UUIDs we derive from base bdev UUIDs (made with uuidgen). */
#define IOWATCH_UUID_NAMESPACE		"0f6c3d52-7b1e-4c58-9a43-5d2e81b7c6a9"

/* Stall poller period bounds, in microseconds. */
#define IOWATCH_STALL_POLL_MIN_US	1000ULL
#define IOWATCH_STALL_POLL_MAX_US	(1000ULL * 1000ULL)

/* What the user asked for; outlives the bdev across hot-remove and re-add. */
struct iowatch_config {
	char				*name;
	char				*base_bdev_name;
	uint64_t			stall_threshold_ms;
	struct spdk_uuid		uuid;
	bool				wait_for_base;
	struct iowatch_vbdev		*vbdev;		/* NULL while the base is absent */
	TAILQ_ENTRY(iowatch_config)	link;
};

struct iowatch_vbdev {
	struct spdk_bdev		bdev;
	struct spdk_bdev		*base_bdev;
	struct spdk_bdev_desc		*base_desc;
	struct spdk_thread		*open_thread;
	struct iowatch_config		*config;	/* NULL once deleted by RPC */
	uint64_t			stall_threshold_ms;
	uint64_t			stall_threshold_ticks;

	/* Counters of channels that no longer exist; never used on the I/O path. */
	pthread_mutex_t			retired_lock;
	struct iowatch_thread_stats	retired;

	TAILQ_ENTRY(iowatch_vbdev)	link;
};

/* Per I/O state, carved out of spdk_bdev_io::driver_ctx. */
struct iowatch_io {
	TAILQ_ENTRY(iowatch_io)		link;
	struct spdk_io_channel		*ch;
	uint64_t			submit_tick;
	bool				stall_logged;
	struct spdk_bdev_io_wait_entry	nomem_wait;
};

struct iowatch_channel {
	struct iowatch_vbdev		*vbdev;
	struct spdk_io_channel		*base_ch;
	struct spdk_poller		*stall_poller;
	TAILQ_HEAD(, iowatch_io)	inflight;	/* oldest first */
	struct iowatch_thread_stats	stats;
};

struct iowatch_inflight_ctx {
	struct iowatch_inflight_report	*report;
	uint64_t			min_age_ticks;
	iowatch_inflight_done_cb	cb_fn;
	void				*cb_arg;
};

struct iowatch_stats_ctx {
	struct iowatch_stats_report	*report;
	iowatch_stats_done_cb		cb_fn;
	void				*cb_arg;
};

static int iowatch_module_init(void);
static void iowatch_module_fini(void);
static int iowatch_get_ctx_size(void);
static void iowatch_examine_config(struct spdk_bdev *bdev);
static int iowatch_module_config_json(struct spdk_json_write_ctx *w);

static struct spdk_bdev_module g_iowatch_module = {
	.name		= "iowatch",
	.module_init	= iowatch_module_init,
	.module_fini	= iowatch_module_fini,
	.get_ctx_size	= iowatch_get_ctx_size,
	.examine_config	= iowatch_examine_config,
	.config_json	= iowatch_module_config_json,
};

SPDK_BDEV_MODULE_REGISTER(iowatch, &g_iowatch_module)

static TAILQ_HEAD(, iowatch_config) g_iowatch_configs = TAILQ_HEAD_INITIALIZER(g_iowatch_configs);
static TAILQ_HEAD(, iowatch_vbdev) g_iowatch_vbdevs = TAILQ_HEAD_INITIALIZER(g_iowatch_vbdevs);

static void iowatch_forward_io(struct spdk_bdev_io *bdev_io);

/*
 * Small helpers.
 */

const char *
bdev_iowatch_io_type_name(enum spdk_bdev_io_type type)
{
	switch (type) {
	case SPDK_BDEV_IO_TYPE_READ:
		return "read";
	case SPDK_BDEV_IO_TYPE_WRITE:
		return "write";
	case SPDK_BDEV_IO_TYPE_UNMAP:
		return "unmap";
	case SPDK_BDEV_IO_TYPE_FLUSH:
		return "flush";
	case SPDK_BDEV_IO_TYPE_RESET:
		return "reset";
	case SPDK_BDEV_IO_TYPE_WRITE_ZEROES:
		return "write_zeroes";
	case SPDK_BDEV_IO_TYPE_COMPARE:
		return "compare";
	case SPDK_BDEV_IO_TYPE_ABORT:
		return "abort";
	case SPDK_BDEV_IO_TYPE_COPY:
		return "copy";
	default:
		return "other";
	}
}

static bool
iowatch_io_type_is_forwarded(enum spdk_bdev_io_type type)
{
	switch (type) {
	case SPDK_BDEV_IO_TYPE_READ:
	case SPDK_BDEV_IO_TYPE_WRITE:
	case SPDK_BDEV_IO_TYPE_UNMAP:
	case SPDK_BDEV_IO_TYPE_FLUSH:
	case SPDK_BDEV_IO_TYPE_RESET:
	case SPDK_BDEV_IO_TYPE_WRITE_ZEROES:
	case SPDK_BDEV_IO_TYPE_COMPARE:
	case SPDK_BDEV_IO_TYPE_ABORT:
	case SPDK_BDEV_IO_TYPE_COPY:
		return true;
	default:
		return false;
	}
}

/* Block range of an I/O, or zeroes for I/O types that carry none. */
static void
iowatch_io_range(struct spdk_bdev_io *bdev_io, uint64_t *offset, uint64_t *count)
{
	if (bdev_io->type == SPDK_BDEV_IO_TYPE_RESET || bdev_io->type == SPDK_BDEV_IO_TYPE_ABORT) {
		*offset = 0;
		*count = 0;
		return;
	}
	*offset = bdev_io->u.bdev.offset_blocks;
	*count = bdev_io->u.bdev.num_blocks;
}

static void
iowatch_copy_thread_name(char *dst, const char *name)
{
	snprintf(dst, IOWATCH_THREAD_NAME_LEN, "%s", name != NULL ? name : "");
}

static int
iowatch_stats_init(struct iowatch_thread_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->latency = spdk_histogram_data_alloc();
	return stats->latency != NULL ? 0 : -ENOMEM;
}

/* Adds the counters and the histogram of src into dst. */
static void
iowatch_stats_add(struct iowatch_thread_stats *dst, const struct iowatch_thread_stats *src)
{
	dst->submitted += src->submitted;
	dst->completed += src->completed;
	dst->failed += src->failed;
	dst->inflight += src->inflight;
	dst->stalled += src->stalled;
	dst->nomem_retries += src->nomem_retries;
	if (dst->latency != NULL && src->latency != NULL) {
		spdk_histogram_data_merge(dst->latency, src->latency);
	}
}

static struct iowatch_config *
iowatch_config_find(const char *name)
{
	struct iowatch_config *config;

	TAILQ_FOREACH(config, &g_iowatch_configs, link) {
		if (strcmp(config->name, name) == 0) {
			return config;
		}
	}
	return NULL;
}

static struct iowatch_vbdev *
iowatch_vbdev_find(const char *name)
{
	struct iowatch_vbdev *vbdev;

	TAILQ_FOREACH(vbdev, &g_iowatch_vbdevs, link) {
		if (strcmp(vbdev->bdev.name, name) == 0) {
			return vbdev;
		}
	}
	return NULL;
}

static void
iowatch_config_free(struct iowatch_config *config)
{
	free(config->name);
	free(config->base_bdev_name);
	free(config);
}

static void
iowatch_vbdev_free(struct iowatch_vbdev *vbdev)
{
	spdk_histogram_data_free(vbdev->retired.latency);
	pthread_mutex_destroy(&vbdev->retired_lock);
	free(vbdev->bdev.name);
	free(vbdev);
}

/*
 * I/O path.  Everything below runs on the thread that owns the channel.
 */

/* Bookkeeping for an I/O that leaves this bdev, whatever the outcome. */
static void
iowatch_io_retire(struct iowatch_channel *wch, struct iowatch_io *io, bool success)
{
	TAILQ_REMOVE(&wch->inflight, io, link);
	wch->stats.inflight--;
	if (success) {
		wch->stats.completed++;
	} else {
		wch->stats.failed++;
	}
	spdk_histogram_data_tally(wch->stats.latency, spdk_get_ticks() - io->submit_tick);
}

static void
iowatch_io_fail(struct spdk_bdev_io *bdev_io)
{
	struct iowatch_io *io = (struct iowatch_io *)bdev_io->driver_ctx;

	iowatch_io_retire(spdk_io_channel_get_ctx(io->ch), io, false);
	spdk_bdev_io_complete(bdev_io, SPDK_BDEV_IO_STATUS_FAILED);
}

/* The base bdev finished the I/O we sent it on behalf of orig_arg. */
static void
iowatch_base_io_completed(struct spdk_bdev_io *base_io, bool success, void *orig_arg)
{
	struct spdk_bdev_io *bdev_io = orig_arg;
	struct iowatch_io *io = (struct iowatch_io *)bdev_io->driver_ctx;

	/* Account first: completing bdev_io hands its driver context back to the pool. */
	iowatch_io_retire(spdk_io_channel_get_ctx(io->ch), io, success);
	spdk_bdev_io_complete_base_io_status(bdev_io, base_io);
	spdk_bdev_free_io(base_io);
}

/* The base bdev has bdev_io structures again: try the parked I/O once more. */
static void
iowatch_base_io_available(void *arg)
{
	iowatch_forward_io(arg);
}

static void
iowatch_park_io(struct spdk_bdev_io *bdev_io)
{
	struct iowatch_io *io = (struct iowatch_io *)bdev_io->driver_ctx;
	struct iowatch_channel *wch = spdk_io_channel_get_ctx(io->ch);
	int rc;

	wch->stats.nomem_retries++;
	io->nomem_wait.bdev = wch->vbdev->base_bdev;
	io->nomem_wait.cb_fn = iowatch_base_io_available;
	io->nomem_wait.cb_arg = bdev_io;
	rc = spdk_bdev_queue_io_wait(wch->vbdev->base_bdev, wch->base_ch, &io->nomem_wait);
	if (rc != 0) {
		SPDK_ERRLOG("%s: cannot wait for a base bdev_io: %s\n",
			    wch->vbdev->bdev.name, spdk_strerror(-rc));
		iowatch_io_fail(bdev_io);
	}
}

static void
iowatch_fill_ext_opts(struct spdk_bdev_io *bdev_io, struct spdk_bdev_ext_io_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->size = sizeof(*opts);
	opts->metadata = bdev_io->u.bdev.md_buf;
	opts->memory_domain = bdev_io->u.bdev.memory_domain;
	opts->memory_domain_ctx = bdev_io->u.bdev.memory_domain_ctx;
	/* The base must check exactly what the layer above asked us to check. */
	opts->dif_check_flags_exclude_mask = ~bdev_io->u.bdev.dif_check_flags;
	opts->nvme_cdw12 = bdev_io->u.bdev.nvme_cdw12;
	opts->nvme_cdw13 = bdev_io->u.bdev.nvme_cdw13;
}

/* Issues the matching request to the base bdev; returns its negative errno. */
static int
iowatch_submit_to_base(struct iowatch_channel *wch, struct spdk_bdev_io *bdev_io)
{
	struct spdk_bdev_desc *desc = wch->vbdev->base_desc;
	struct spdk_io_channel *base_ch = wch->base_ch;
	uint64_t offset = bdev_io->u.bdev.offset_blocks;
	uint64_t count = bdev_io->u.bdev.num_blocks;
	struct spdk_bdev_ext_io_opts opts;

	switch (bdev_io->type) {
	case SPDK_BDEV_IO_TYPE_READ:
		iowatch_fill_ext_opts(bdev_io, &opts);
		return spdk_bdev_readv_blocks_ext(desc, base_ch, bdev_io->u.bdev.iovs,
						  bdev_io->u.bdev.iovcnt, offset, count,
						  iowatch_base_io_completed, bdev_io, &opts);
	case SPDK_BDEV_IO_TYPE_WRITE:
		iowatch_fill_ext_opts(bdev_io, &opts);
		return spdk_bdev_writev_blocks_ext(desc, base_ch, bdev_io->u.bdev.iovs,
						   bdev_io->u.bdev.iovcnt, offset, count,
						   iowatch_base_io_completed, bdev_io, &opts);
	case SPDK_BDEV_IO_TYPE_COMPARE:
		return spdk_bdev_comparev_blocks_with_md(desc, base_ch, bdev_io->u.bdev.iovs,
				bdev_io->u.bdev.iovcnt, bdev_io->u.bdev.md_buf,
				offset, count, iowatch_base_io_completed, bdev_io);
	case SPDK_BDEV_IO_TYPE_WRITE_ZEROES:
		return spdk_bdev_write_zeroes_blocks(desc, base_ch, offset, count,
						     iowatch_base_io_completed, bdev_io);
	case SPDK_BDEV_IO_TYPE_UNMAP:
		return spdk_bdev_unmap_blocks(desc, base_ch, offset, count,
					      iowatch_base_io_completed, bdev_io);
	case SPDK_BDEV_IO_TYPE_FLUSH:
		return spdk_bdev_flush_blocks(desc, base_ch, offset, count,
					      iowatch_base_io_completed, bdev_io);
	case SPDK_BDEV_IO_TYPE_COPY:
		return spdk_bdev_copy_blocks(desc, base_ch, offset,
					     bdev_io->u.bdev.copy.src_offset_blocks, count,
					     iowatch_base_io_completed, bdev_io);
	case SPDK_BDEV_IO_TYPE_RESET:
		return spdk_bdev_reset(desc, base_ch, iowatch_base_io_completed, bdev_io);
	case SPDK_BDEV_IO_TYPE_ABORT:
		/* Our base I/Os carry the upper bdev_io as cb_arg, so it names them. */
		return spdk_bdev_abort(desc, base_ch, bdev_io->u.abort.bio_to_abort,
				       iowatch_base_io_completed, bdev_io);
	default:
		return -ENOTSUP;
	}
}

static void
iowatch_forward_io(struct spdk_bdev_io *bdev_io)
{
	struct iowatch_io *io = (struct iowatch_io *)bdev_io->driver_ctx;
	struct iowatch_channel *wch = spdk_io_channel_get_ctx(io->ch);
	int rc;

	rc = iowatch_submit_to_base(wch, bdev_io);
	if (spdk_likely(rc == 0)) {
		return;
	}
	if (rc == -ENOMEM) {
		iowatch_park_io(bdev_io);
		return;
	}
	SPDK_ERRLOG("%s: %s I/O rejected by base bdev %s: %s\n", wch->vbdev->bdev.name,
		    bdev_iowatch_io_type_name(bdev_io->type), wch->vbdev->base_bdev->name,
		    spdk_strerror(-rc));
	iowatch_io_fail(bdev_io);
}

/* A data buffer for a read is ready (or could not be had). */
static void
iowatch_read_buf_ready(struct spdk_io_channel *ch, struct spdk_bdev_io *bdev_io, bool success)
{
	if (spdk_unlikely(!success)) {
		iowatch_io_fail(bdev_io);
		return;
	}
	iowatch_forward_io(bdev_io);
}

static void
iowatch_submit_request(struct spdk_io_channel *ch, struct spdk_bdev_io *bdev_io)
{
	struct iowatch_channel *wch = spdk_io_channel_get_ctx(ch);
	struct iowatch_io *io = (struct iowatch_io *)bdev_io->driver_ctx;

	io->ch = ch;
	io->submit_tick = spdk_get_ticks();
	io->stall_logged = false;
	TAILQ_INSERT_TAIL(&wch->inflight, io, link);
	wch->stats.submitted++;
	wch->stats.inflight++;

	if (bdev_io->type == SPDK_BDEV_IO_TYPE_READ) {
		/*
		 * Own the buffer at this level: if the caller gave none, a buffer the
		 * base bdev allocated for itself would be gone by the time we complete.
		 */
		spdk_bdev_io_get_buf(bdev_io, iowatch_read_buf_ready,
				     bdev_io->u.bdev.num_blocks * bdev_io->bdev->blocklen);
		return;
	}
	iowatch_forward_io(bdev_io);
}

/* Stall poller: the in-flight list is oldest first, so stop at the first young I/O. */
static int
iowatch_stall_check(void *arg)
{
	struct iowatch_channel *wch = arg;
	uint64_t now = spdk_get_ticks();
	uint64_t hz = spdk_get_ticks_hz();
	struct iowatch_io *io;
	struct spdk_bdev_io *bdev_io;
	uint64_t offset, count;
	int reported = 0;

	TAILQ_FOREACH(io, &wch->inflight, link) {
		if (now - io->submit_tick < wch->vbdev->stall_threshold_ticks) {
			break;
		}
		if (io->stall_logged) {
			continue;
		}
		io->stall_logged = true;
		wch->stats.stalled++;
		reported++;
		bdev_io = spdk_bdev_io_from_ctx(io);
		iowatch_io_range(bdev_io, &offset, &count);
		SPDK_WARNLOG("%s: %s offset %" PRIu64 " blocks %" PRIu64 " on thread %s "
			     "outstanding for %" PRIu64 " ms (threshold %" PRIu64 " ms)\n",
			     wch->vbdev->bdev.name, bdev_iowatch_io_type_name(bdev_io->type),
			     offset, count, wch->stats.thread_name,
			     (now - io->submit_tick) * 1000 / hz, wch->vbdev->stall_threshold_ms);
	}

	return reported > 0 ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
}

/*
 * Channels.
 */

static int
iowatch_channel_created(void *io_device, void *ctx_buf)
{
	struct iowatch_vbdev *vbdev = io_device;
	struct iowatch_channel *wch = ctx_buf;
	struct spdk_thread *thread = spdk_get_thread();
	uint64_t period_us;
	int rc;

	wch->vbdev = vbdev;
	TAILQ_INIT(&wch->inflight);
	rc = iowatch_stats_init(&wch->stats);
	if (rc != 0) {
		return rc;
	}
	wch->stats.thread_id = spdk_thread_get_id(thread);
	iowatch_copy_thread_name(wch->stats.thread_name, spdk_thread_get_name(thread));

	wch->base_ch = spdk_bdev_get_io_channel(vbdev->base_desc);
	if (wch->base_ch == NULL) {
		spdk_histogram_data_free(wch->stats.latency);
		return -ENOMEM;
	}

	if (vbdev->stall_threshold_ms != 0) {
		period_us = spdk_min(spdk_max(vbdev->stall_threshold_ms * 1000 / 2,
					      IOWATCH_STALL_POLL_MIN_US), IOWATCH_STALL_POLL_MAX_US);
		wch->stall_poller = SPDK_POLLER_REGISTER(iowatch_stall_check, wch, period_us);
	}

	return 0;
}

static void
iowatch_channel_destroyed(void *io_device, void *ctx_buf)
{
	struct iowatch_vbdev *vbdev = io_device;
	struct iowatch_channel *wch = ctx_buf;

	if (!TAILQ_EMPTY(&wch->inflight)) {
		/* The bdev layer drains a channel before destroying it. */
		SPDK_ERRLOG("%s: channel of thread %s destroyed with %" PRIu64 " I/Os in flight\n",
			    vbdev->bdev.name, wch->stats.thread_name, wch->stats.inflight);
	}
	spdk_poller_unregister(&wch->stall_poller);

	pthread_mutex_lock(&vbdev->retired_lock);
	iowatch_stats_add(&vbdev->retired, &wch->stats);
	pthread_mutex_unlock(&vbdev->retired_lock);

	spdk_histogram_data_free(wch->stats.latency);
	spdk_put_io_channel(wch->base_ch);
}

/*
 * spdk_bdev_fn_table.
 */

static void
iowatch_io_device_gone(void *io_device)
{
	struct iowatch_vbdev *vbdev = io_device;

	spdk_bdev_destruct_done(&vbdev->bdev, 0);
	iowatch_vbdev_free(vbdev);
}

static void
iowatch_close_base(void *desc)
{
	spdk_bdev_close(desc);
}

static int
iowatch_destruct(void *ctx)
{
	struct iowatch_vbdev *vbdev = ctx;

	TAILQ_REMOVE(&g_iowatch_vbdevs, vbdev, link);
	if (vbdev->config != NULL) {
		/* Hot-remove: keep the config so the bdev comes back with its base. */
		vbdev->config->vbdev = NULL;
		vbdev->config = NULL;
	}

	spdk_bdev_module_release_bdev(vbdev->base_bdev);
	if (vbdev->open_thread != spdk_get_thread()) {
		spdk_thread_send_msg(vbdev->open_thread, iowatch_close_base, vbdev->base_desc);
	} else {
		spdk_bdev_close(vbdev->base_desc);
	}

	/* Finish asynchronously, once the last channel of ours is gone. */
	spdk_io_device_unregister(vbdev, iowatch_io_device_gone);
	return 1;
}

static bool
iowatch_io_type_supported(void *ctx, enum spdk_bdev_io_type io_type)
{
	struct iowatch_vbdev *vbdev = ctx;

	if (!iowatch_io_type_is_forwarded(io_type)) {
		return false;
	}
	return spdk_bdev_io_type_supported(vbdev->base_bdev, io_type);
}

static struct spdk_io_channel *
iowatch_get_io_channel(void *ctx)
{
	return spdk_get_io_channel(ctx);
}

static int
iowatch_dump_info_json(void *ctx, struct spdk_json_write_ctx *w)
{
	struct iowatch_vbdev *vbdev = ctx;

	spdk_json_write_named_object_begin(w, "iowatch");
	spdk_json_write_named_string(w, "name", vbdev->bdev.name);
	spdk_json_write_named_string(w, "base_bdev_name", vbdev->base_bdev->name);
	spdk_json_write_named_uint64(w, "stall_threshold_ms", vbdev->stall_threshold_ms);
	spdk_json_write_object_end(w);
	return 0;
}

static void
iowatch_write_create_rpc(struct spdk_json_write_ctx *w, const struct iowatch_config *config)
{
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "method", "bdev_iowatch_create");
	spdk_json_write_named_object_begin(w, "params");
	spdk_json_write_named_string(w, "name", config->name);
	spdk_json_write_named_string(w, "base_bdev_name", config->base_bdev_name);
	if (config->stall_threshold_ms != 0) {
		spdk_json_write_named_uint64(w, "stall_threshold_ms", config->stall_threshold_ms);
	}
	if (config->vbdev != NULL) {
		spdk_json_write_named_uuid(w, "uuid", &config->vbdev->bdev.uuid);
	} else {
		if (!spdk_uuid_is_null(&config->uuid)) {
			spdk_json_write_named_uuid(w, "uuid", &config->uuid);
		}
		/* Still waiting for its base: it has to keep waiting after a reload. */
		spdk_json_write_named_bool(w, "wait_for_base", true);
	}
	spdk_json_write_object_end(w);
	spdk_json_write_object_end(w);
}

/* Live bdevs are written here, after their base bdev in the bdev list. */
static void
iowatch_write_config_json(struct spdk_bdev *bdev, struct spdk_json_write_ctx *w)
{
	struct iowatch_vbdev *vbdev = bdev->ctxt;

	if (vbdev->config != NULL) {
		iowatch_write_create_rpc(w, vbdev->config);
	}
}

static int
iowatch_get_memory_domains(void *ctx, struct spdk_memory_domain **domains, int array_size)
{
	struct iowatch_vbdev *vbdev = ctx;

	/* Data buffers are never touched here, so any domain of the base will do. */
	return spdk_bdev_get_memory_domains(vbdev->base_bdev, domains, array_size);
}

static const struct spdk_bdev_fn_table g_iowatch_fn_table = {
	.destruct		= iowatch_destruct,
	.submit_request		= iowatch_submit_request,
	.io_type_supported	= iowatch_io_type_supported,
	.get_io_channel		= iowatch_get_io_channel,
	.dump_info_json		= iowatch_dump_info_json,
	.write_config_json	= iowatch_write_config_json,
	.get_memory_domains	= iowatch_get_memory_domains,
};

/*
 * Bringing a bdev up and down.
 */

static void
iowatch_base_bdev_event(enum spdk_bdev_event_type type, struct spdk_bdev *bdev, void *event_ctx)
{
	struct iowatch_vbdev *vbdev = event_ctx;

	switch (type) {
	case SPDK_BDEV_EVENT_REMOVE:
		SPDK_NOTICELOG("%s: base bdev %s is going away, unregistering\n",
			       vbdev->bdev.name, bdev->name);
		spdk_bdev_unregister(&vbdev->bdev, NULL, NULL);
		break;
	case SPDK_BDEV_EVENT_RESIZE:
		SPDK_NOTICELOG("%s: base bdev %s resized to %" PRIu64 " blocks\n",
			       vbdev->bdev.name, bdev->name, spdk_bdev_get_num_blocks(bdev));
		spdk_bdev_notify_blockcnt_change(&vbdev->bdev, spdk_bdev_get_num_blocks(bdev));
		break;
	default:
		SPDK_NOTICELOG("%s: ignoring event %d of base bdev %s\n",
			       vbdev->bdev.name, type, bdev->name);
		break;
	}
}

static void
iowatch_copy_geometry(struct spdk_bdev *dst, const struct spdk_bdev *base)
{
	dst->blocklen = base->blocklen;
	dst->phys_blocklen = base->phys_blocklen;
	dst->blockcnt = base->blockcnt;
	dst->write_cache = base->write_cache;
	dst->required_alignment = base->required_alignment;
	dst->optimal_io_boundary = base->optimal_io_boundary;
	dst->split_on_optimal_io_boundary = base->split_on_optimal_io_boundary;
	dst->md_len = base->md_len;
	dst->md_interleave = base->md_interleave;
	dst->dif_type = base->dif_type;
	dst->dif_is_head_of_md = base->dif_is_head_of_md;
	dst->dif_check_flags = base->dif_check_flags;
	dst->dif_pi_format = base->dif_pi_format;
	dst->numa = base->numa;
}

static int
iowatch_pick_uuid(struct iowatch_vbdev *vbdev, const struct iowatch_config *config)
{
	struct spdk_uuid ns;

	if (!spdk_uuid_is_null(&config->uuid)) {
		spdk_uuid_copy(&vbdev->bdev.uuid, &config->uuid);
		return 0;
	}
	/* Same base, same name, same UUID: stable across restarts. */
	if (spdk_uuid_parse(&ns, IOWATCH_UUID_NAMESPACE) != 0) {
		return -EINVAL;
	}
	return spdk_uuid_generate_sha1(&vbdev->bdev.uuid, &ns,
				       (const char *)spdk_bdev_get_uuid(vbdev->base_bdev),
				       sizeof(struct spdk_uuid));
}

static void
iowatch_unwound_io_device(void *io_device)
{
	iowatch_vbdev_free(io_device);
}

/* Opens and claims the base named by config and registers the iowatch bdev. */
static int
iowatch_vbdev_start(struct iowatch_config *config)
{
	struct iowatch_vbdev *vbdev;
	int rc;

	vbdev = calloc(1, sizeof(*vbdev));
	if (vbdev == NULL) {
		return -ENOMEM;
	}
	pthread_mutex_init(&vbdev->retired_lock, NULL);
	vbdev->bdev.name = strdup(config->name);
	rc = iowatch_stats_init(&vbdev->retired);
	if (vbdev->bdev.name == NULL || rc != 0) {
		iowatch_vbdev_free(vbdev);
		return -ENOMEM;
	}

	rc = spdk_bdev_open_ext(config->base_bdev_name, true, iowatch_base_bdev_event, vbdev,
				&vbdev->base_desc);
	if (rc != 0) {
		if (rc != -ENODEV) {
			SPDK_ERRLOG("%s: cannot open base bdev %s: %s\n", config->name,
				    config->base_bdev_name, spdk_strerror(-rc));
		}
		iowatch_vbdev_free(vbdev);
		return rc;
	}
	vbdev->open_thread = spdk_get_thread();
	vbdev->base_bdev = spdk_bdev_desc_get_bdev(vbdev->base_desc);

	/*
	 * Exclusive-write claim (the v1 API).  A v2 READ_MANY_WRITE_ONE claim would
	 * also refuse while any other descriptor is open for writing, which happens
	 * for a moment right after a bdev appears (lvol's examine opens it
	 * read-write), so creating iowatch straight after its base could fail.
	 */
	rc = spdk_bdev_module_claim_bdev(vbdev->base_bdev, vbdev->base_desc, &g_iowatch_module);
	if (rc != 0) {
		SPDK_ERRLOG("%s: cannot claim base bdev %s: %s\n", config->name,
			    config->base_bdev_name, spdk_strerror(-rc));
		spdk_bdev_close(vbdev->base_desc);
		iowatch_vbdev_free(vbdev);
		return rc;
	}

	rc = iowatch_pick_uuid(vbdev, config);
	if (rc != 0) {
		spdk_bdev_module_release_bdev(vbdev->base_bdev);
		spdk_bdev_close(vbdev->base_desc);
		iowatch_vbdev_free(vbdev);
		return rc;
	}

	iowatch_copy_geometry(&vbdev->bdev, vbdev->base_bdev);
	vbdev->bdev.product_name = "iowatch";
	vbdev->bdev.ctxt = vbdev;
	vbdev->bdev.fn_table = &g_iowatch_fn_table;
	vbdev->bdev.module = &g_iowatch_module;
	vbdev->stall_threshold_ms = config->stall_threshold_ms;
	vbdev->stall_threshold_ticks = config->stall_threshold_ms * spdk_get_ticks_hz() / 1000;

	spdk_io_device_register(vbdev, iowatch_channel_created, iowatch_channel_destroyed,
				sizeof(struct iowatch_channel), config->name);
	vbdev->config = config;
	config->vbdev = vbdev;
	TAILQ_INSERT_TAIL(&g_iowatch_vbdevs, vbdev, link);

	rc = spdk_bdev_register(&vbdev->bdev);
	if (rc != 0) {
		SPDK_ERRLOG("%s: cannot register bdev: %s\n", config->name, spdk_strerror(-rc));
		TAILQ_REMOVE(&g_iowatch_vbdevs, vbdev, link);
		config->vbdev = NULL;
		spdk_bdev_module_release_bdev(vbdev->base_bdev);
		spdk_bdev_close(vbdev->base_desc);
		spdk_io_device_unregister(vbdev, iowatch_unwound_io_device);
		return rc;
	}

	SPDK_NOTICELOG("%s: watching I/O of base bdev %s\n", config->name, config->base_bdev_name);
	return 0;
}

/*
 * spdk_bdev_module.
 */

static int
iowatch_module_init(void)
{
	return 0;
}

static void
iowatch_module_fini(void)
{
	struct iowatch_config *config;

	while ((config = TAILQ_FIRST(&g_iowatch_configs)) != NULL) {
		TAILQ_REMOVE(&g_iowatch_configs, config, link);
		iowatch_config_free(config);
	}
}

static int
iowatch_get_ctx_size(void)
{
	return sizeof(struct iowatch_io);
}

/* A new bdev appeared: start every configured iowatch bdev waiting for it. */
static void
iowatch_examine_config(struct spdk_bdev *bdev)
{
	struct iowatch_config *config;
	int rc;

	TAILQ_FOREACH(config, &g_iowatch_configs, link) {
		if (config->vbdev != NULL || strcmp(config->base_bdev_name, bdev->name) != 0) {
			continue;
		}
		rc = iowatch_vbdev_start(config);
		if (rc != 0) {
			SPDK_ERRLOG("%s: not started on %s: %s\n", config->name, bdev->name,
				    spdk_strerror(-rc));
		}
	}
	spdk_bdev_module_examine_done(&g_iowatch_module);
}

/* Only configs still waiting for their base; live ones use write_config_json. */
static int
iowatch_module_config_json(struct spdk_json_write_ctx *w)
{
	struct iowatch_config *config;

	TAILQ_FOREACH(config, &g_iowatch_configs, link) {
		if (config->vbdev == NULL) {
			iowatch_write_create_rpc(w, config);
		}
	}
	return 0;
}

/*
 * Calls made by the RPC layer, on the app thread.
 */

int
bdev_iowatch_create(const struct iowatch_create_opts *opts)
{
	struct iowatch_config *config;
	int rc;

	if (opts->name == NULL || opts->name[0] == '\0' ||
	    opts->base_bdev_name == NULL || opts->base_bdev_name[0] == '\0') {
		return -EINVAL;
	}
	if (strcmp(opts->name, opts->base_bdev_name) == 0) {
		return -EINVAL;
	}
	if (opts->stall_threshold_ms > IOWATCH_MAX_STALL_THRESHOLD_MS) {
		return -EINVAL;
	}
	if (iowatch_config_find(opts->name) != NULL || spdk_bdev_get_by_name(opts->name) != NULL) {
		return -EEXIST;
	}
	if (!opts->wait_for_base && spdk_bdev_get_by_name(opts->base_bdev_name) == NULL) {
		return -ENODEV;
	}

	config = calloc(1, sizeof(*config));
	if (config == NULL) {
		return -ENOMEM;
	}
	config->name = strdup(opts->name);
	config->base_bdev_name = strdup(opts->base_bdev_name);
	if (config->name == NULL || config->base_bdev_name == NULL) {
		iowatch_config_free(config);
		return -ENOMEM;
	}
	config->stall_threshold_ms = opts->stall_threshold_ms;
	config->wait_for_base = opts->wait_for_base;
	spdk_uuid_copy(&config->uuid, &opts->uuid);
	TAILQ_INSERT_TAIL(&g_iowatch_configs, config, link);

	rc = iowatch_vbdev_start(config);
	if (rc == -ENODEV && opts->wait_for_base) {
		SPDK_NOTICELOG("%s: base bdev %s not present yet, waiting for it\n",
			       opts->name, opts->base_bdev_name);
		return 0;
	}
	if (rc != 0) {
		/* Leave nothing behind. */
		TAILQ_REMOVE(&g_iowatch_configs, config, link);
		iowatch_config_free(config);
	}
	return rc;
}

void
bdev_iowatch_delete(const char *name, spdk_bdev_unregister_cb cb_fn, void *cb_arg)
{
	struct iowatch_config *config = iowatch_config_find(name);
	struct iowatch_vbdev *vbdev;
	int rc;

	if (config == NULL) {
		cb_fn(cb_arg, -ENODEV);
		return;
	}

	vbdev = config->vbdev;
	if (vbdev != NULL) {
		/* cb_fn runs once destruct is done, i.e. after in-flight I/O drained. */
		rc = spdk_bdev_unregister_by_name(name, &g_iowatch_module, cb_fn, cb_arg);
		if (rc != 0) {
			cb_fn(cb_arg, rc);
			return;
		}
		vbdev->config = NULL;
		TAILQ_REMOVE(&g_iowatch_configs, config, link);
		iowatch_config_free(config);
		return;
	}

	TAILQ_REMOVE(&g_iowatch_configs, config, link);
	iowatch_config_free(config);
	cb_fn(cb_arg, 0);
}

/*
 * Reports.
 */

void
bdev_iowatch_free_inflight_report(struct iowatch_inflight_report *report)
{
	if (report == NULL) {
		return;
	}
	free(report->entries);
	free(report->bdev_name);
	free(report);
}

static int
iowatch_inflight_append(struct iowatch_inflight_report *report, struct iowatch_channel *wch,
			struct iowatch_io *io, uint64_t age)
{
	struct iowatch_inflight_entry *entry;
	struct spdk_bdev_io *bdev_io = spdk_bdev_io_from_ctx(io);
	size_t capacity;

	if (report->count == report->capacity) {
		capacity = report->capacity != 0 ? report->capacity * 2 : 64;
		entry = realloc(report->entries, capacity * sizeof(*entry));
		if (entry == NULL) {
			return -ENOMEM;
		}
		report->entries = entry;
		report->capacity = capacity;
	}

	entry = &report->entries[report->count++];
	entry->type = bdev_io->type;
	iowatch_io_range(bdev_io, &entry->offset_blocks, &entry->num_blocks);
	entry->submit_tick = io->submit_tick;
	entry->age_ticks = age;
	entry->thread_id = wch->stats.thread_id;
	memcpy(entry->thread_name, wch->stats.thread_name, sizeof(entry->thread_name));
	return 0;
}

/* Runs on the thread of each channel in turn. */
static void
iowatch_inflight_visit(struct spdk_io_channel_iter *i)
{
	struct iowatch_inflight_ctx *ctx = spdk_io_channel_iter_get_ctx(i);
	struct iowatch_channel *wch = spdk_io_channel_get_ctx(spdk_io_channel_iter_get_channel(i));
	uint64_t now = spdk_get_ticks();
	struct iowatch_io *io;
	int rc = 0;

	TAILQ_FOREACH(io, &wch->inflight, link) {
		if (now - io->submit_tick < ctx->min_age_ticks) {
			break;
		}
		rc = iowatch_inflight_append(ctx->report, wch, io, now - io->submit_tick);
		if (rc != 0) {
			break;
		}
	}
	spdk_for_each_channel_continue(i, rc);
}

/* Back on the requesting thread with every channel visited (or an error). */
static void
iowatch_inflight_visited_all(struct spdk_io_channel_iter *i, int status)
{
	struct iowatch_inflight_ctx *ctx = spdk_io_channel_iter_get_ctx(i);

	ctx->cb_fn(ctx->cb_arg, ctx->report, status);
	free(ctx);
}

int
bdev_iowatch_collect_inflight(const char *name, uint64_t min_age_ms,
			      iowatch_inflight_done_cb cb_fn, void *cb_arg)
{
	struct iowatch_vbdev *vbdev = iowatch_vbdev_find(name);
	struct iowatch_inflight_ctx *ctx;

	if (vbdev == NULL) {
		return -ENODEV;
	}
	if (min_age_ms > UINT64_MAX / spdk_get_ticks_hz()) {
		return -EINVAL;
	}

	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		return -ENOMEM;
	}
	ctx->report = calloc(1, sizeof(*ctx->report));
	if (ctx->report == NULL) {
		free(ctx);
		return -ENOMEM;
	}
	ctx->report->bdev_name = strdup(name);
	if (ctx->report->bdev_name == NULL) {
		bdev_iowatch_free_inflight_report(ctx->report);
		free(ctx);
		return -ENOMEM;
	}
	ctx->report->min_age_ms = min_age_ms;
	ctx->report->ticks_hz = spdk_get_ticks_hz();
	ctx->min_age_ticks = min_age_ms * spdk_get_ticks_hz() / 1000;
	ctx->cb_fn = cb_fn;
	ctx->cb_arg = cb_arg;

	spdk_for_each_channel(vbdev, iowatch_inflight_visit, ctx, iowatch_inflight_visited_all);
	return 0;
}

void
bdev_iowatch_free_stats_report(struct iowatch_stats_report *report)
{
	size_t n;

	if (report == NULL) {
		return;
	}
	for (n = 0; n < report->count; n++) {
		spdk_histogram_data_free(report->threads[n].latency);
	}
	free(report->threads);
	spdk_histogram_data_free(report->retired.latency);
	spdk_histogram_data_free(report->total.latency);
	free(report->bdev_name);
	free(report);
}

static int
iowatch_stats_append(struct iowatch_stats_report *report, const struct iowatch_thread_stats *src)
{
	struct iowatch_thread_stats *dst;
	size_t capacity;
	int rc;

	if (report->count == report->capacity) {
		capacity = report->capacity != 0 ? report->capacity * 2 : 8;
		dst = realloc(report->threads, capacity * sizeof(*dst));
		if (dst == NULL) {
			return -ENOMEM;
		}
		report->threads = dst;
		report->capacity = capacity;
	}

	dst = &report->threads[report->count];
	rc = iowatch_stats_init(dst);
	if (rc != 0) {
		return rc;
	}
	dst->thread_id = src->thread_id;
	memcpy(dst->thread_name, src->thread_name, sizeof(dst->thread_name));
	iowatch_stats_add(dst, src);
	report->count++;
	iowatch_stats_add(&report->total, src);
	return 0;
}

static void
iowatch_stats_visit(struct spdk_io_channel_iter *i)
{
	struct iowatch_stats_ctx *ctx = spdk_io_channel_iter_get_ctx(i);
	struct iowatch_channel *wch = spdk_io_channel_get_ctx(spdk_io_channel_iter_get_channel(i));

	spdk_for_each_channel_continue(i, iowatch_stats_append(ctx->report, &wch->stats));
}

static void
iowatch_stats_visited_all(struct spdk_io_channel_iter *i, int status)
{
	struct iowatch_stats_ctx *ctx = spdk_io_channel_iter_get_ctx(i);

	ctx->cb_fn(ctx->cb_arg, ctx->report, status);
	free(ctx);
}

int
bdev_iowatch_collect_stats(const char *name, iowatch_stats_done_cb cb_fn, void *cb_arg)
{
	struct iowatch_vbdev *vbdev = iowatch_vbdev_find(name);
	struct iowatch_stats_report *report;
	struct iowatch_stats_ctx *ctx;

	if (vbdev == NULL) {
		return -ENODEV;
	}

	report = calloc(1, sizeof(*report));
	ctx = calloc(1, sizeof(*ctx));
	if (report == NULL || ctx == NULL) {
		free(report);
		free(ctx);
		return -ENOMEM;
	}
	report->bdev_name = strdup(name);
	if (report->bdev_name == NULL || iowatch_stats_init(&report->retired) != 0 ||
	    iowatch_stats_init(&report->total) != 0) {
		bdev_iowatch_free_stats_report(report);
		free(ctx);
		return -ENOMEM;
	}
	report->ticks_hz = spdk_get_ticks_hz();
	report->stall_threshold_ms = vbdev->stall_threshold_ms;
	iowatch_copy_thread_name(report->retired.thread_name, "retired channels");
	iowatch_copy_thread_name(report->total.thread_name, "total");

	/* Snapshot of channels already gone; live ones are read on their own threads. */
	pthread_mutex_lock(&vbdev->retired_lock);
	iowatch_stats_add(&report->retired, &vbdev->retired);
	pthread_mutex_unlock(&vbdev->retired_lock);
	iowatch_stats_add(&report->total, &report->retired);

	ctx->report = report;
	ctx->cb_fn = cb_fn;
	ctx->cb_arg = cb_arg;
	spdk_for_each_channel(vbdev, iowatch_stats_visit, ctx, iowatch_stats_visited_all);
	return 0;
}

SPDK_LOG_REGISTER_COMPONENT(bdev_iowatch)
