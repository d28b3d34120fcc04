// SPDX-License-Identifier: BSD-3-Clause
// The committed vhost-user recording (labs/results/vhost-user.json, written by
// labs/vhost-user/record-vhost-user.mjs against a built SPDK v26.01): every claim the
// vhost-vfio/vhost-user page makes from it is re-checked; each check can fail; the script's
// SKIPPED path. Needs no SPDK. Run: node --test tests/unit/vhost-user-recording.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkVhostUser, vhostUserFacts, loadVhostUser, pollerRate, STOP_RETRIES } from '../../src/lib/vhost-user-recording.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = loadVhostUser(ROOT);
const clone = () => JSON.parse(JSON.stringify(doc));

function assertProblem(mutate, re) {
	const d = clone();
	mutate(d);
	const problems = checkVhostUser(d);
	assert.ok(problems.some((p) => re.test(p)), `expected a problem matching ${re}, got ${JSON.stringify(problems)}`);
}

test('the committed recording is sound', () => {
	assert.deepEqual(checkVhostUser(doc), []);
	const f = vhostUserFacts(doc);
	assert.match(f.build, /^SPDK v26\.01/);
	assert.ok(f.pollerRate > 0 && f.pollerRate < 1000, `stop poller rate ${f.pollerRate}/s`);
	assert.ok(Math.abs(f.pollerBoundS * f.pollerRate - STOP_RETRIES) < 1e-6);
});

test('pollerRate uses the first and last sample with a run count', () => {
	assert.equal(pollerRate([{ ms_after_kill: 0, stop_poller_runs: 0 }, { ms_after_kill: 500, stop_poller_runs: null }, { ms_after_kill: 2000, stop_poller_runs: 1000 }]), 500);
	assert.ok(Number.isNaN(pollerRate([{ ms_after_kill: 0, stop_poller_runs: 3 }])));
});

