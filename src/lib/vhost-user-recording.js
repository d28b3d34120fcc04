// SPDX-License-Identifier: BSD-3-Clause
// The vhost-user recording (labs/results/vhost-user.json, written by labs/vhost-user/record-vhost-user.mjs
// against a real SPDK v26.01 build: build/bin/vhost as the target, bdevperf's virtio-user driver as the
// initiator). checkVhostUser() returns a list of problems, one per claim the vhost-vfio/vhost-user page
// makes from the file; vhostUserFacts() throws on any, so a recording that no longer supports the prose
// fails the build, and returns the figures the page quotes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
// The project root as the excerpt system knows it (a path from this module's URL is wrong once bundled).
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const STOP_RETRIES = 4000; // SPDK_VHOST_SESSION_STOP_RETRY_TIMEOUT_IN_SEC * 1e6 / SPDK_VHOST_SESSION_STOP_RETRY_PERIOD_IN_US
export const SEM_TIMEOUT_MS = 3000; // SPDK_VHOST_SESSION_STOP_TIMEOUT_IN_SEC

export class VhostUserRecordingError extends Error {
	constructor(problems) {
		super(`labs/results/vhost-user.json: ${problems.join('; ')}`);
		this.name = 'VhostUserRecordingError';
		this.problems = problems;
	}
}

export function loadVhostUser(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, 'labs/results/vhost-user.json'), 'utf8'));
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const has = (xs, x) => Array.isArray(xs) && xs.includes(x);