test('every check can fail', () => {
	const ph = (d) => d.phases;
	assertProblem((d) => { d.recording = 'x'; }, /recording is/);
	assertProblem((d) => { d.script = 'x.mjs'; }, /script must name/);
	assertProblem((d) => { d.spdk_version.version = 'SPDK v25.09'; }, /spdk_version/);
	assertProblem((d) => { d.build.commit = 'abc'; }, /build\.commit/);
	assertProblem((d) => { d.machine.started_utc = 'today'; }, /started_utc/);
	assertProblem((d) => { d.machine.cpus_online = 1; }, /cpus_online/);
	assertProblem((d) => { d.machine.loadavg_end = [1]; }, /loadavg_end/);
	assertProblem((d) => { d.rpcs = []; }, /rpcs missing/);
	assertProblem((d) => { d.rpcs[0].ms = -1; }, /bad times/);
	assertProblem((d) => { ph(d).socket.regular_file.error = null; }, /regular file at the path should be refused/);
	assertProblem((d) => { ph(d).socket.regular_file.path_type_after = 'absent'; }, /left in place/);
	assertProblem((d) => { ph(d).socket.stale_socket.created = false; }, /stale socket/);
	assertProblem((d) => { ph(d).create.threads_after = ['app_thread']; }, /thread named vhost\.0/);
	assertProblem((d) => { ph(d).create.socket_paths[0].type = 'absent'; }, /both controllers should have a socket/);
	assertProblem((d) => { ph(d).connect.sessions['vhost.1'] = []; }, /vhost\.1 should have one started session/);
	assertProblem((d) => { ph(d).connect.pollers['vhost.0'].active = ['accel_comp_poll']; }, /vdev_worker should be an active poller/);
	assertProblem((d) => { ph(d).connect.pollers['vhost.1'].timed = []; }, /vdev_mgmt_worker/);
	assertProblem((d) => { ph(d).connect.pollers.app_thread.active = ['vdev_worker']; }, /no virtqueue poller should be on app_thread/);
	assertProblem((d) => { ph(d).connect.target_os_threads = ['reactor_0']; }, /vhost-events/);
	assertProblem((d) => { ph(d).connect.sessions['vhost.0'][0].max_queues = 2; }, /blk should use 1 queue/);
	assertProblem((d) => { ph(d).io.results[1].io_failed = 3; }, /no failures/);
	assertProblem((d) => { ph(d).io.target_reads.Malloc0.num_read_ops = 1; }, /Malloc0 on the target should count a few/);
	assertProblem((d) => { ph(d).hotremove.delete_reply = false; }, /bdev_malloc_delete should succeed/);
	assertProblem((d) => { ph(d).hotremove.session_after = []; }, /session should stay started/);
	assertProblem((d) => { ph(d).hotremove.pollers_after.active = ['vdev_worker']; }, /no_bdev_vdev_worker/);
	assertProblem((d) => { ph(d).hotremove.bdev_after = 'Malloc0'; }, /report no bdev/);
	assertProblem((d) => { ph(d).delete.answered_before_kill = true; }, /should not answer while the client is connected/);
	assertProblem((d) => { ph(d).delete.error = { code: -32602, message: 'Device or resource busy' }; }, /expected no error reply/);
	assertProblem((d) => { ph(d).delete.reply_ms_after_kill = 9000; }, /within 5 s/);
	assertProblem((d) => { ph(d).delete.still_valid_connection_lines = 3; }, /many times/);
	assertProblem((d) => { ph(d).delete.app_thread_busy_ms.during = 10; }, /app_thread should be busy/);
	assertProblem((d) => { ph(d).delete.socket_after = 'socket'; }, /socket file should be gone/);
	assertProblem((d) => { ph(d).delete.idle_delete.reply = null; }, /idle controller/);
	assertProblem((d) => { ph(d).timeout.held_session[0].inflight_task_cnt = 0; }, /in flight when the client is killed/);
	assertProblem((d) => { ph(d).timeout.log_ms_after_kill.sem_timeout = 1200; }, /3-6 s after the kill/);
	assertProblem((d) => { ph(d).timeout.stop_poller_samples = []; }, /two samples/);
	assertProblem((d) => { const s = ph(d).timeout.stop_poller_samples; s[1].stop_poller_runs = s[0].stop_poller_runs - 1; }, /should not go down/);
	assertProblem((d) => { ph(d).timeout.stop_poller_samples[0].stop_poller_runs = STOP_RETRIES + 1; }, /cannot run more than/);
	assertProblem((d) => { ph(d).timeout.outcome = 'stopped'; }, /page describes "etimedout"/);
	assertProblem((d) => { ph(d).timeout.log_ms_after_kill.couldnt_stop = null; }, /log both/);
	assertProblem((d) => { ph(d).timeout.log_ms_after_kill.poller_timeout = 100; }, /after the semaphore/);
	assertProblem((d) => { ph(d).timeout.reads_complete_ms_after_kill = 1000; }, /before the reads complete/);
	assertProblem((d) => { ph(d).timeout.log_ms_after_kill.stopping_poller = 5; }, /cannot both happen/);
	assertProblem((d) => { ph(d).timeout.all_ms_after_kill.sem_timeout.pop(); }, /tried twice/);
	assertProblem((d) => { const a = ph(d).timeout.all_ms_after_kill; a.sem_timeout[1] = a.couldnt_stop[0] - 1; }, /second stop should start after/);
	assertProblem((d) => { ph(d).timeout.session_after_stop = []; }, /still be listed/);
	assertProblem((d) => { ph(d).timeout.target_exit = null; }, /SIGSEGV/);
	assertProblem((d) => { ph(d).timeout.crash.frames[0].function = 'main'; }, /blk_request_finish/);
	assert.throws(() => vhostUserFacts({ ...clone(), recording: 'nope' }), /vhost-user\.json: recording is/);
});

test('without SPDK_BUILD_DIR the script says what it skipped and touches nothing', () => {
	const env = { ...process.env };
	delete env.SPDK_BUILD_DIR;
	delete env.SPDK_DIR;
	const r = spawnSync(process.execPath, [path.join(ROOT, 'labs/vhost-user/record-vhost-user.mjs')], { env, encoding: 'utf8' });
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /SKIPPED: SPDK_BUILD_DIR/);
	assert.match(r.stdout, /labs\/results\/vhost-user\.json was left as it is/);
});