export function checkVhostUser(doc) {
	const problems = [];
	const p = (m) => problems.push(m);
	if (doc?.recording !== 'vhost-user') { p(`recording is ${JSON.stringify(doc?.recording)}, expected "vhost-user"`); return problems; }
	if (doc.script !== 'labs/vhost-user/record-vhost-user.mjs') p('script must name labs/vhost-user/record-vhost-user.mjs');
	if (!/^SPDK v26\.01\b/.test(doc.spdk_version?.version ?? '')) p(`spdk_version.version is ${JSON.stringify(doc.spdk_version?.version)}`);
	if (!/^[0-9a-f]{40}$/.test(doc.build?.commit ?? '')) p('build.commit must be a 40-digit hash');
	const m = doc.machine ?? {};
	if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(m.started_utc ?? '')) p('machine.started_utc must be an ISO UTC time');
	if (!Number.isInteger(m.cpus_online) || m.cpus_online < 2) p('machine.cpus_online must be >= 2 (target on core 0, initiator on core 1)');
	for (const k of ['loadavg_start', 'loadavg_end']) if (!Array.isArray(m[k]) || m[k].length !== 3 || !m[k].every(isNum)) p(`machine.${k} must be three numbers`);
	if (!Array.isArray(doc.rpcs) || doc.rpcs.length === 0) { p('rpcs missing'); return problems; }
	for (const r of doc.rpcs) if (!isNum(r.at_ms) || !isNum(r.ms) || r.ms < 0) p(`rpc ${r.method} has bad times`);
	const ph = doc.phases ?? {};

	// Socket path: a regular file is refused with -EIO, a stale socket is replaced.
	const s = ph.socket ?? {};
	if (s.regular_file?.error?.message !== 'Input/output error') p('socket: a regular file at the path should be refused with "Input/output error" (-EIO)');
	if (s.regular_file?.path_type_after !== 'file') p('socket: the regular file should be left in place');
	if (s.stale_socket?.path_type_before !== 'socket' || s.stale_socket?.created !== true || s.stale_socket?.path_type_after !== 'socket') p('socket: a stale socket at the path should be replaced by a live one');

	// Creation: one new SPDK thread named after the controller.
	const c = ph.create ?? {};
	if (has(c.threads_before, 'vhost.0') || !has(c.threads_after, 'vhost.0')) p('create: vhost_create_blk_controller should add a thread named vhost.0');
	if (!Array.isArray(c.socket_paths) || c.socket_paths.length !== 2 || !c.socket_paths.every((x) => x.type === 'socket' && x.sessions === 0)) p('create: both controllers should have a socket and no session');

	// Connection: a started session each, the pollers on the controller threads, DPDK's message thread.
	const k = ph.connect ?? {};
	for (const name of ['vhost.0', 'vhost.1']) {
		const ss = k.sessions?.[name];
		if (!Array.isArray(ss) || ss.length !== 1 || ss[0].started !== true) p(`connect: ${name} should have one started session`);
	}
	if (!has(k.pollers?.['vhost.0']?.active, 'vdev_worker')) p('connect: vdev_worker should be an active poller on thread vhost.0');
	if (!has(k.pollers?.['vhost.1']?.active, 'vdev_worker') || !has(k.pollers?.['vhost.1']?.timed, 'vdev_mgmt_worker')) p('connect: vhost.1 should run vdev_worker and a timed vdev_mgmt_worker');
	if (has(k.pollers?.app_thread?.active, 'vdev_worker')) p('connect: no virtqueue poller should be on app_thread');
	if (!has(k.target_os_threads, 'vhost-events') || !has(k.target_os_threads, 'reactor_0')) p('connect: the target process should have a reactor_0 and a vhost-events thread');
	if (k.sessions?.['vhost.0']?.[0]?.max_queues !== 1 || !(k.sessions?.['vhost.1']?.[0]?.max_queues >= 3)) p('connect: blk should use 1 queue, scsi at least 3 (control, event, request)');

	// I/O: both jobs ran without failures; the blk reads reached Malloc0.
	const io = ph.io ?? {};
	if (!Array.isArray(io.results) || io.results.length !== 2 || !io.results.every((r) => r.iops > 0 && r.io_failed === 0)) p('io: two bdevperf jobs with IOPS > 0 and no failures');
	const blkInit = io.initiator_reads?.VirtioBlk0?.num_read_ops, blkTgt = io.target_reads?.Malloc0?.num_read_ops;
	if (!(blkInit > 0) || !(blkTgt > blkInit) || blkTgt > blkInit + 100) p('io: Malloc0 on the target should count a few (1-100) more reads than VirtioBlk0\'s job sent');

	// Hot-remove: the session stays, its poller becomes no_bdev_vdev_worker.
	const h = ph.hotremove ?? {};
	if (h.delete_reply !== true) p('hotremove: bdev_malloc_delete should succeed');
	if (!Array.isArray(h.session_after) || h.session_after.length !== 1 || h.session_after[0].started !== true) p('hotremove: the session should stay started');
	if (!has(h.pollers_after?.active, 'no_bdev_vdev_worker') || has(h.pollers_after?.active, 'vdev_worker')) p('hotremove: vdev_worker should be replaced by no_bdev_vdev_worker');
	if (h.bdev_after !== null) p('hotremove: the controller should report no bdev');

	// Delete while connected: no -EBUSY reply; it answers true only once the client is gone.
	const d = ph.delete ?? {};
	if (d.answered_before_kill !== false) p('delete: vhost_delete_controller should not answer while the client is connected');
	if (d.error) p(`delete: expected no error reply, got ${JSON.stringify(d.error)}`);
	if (d.reply !== true || !isNum(d.reply_ms_after_kill) || d.reply_ms_after_kill > 5000) p('delete: it should answer true within 5 s of the client\'s death');
	if (!(d.still_valid_connection_lines > 100)) p('delete: the retry loop should log "has still valid connection" many times');
	if (!(d.app_thread_busy_ms?.during > 0.5 * d.app_thread_busy_ms?.window_ms)) p('delete: app_thread should be busy most of the wait');
	if (d.socket_after !== 'absent') p('delete: the socket file should be gone after the delete');
	if (d.idle_delete?.reply !== true || d.idle_delete?.socket_after !== 'absent') p('delete: deleting an idle controller should answer true and remove its socket');

	// Stop with reads held: the semaphore's timed wait gives up after 3 s; then either the stop poller
	// runs out of retries (-ETIMEDOUT) or it sees the reads finish first.
	const t = ph.timeout ?? {};
	const lm = t.log_ms_after_kill ?? {};
	if (!(t.held_session?.[0]?.inflight_task_cnt > 0)) p('timeout: reads should be in flight when the client is killed');
	if (!isNum(lm.sem_timeout) || lm.sem_timeout < SEM_TIMEOUT_MS || lm.sem_timeout > SEM_TIMEOUT_MS + 3000) p('timeout: "Timeout waiting for event" should appear 3-6 s after the kill');
	const samples = t.stop_poller_samples ?? [];
	const runs = samples.filter((x) => isNum(x.stop_poller_runs));
	if (runs.length < 2) p('timeout: at least two samples of the stop poller');
	for (let i = 1; i < runs.length; i++) if (runs[i].stop_poller_runs < runs[i - 1].stop_poller_runs) p('timeout: the stop poller run count should not go down');
	if (runs.some((x) => x.stop_poller_runs > STOP_RETRIES)) p(`timeout: the stop poller cannot run more than ${STOP_RETRIES} times`);
	// The page describes the -ETIMEDOUT outcome (rerun with a longer VHOSTU_HOLD_S if a loaded machine
	// lets the reads finish first).
	if (t.outcome !== 'etimedout') p(`timeout: outcome is ${JSON.stringify(t.outcome)}, the page describes "etimedout"`);
	const all = t.all_ms_after_kill ?? {};
	if (!isNum(lm.poller_timeout) || !isNum(lm.couldnt_stop)) p('timeout: -ETIMEDOUT should log both "Timedout when destroy session" and "Couldn\'t stop device"');
	if (!(lm.poller_timeout > lm.sem_timeout)) p('timeout: the stop poller gives up after the semaphore\'s timed wait');
	if (!(lm.poller_timeout < t.reads_complete_ms_after_kill)) p('timeout: -ETIMEDOUT should come before the reads complete');
	if (isNum(lm.stopping_poller)) p('timeout: a clean stop and -ETIMEDOUT cannot both happen');
	if (all.sem_timeout?.length !== 2 || all.poller_timeout?.length !== 2 || all.couldnt_stop?.length !== 2) p('timeout: the stop should be tried twice (stop_device, then destroy_connection)');
	else if (!(all.sem_timeout[1] > all.couldnt_stop[0] && all.couldnt_stop[1] < t.reads_complete_ms_after_kill)) p('timeout: the second stop should start after the first failed and fail before the reads complete');
	if (!Array.isArray(t.session_after_stop) || t.session_after_stop.length !== 1 || !(t.session_after_stop[0].inflight_task_cnt > 0)) p('timeout: after -ETIMEDOUT the session should still be listed with requests in flight');
	if (t.target_alive_after_hold !== false || t.target_exit !== 'SIGSEGV') p('timeout: the target should die of SIGSEGV when the held reads complete');
	if (t.crash?.frames?.[0]?.function !== 'blk_request_finish') p('timeout: the crash should be in blk_request_finish');
	return problems;
}

// Stop-poller runs per second over the samples (first to last).
export function pollerRate(samples) {
	const r = (samples ?? []).filter((x) => isNum(x.stop_poller_runs));
	if (r.length < 2) return NaN;
	const a = r[0], b = r[r.length - 1];
	return (b.stop_poller_runs - a.stop_poller_runs) / ((b.ms_after_kill - a.ms_after_kill) / 1000);
}

const sec = (ms) => `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s`;

export function vhostUserFacts(doc = loadVhostUser()) {
	const problems = checkVhostUser(doc);
	if (problems.length) throw new VhostUserRecordingError(problems);
	const m = doc.machine, b = doc.build, ph = doc.phases, t = ph.timeout;
	const rate = pollerRate(t.stop_poller_samples);
	return {
		doc,
		machine: `${m.cpu_model} (${m.cpus_online} CPUs${m.virtualized ? ', virtualized' : ''}, ${m.kernel})`,
		build: `${doc.spdk_version.version} (${b.release_build ? 'release' : 'debug'} build${b.config?.SHARED === 'y' ? ', shared libraries' : ''}, DPDK ${b.dpdk ?? 'unknown'})`,
		when: m.started_utc.replace('T', ' ').replace('Z', ' UTC'),
		load: m.loadavg_start.join(', '),
		loadPhase7: (m.loadavg_phase7 ?? m.loadavg_start).join(', '),
		rpc: (phase, method) => doc.rpcs.find((r) => r.phase === phase && r.method === method),
		socket: ph.socket,
		create: ph.create,
		connect: ph.connect,
		io: ph.io,
		hotremove: ph.hotremove,
		del: ph.delete,
		timeout: t,
		pollerRate: rate,
		pollerBoundS: STOP_RETRIES / rate,
		sec,
		logLines: doc.log_lines,
	};
}
