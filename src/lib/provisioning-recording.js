// SPDX-License-Identifier: BSD-3-Clause
// The recorded provisioning flow (labs/results/provisioning-flow.json, written by
// labs/provisioning/record-provisioning.mjs against a real SPDK build): a checker for its shape and
// for the facts the nvmf/provisioning-flow page states, and the strings that page renders, so the
// page always shows the committed run. checkProvisioning() takes a parsed recording and returns the
// problems as sentences; provisioningFacts() loads the committed file, throws on any problem (a
// broken file fails the build) and formats.
import { readFileSync } from 'node:fs';
import path from 'node:path';
// The project root as the excerpt system knows it (a path computed from this module's own URL is
// wrong once Astro bundles the module into a page).
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const SCHEMA = 'spdk-primer-provisioning/1';
export const RECORDING = 'provisioning-flow';
export const SCRIPT = 'labs/provisioning/record-provisioning.mjs';

// Every request outside the watch loop, in the order it was sent: [phase, process, method, expect].
export const SEQUENCE = [
	['target-provision', 'target', 'bdev_malloc_create', 'ok'],
	['target-provision', 'target', 'bdev_lvol_create_lvstore', 'ok'],
	['target-provision', 'target', 'bdev_lvol_create', 'ok'],
	['target-provision', 'target', 'bdev_lvol_snapshot', 'ok'],
	['target-provision', 'target', 'bdev_lvol_clone', 'ok'],
	['target-provision', 'target', 'bdev_get_bdevs', 'ok'],
	['target-provision', 'target', 'nvmf_create_transport', 'ok'],
	['target-provision', 'target', 'nvmf_create_subsystem', 'ok'],
	['target-failure', 'target', 'nvmf_create_subsystem', 'error'],
	['target-provision', 'target', 'nvmf_subsystem_add_ns', 'ok'],
	['target-failure', 'target', 'nvmf_subsystem_add_ns', 'error'],
	['target-provision', 'target', 'nvmf_subsystem_add_listener', 'ok'],
	['target-provision', 'target', 'nvmf_subsystem_add_host', 'ok'],
	['target-provision', 'target', 'nvmf_get_subsystems', 'ok'],
	['target-provision', 'target', 'bdev_get_iostat', 'ok'],
	['initiator-failure', 'initiator', 'bdev_nvme_attach_controller', 'error'],
	['initiator-attach', 'initiator', 'bdev_nvme_attach_controller', 'ok'],
	['initiator-attach', 'initiator', 'bdev_get_bdevs', 'ok'],
	['initiator-attach', 'initiator', 'bdev_nvme_get_controllers', 'ok'],
	['initiator-attach', 'initiator', 'bdev_nvme_get_io_paths', 'ok'],
	['initiator-attach', 'target', 'nvmf_subsystem_get_controllers', 'ok'],
	['io', 'bdevperf', 'bdev_nvme_attach_controller', 'ok'],
	['io', 'bdevperf', 'bdev_get_iostat', 'ok'],
	['io', 'bdevperf', 'perform_tests', 'ok'],
	['io', 'bdevperf', 'bdev_get_iostat', 'ok'],
	['io', 'initiator', 'bdev_get_iostat', 'ok'],
	['io', 'target', 'bdev_get_iostat', 'ok'],
	['io', 'bdevperf', 'bdev_nvme_detach_controller', 'ok'],
	['initiator-detach', 'initiator', 'bdev_nvme_detach_controller', 'ok'],
	['initiator-detach', 'initiator', 'bdev_get_bdevs', 'ok'],
	['target-gone', 'initiator', 'bdev_nvme_attach_controller', 'ok'],
	['target-gone', 'initiator', 'bdev_nvme_get_controllers', 'ok'],
	['target-gone', 'bdevperf2', 'bdev_nvme_attach_controller', 'ok'],
	['target-gone', 'bdevperf2', 'perform_tests', 'error'],
	['target-gone', 'target', 'nvmf_subsystem_remove_listener', 'ok'],
	['target-gone', 'initiator', 'bdev_nvme_detach_controller', 'error'],
	['teardown', 'target', 'nvmf_subsystem_remove_ns', 'ok'],
	['teardown', 'target', 'nvmf_delete_subsystem', 'ok'],
	['teardown-failure', 'target', 'bdev_lvol_delete', 'error'],
	['teardown', 'target', 'bdev_lvol_delete', 'ok'],
	['teardown', 'target', 'bdev_lvol_delete', 'ok'],
	['teardown', 'target', 'bdev_lvol_delete', 'ok'],
	['teardown', 'target', 'bdev_lvol_delete_lvstore', 'ok'],
	['teardown', 'target', 'bdev_malloc_delete', 'ok'],
	['teardown', 'target', 'bdev_get_bdevs', 'ok'],
];

export const PROCESSES = ['target', 'initiator', 'bdevperf', 'bdevperf2'];

export class ProvisioningRecordingError extends Error {
	constructor(message) {
		super(message);
		this.name = 'ProvisioningRecordingError';
	}
}

export function loadProvisioning(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, 'labs/results', `${RECORDING}.json`), 'utf8'));
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isInt = (v) => Number.isInteger(v);
const isLoad = (v) => Array.isArray(v) && v.length === 3 && v.every((x) => isNum(x) && x >= 0);
const isIso = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v);

// The steps outside the watch, in the order they were sent.
export function orderedSteps(doc) {
	return [...(doc?.steps ?? [])].sort((a, b) => a.seq - b.seq);
}

// The knob rules bdev_nvme applies to an attach (checked against the recording's own knobs and
// against the deliberately bad attach); the page cites the C that states them.
export function knobsValid({ ctrlr_loss_timeout_sec: loss, reconnect_delay_sec: delay, fast_io_fail_timeout_sec: fail }) {
	if (loss < -1) return false;
	if (loss === 0) return delay === 0 && fail === 0;
	if (delay === 0) return false;
	if (loss !== -1 && delay > loss) return false;
	if (fail !== 0 && fail < delay) return false;
	if (loss !== -1 && fail > loss) return false;
	return true;
}

const find = (steps, phase, process, method, nth = 1) => steps.filter((s) => s.phase === phase && s.process === process && s.method === method)[nth - 1];
const ops = (iostat) => {
	const b = iostat?.bdevs?.[0];
	return b ? { reads: b.num_read_ops, writes: b.num_write_ops, bytesRead: b.bytes_read, bytesWritten: b.bytes_written, name: b.name } : null;
};

function checkCommon(doc, p) {
	if (doc.schema !== SCHEMA) p(`schema is ${JSON.stringify(doc.schema)}, expected "${SCHEMA}"`);
	if (doc.script !== SCRIPT) p(`script must be ${SCRIPT}`);
	if (!Array.isArray(doc.args) || !doc.args.every((a) => typeof a === 'string')) p('args must list the script arguments as strings');
	if (!/^SPDK v26\.01\b/.test(doc.spdk_version?.version ?? '')) p(`spdk_version.version is ${JSON.stringify(doc.spdk_version?.version)}, expected "SPDK v26.01 ..."`);
	if (doc.initiator_spdk_version?.version !== doc.spdk_version?.version) p('the initiator runs a different SPDK than the target');
	const b = doc.build ?? {};
	if (!/^[0-9a-f]{40}$/.test(b.commit ?? '')) p('build.commit must be a 40-digit commit hash');
	if (typeof b.release_build !== 'boolean' || b.release_build !== (b.config?.DEBUG === 'n')) p('build.release_build must agree with build.config.DEBUG');
	const m = doc.machine ?? {};
	if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(m.started_utc ?? '')) p('machine.started_utc must be an ISO UTC time');
	if (typeof m.cpu_model !== 'string' || !m.cpu_model) p('machine.cpu_model is missing');
	if (!isInt(m.cpus_online) || m.cpus_online < 1) p('machine.cpus_online must be a positive integer');
	if (!/^Linux \d+\.\d+/.test(m.kernel ?? '')) p('machine.kernel must read "Linux X.Y..."');
	if (typeof m.virtualized !== 'boolean') p('machine.virtualized must be true or false');
	if (!isLoad(m.loadavg_start) || !isLoad(m.loadavg_end)) p('machine.loadavg_start and loadavg_end must be three load averages');
	if (!isNum(m.wall_s) || m.wall_s <= 0) p('machine.wall_s must be > 0');
	for (const role of PROCESSES) {
		const pr = doc.processes?.[role];
		if (!pr || !Array.isArray(pr.argv) || !pr.argv.length) p(`processes.${role}.argv is missing`);
	}
	if (doc.processes?.target?.argv?.join(' ').match(/-m 0x1\b.*-r \/tmp\/provflow-tgt\.sock/) === null) p('the target must run on -m 0x1 with /tmp/provflow-tgt.sock');
	if (doc.processes?.initiator?.argv?.join(' ').match(/-m 0x2\b.*-r \/tmp\/provflow-ini\.sock/) === null) p('the initiator must run on -m 0x2 with /tmp/provflow-ini.sock');
	if (!/spdk_tgt$/.test(doc.processes?.target?.argv?.[0] ?? '') || !/spdk_tgt$/.test(doc.processes?.initiator?.argv?.[0] ?? '')) p('target and initiator must both be spdk_tgt');
	if (doc.processes?.target?.exit !== 0 || doc.processes?.initiator?.exit !== 0) p('target and initiator must exit 0 after the run');
}

function checkRequest(r, where, p) {
	if (!isInt(r.seq) || r.seq < 1) p(`${where}: seq must be a positive integer`);
	if (!PROCESSES.includes(r.process)) p(`${where}: unknown process ${JSON.stringify(r.process)}`);
	if (typeof r.method !== 'string' || !/^[a-z_]+$/.test(r.method)) p(`${where}: method missing`);
	if (!isIso(r.started_utc)) p(`${where}: started_utc must be an ISO UTC time`);
	if (!isNum(r.t_ms) || r.t_ms < 0) p(`${where}: t_ms must be a number >= 0`);
	if (!isNum(r.latency_ms) || r.latency_ms <= 0) p(`${where}: latency_ms must be a number > 0`);
	if (!['ok', 'error'].includes(r.expect)) p(`${where}: expect must be ok or error`);
	const hasErr = r.error !== undefined, hasRes = 'result' in r;
	if (hasErr === hasRes) p(`${where}: needs exactly one of result and error`);
	if (r.expect === 'error' && !hasErr) p(`${where}: a deliberate failure succeeded`);
	if (r.expect === 'ok' && hasErr) p(`${where}: failed with ${JSON.stringify(r.error)}`);
	if (hasErr && (!isInt(r.error?.code) || typeof r.error?.message !== 'string' || !r.error.message)) p(`${where}: the error needs an integer code and a message`);
	if (r.expect === 'error' && typeof r.why !== 'string') p(`${where}: a deliberate failure must say why`);
}

function checkSteps(doc, p) {
	const steps = orderedSteps(doc);
	if (steps.length !== SEQUENCE.length) p(`${steps.length} steps recorded, ${SEQUENCE.length} expected`);
	SEQUENCE.forEach(([phase, process, method, expect], i) => {
		const s = steps[i];
		const where = `step ${i + 1} (${method})`;
		if (!s) return;
		if (s.phase !== phase || s.process !== process || s.method !== method || s.expect !== expect) p(`${where}: recorded ${s.phase}/${s.process}/${s.method}/${s.expect}, expected ${phase}/${process}/${method}/${expect}`);
		checkRequest(s, where, p);
		if (i && !(s.t_ms >= steps[i - 1].t_ms)) p(`${where}: sent before the step before it`);
	});
	const all = [...steps, ...(doc.watch?.requests ?? [])].map((r) => r.seq).sort((a, b) => a - b);
	if (all.some((v, i) => v !== i + 1)) p('seq numbers of steps and watch requests must be 1..n without gaps');
}

function checkFacts(doc, p) {
	const steps = orderedSteps(doc);
	const c = doc.config ?? {};
	const k = c.knobs ?? {};
	if (!['ctrlr_loss_timeout_sec', 'reconnect_delay_sec', 'fast_io_fail_timeout_sec'].every((x) => isInt(k[x]))) { p('config.knobs must hold the three integers'); return; }
	if (!knobsValid(k)) p('config.knobs break the bdev_nvme rules');
	if (!(k.ctrlr_loss_timeout_sec > k.fast_io_fail_timeout_sec && k.fast_io_fail_timeout_sec > 0 && k.reconnect_delay_sec > 0)) p('the knobs must separate fast_io_fail from ctrlr loss (0 < delay, 0 < fast_io_fail < ctrlr_loss)');
	if (c.allow_any_host !== false) p('config.allow_any_host must be false (hosts are added explicitly)');

	const sub = find(steps, 'target-provision', 'target', 'nvmf_create_subsystem');
	if (sub && (sub.params?.nqn !== c.subnqn || sub.params?.allow_any_host !== false)) p('nvmf_create_subsystem must create config.subnqn with allow_any_host false');
	const host = find(steps, 'target-provision', 'target', 'nvmf_subsystem_add_host');
	if (host && host.params?.host !== c.hostnqn) p('nvmf_subsystem_add_host must add config.hostnqn');
	const dup = find(steps, 'target-failure', 'target', 'nvmf_create_subsystem');
	if (dup && (dup.params?.nqn !== c.subnqn || !dup.error?.message?.includes(c.subnqn))) p('the duplicate nvmf_create_subsystem must reuse the NQN and name it in its error');
	const ns = find(steps, 'target-provision', 'target', 'nvmf_subsystem_add_ns');
	if (ns && (ns.params?.namespace?.bdev_name !== 'lvs0/clone0' || ns.result !== 1)) p('the namespace must be the clone, as nsid 1');
	const subs = find(steps, 'target-provision', 'target', 'nvmf_get_subsystems')?.result?.find((s) => s.nqn === c.subnqn);
	if (!subs || subs.allow_any_host !== false || !subs.hosts?.some((h) => h.nqn === c.hostnqn) || subs.namespaces?.[0]?.bdev_name !== c.uuids?.clone || subs.listen_addresses?.[0]?.trsvcid !== c.trsvcid) p('nvmf_get_subsystems must show the subsystem with its host, the clone (by its UUID name) and the listener');

	const bad = find(steps, 'initiator-failure', 'initiator', 'bdev_nvme_attach_controller');
	if (bad && knobsValid(bad.params)) p('the deliberately bad attach must break a knob rule');
	const att = find(steps, 'initiator-attach', 'initiator', 'bdev_nvme_attach_controller');
	if (att) {
		for (const x of Object.keys(k)) if (att.params?.[x] !== k[x]) p(`the attach must set ${x} explicitly to config.knobs`);
		if (!Array.isArray(att.result) || att.result.join() !== `${att.params.name}n1`) p('the attach must return the one bdev <name>n1');
	}
	const ctrl = find(steps, 'initiator-attach', 'initiator', 'bdev_nvme_get_controllers')?.result?.[0]?.ctrlrs?.[0];
	if (!ctrl || ctrl.state !== 'enabled' || ctrl.trid?.trsvcid !== c.trsvcid) p('after the attach the controller must be enabled on the recorded port');
	const bdevs = find(steps, 'initiator-attach', 'initiator', 'bdev_get_bdevs')?.result?.[0];
	const clone = find(steps, 'target-provision', 'target', 'bdev_get_bdevs')?.result?.[0];
	if (!bdevs || !clone || bdevs.num_blocks * bdevs.block_size !== clone.num_blocks * clone.block_size) p('the initiator bdev must be as large as the clone');
	if (bdevs && clone && bdevs.uuid !== clone.uuid) p('the initiator bdev must carry the clone UUID (the namespace UUID)');

	// I/O: everything the clone counted = what it read on its own examine + both hosts' bdevs.
	const before = ops(find(steps, 'target-provision', 'target', 'bdev_get_iostat')?.result);
	const perfAfter = ops(find(steps, 'io', 'bdevperf', 'bdev_get_iostat', 2)?.result);
	const iniIo = ops(find(steps, 'io', 'initiator', 'bdev_get_iostat')?.result);
	const tgtAfter = ops(find(steps, 'io', 'target', 'bdev_get_iostat')?.result);
	if (!before || !perfAfter || !iniIo || !tgtAfter) p('the four bdev_get_iostat replies must each hold one bdev');
	else {
		if (tgtAfter.reads !== before.reads + iniIo.reads + perfAfter.reads) p(`target clone counted ${tgtAfter.reads} reads, hosts sent ${iniIo.reads} + ${perfAfter.reads} after ${before.reads}`);
		if (tgtAfter.writes !== before.writes + iniIo.writes + perfAfter.writes) p('target clone write count does not add up');
		if (iniIo.writes !== 0) p('the initiator must not have written');
		if (!(perfAfter.reads > 100 && perfAfter.writes > 100)) p('bdevperf must have done real I/O');
	}
	const pt = find(steps, 'io', 'bdevperf', 'perform_tests')?.result?.results?.[0];
	if (!pt || pt.status !== 'finished' || pt.io_failed !== 0) p('the bdevperf run must finish with no failed I/O');

	// The outage.
	const w = doc.watch ?? {};
	const reqs = w.requests ?? [];
	reqs.forEach((r, i) => { checkRequest(r, `watch request ${i + 1}`, p); if (r.phase !== 'watch' || r.process !== 'initiator') p(`watch request ${i + 1} must be an initiator watch`); });
	const rl = find(steps, 'target-gone', 'target', 'nvmf_subsystem_remove_listener');
	if (!rl || w.started_t_ms !== rl.t_ms) p('watch.started_t_ms must be when nvmf_subsystem_remove_listener was sent');
	for (const key of ['controller_gone_t_ms', 'bdev_gone_t_ms', 'io_job_ended_t_ms']) if (!isNum(w[key])) p(`watch.${key} must be a number`);
	const states = reqs.filter((r) => r.method === 'bdev_nvme_get_controllers').map((r) => r.result.find((x) => x.name === 'Nvme1')?.ctrlrs?.[0]?.state ?? null);
	if (!states.includes('reconnect_is_delayed')) p('the watch must see the controller waiting to reconnect');
	if (states[states.length - 1] !== null) p('the watch must end with the controller gone');
	const lossMs = k.ctrlr_loss_timeout_sec * 1000, failMs = k.fast_io_fail_timeout_sec * 1000;
	const sinceGone = (t) => t - w.started_t_ms;
	if (!(sinceGone(w.controller_gone_t_ms) >= lossMs - 500)) p(`the controller went away ${sinceGone(w.controller_gone_t_ms)} ms after the listener, before ctrlr_loss_timeout_sec`);
	if (!(sinceGone(w.io_job_ended_t_ms) >= failMs - 500 && w.io_job_ended_t_ms < w.controller_gone_t_ms)) p('I/O must start failing after fast_io_fail_timeout_sec and before the controller is deleted');
	const io2 = find(steps, 'target-gone', 'bdevperf2', 'perform_tests');
	if (io2 && !/bdevperf failed/.test(io2.error?.message ?? '')) p('the bdevperf run during the outage must end in its failure reply');
	const det = find(steps, 'target-gone', 'initiator', 'bdev_nvme_detach_controller');
	const job = outageJob(doc);
	if (!job) p("bdevperf2's log must hold its job summary line");
	else if (!(job.maxUs / 1000 >= failMs && job.failed >= 1)) p('the outage job must have held an I/O at least fast_io_fail_timeout_sec and failed at least one');
	if (det && det.error?.code !== -19) p('detaching the given-up controller must fail with -19 (ENODEV)');
	const snapDel = find(steps, 'teardown-failure', 'target', 'bdev_lvol_delete');
	if (snapDel && snapDel.params?.name !== 'lvs0/snap0') p('the refused lvol delete must be the snapshot that still has a clone');
	const last = find(steps, 'teardown', 'target', 'bdev_get_bdevs');
	if (last && !(Array.isArray(last.result) && last.result.length === 0)) p('after teardown the target must have no bdevs');
}

// Every problem found in a parsed recording, as sentences; [] when it is sound.
export function checkProvisioning(doc) {
	if (!doc || typeof doc !== 'object') return ['not a JSON object'];
	if (doc.recording !== RECORDING) return [`unknown recording ${JSON.stringify(doc.recording)}`];
	const problems = [];
	const p = (m) => problems.push(m);
	checkCommon(doc, p);
	checkSteps(doc, p);
	if (!problems.length) checkFacts(doc, p);
	return problems;
}

const num = (v, digits = 3) => Number(Number(v).toPrecision(digits)).toLocaleString('en-US');
const msText = (v) => `${v < 10 ? num(v, 2) : num(v, 3)} ms`;
const sText = (ms) => `${num(ms / 1000, 2)} s`;

// JSON with a space after every comma and colon between members, so a phone can wrap it.
export function spaced(v) {
	if (Array.isArray(v)) return `[${v.map(spaced).join(', ')}]`;
	if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${spaced(x)}`).join(', ')}}`;
	return JSON.stringify(v);
}

// A short JSON text of a value, cut to `max` characters.
function brief(v, max = 160) {
	const t = spaced(v);
	return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

// What a reply says, in a line a phone can show.
function replySummary(s) {
	if (s.error) return `error ${s.error.code}: ${s.error.message}`;
	const r = s.result;
	switch (s.method) {
	case 'bdev_get_bdevs':
		return Array.isArray(r) && r.length ? r.map((b) => `${b.name} (${b.aliases?.[0] ?? 'no alias'}): ${b.num_blocks} × ${b.block_size} B, product "${b.product_name}"`).join('; ') : '[] (no bdevs)';
	case 'bdev_get_iostat': {
		const o = ops(r);
		return `${o.reads.toLocaleString('en-US')} reads, ${o.writes.toLocaleString('en-US')} writes`;
	}
	case 'bdev_nvme_get_controllers':
		return r.map((c) => `${c.name}: ${c.ctrlrs.map((x) => `${x.state}, cntlid ${x.cntlid}`).join('; ')}`).join('; ') || '[]';
	case 'bdev_nvme_get_io_paths':
		return r.poll_groups.length ? `${r.poll_groups.length} poll group(s): ${r.poll_groups.map((g) => g.thread).join(', ')}` : '{"poll_groups": []}';
	case 'nvmf_subsystem_get_controllers':
		return r.map((c) => `cntlid ${c.cntlid} for ${c.hostnqn}`).join('; ');
	case 'nvmf_get_subsystems':
		return r.filter((x) => x.subtype === 'NVMe').map((x) => `${x.nqn}: ${x.namespaces.length} namespace(s), hosts ${x.hosts.map((h) => h.nqn).join(', ')}, listening on ${x.listen_addresses.map((a) => `${a.traddr}:${a.trsvcid}`).join(', ')}, allow_any_host ${x.allow_any_host}`).join('; ');
	case 'perform_tests': {
		const j = r.results[0];
		return `${j.job}: ${j.status}, ${num(j.iops)} IOPS, average ${num(j.avg_latency_us)} µs, ${j.io_failed} failed`;
	}
	default:
		return brief(r, 80);
	}
}

// The outage as a list of moments where what the initiator reported changed.
function timeline(doc) {
	const w = doc.watch;
	const out = [];
	let last = null;
	for (let i = 0; i + 1 < w.requests.length; i += 2) {
		const c = w.requests[i], b = w.requests[i + 1];
		const state = c.result.find((x) => x.name === 'Nvme1')?.ctrlrs?.[0]?.state ?? 'gone';
		const bdev = b.result.some((x) => x.name === 'Nvme1n1') ? 'present' : 'gone';
		const key = `${state}/${bdev}`;
		if (key !== last) out.push({ atMs: c.t_ms - w.started_t_ms, at: sText(c.t_ms - w.started_t_ms), state, bdev });
		last = key;
	}
	return out;
}

// Timestamps of the initiator's failed reconnect attempts, relative to the first one.
function reconnectAttempts(doc) {
	const times = (doc.logs?.initiator ?? [])
		.filter((l) => /bdev_nvme_reset_ctrlr_complete.*Resetting controller failed/.test(l))
		.map((l) => Date.parse(`${l.slice(1, 27).replace(' ', 'T')}Z`));
	return times.map((t) => (t - times[0]) / 1000);
}

// bdevperf's own summary line for the job that ran through the outage.
export function outageJob(doc) {
	const line = (doc.logs?.bdevperf2 ?? []).find((l) => /^Perf1n1\s+:/.test(l));
	if (!line) return null;
	const v = line.split(':')[1].trim().split(/\s+/).map(Number);
	if (v.length !== 8 || !v.every(Number.isFinite)) return null;
	const [runtimeS, iops, , failPerS, , avgUs, , maxUs] = v;
	return { runtimeS, iops, failPerS, failed: Math.round(failPerS * runtimeS), avgUs, maxUs };
}

function checked(doc) {
	const problems = checkProvisioning(doc);
	if (problems.length) throw new ProvisioningRecordingError(`labs/results/${RECORDING}.json: ${problems.join('; ')}`);
	return doc;
}

// Everything the page renders, as strings, from the committed (or a given) recording.
export function provisioningFacts(doc = loadProvisioning()) {
	checked(doc);
	const steps = orderedSteps(doc);
	const m = doc.machine, b = doc.build, k = doc.config.knobs, w = doc.watch;
	const at = (phase, process, method, nth) => find(steps, phase, process, method, nth);
	const io = (phase, process, nth) => ops(at(phase, process, 'bdev_get_iostat', nth).result);
	const pt = at('io', 'bdevperf', 'perform_tests').result.results[0];
	const attempts = reconnectAttempts(doc);
	const load = (l) => l.map((x) => num(x, 2)).join(', ');
	return {
		date: m.started_utc.slice(0, 10),
		machine: `${m.cpus_online}-core ${m.virtualized ? 'VM' : 'machine'} (${m.cpu_model}), ${m.kernel.replace(/^(\S+ \d+\.\d+(?:\.\d+)?).*$/, '$1')}, ${Math.round(m.memory_mib / 1024)} GiB; load average ${load(m.loadavg_start)} at start, ${load(m.loadavg_end)} at the end (the machine was shared with other work)`,
		build: `${doc.spdk_version.version}, ${b.release_build ? 'a release build (DEBUG=n)' : 'a debug build'}, shared libraries ${b.config.SHARED === 'y' ? 'on' : 'off'}, vfio-user ${b.config.VFIO_USER === 'y' ? 'on' : 'off'}`,
		wall: `${num(m.wall_s, 3)} s`,
		args: doc.args.length ? doc.args.join(' ') : '(no arguments: the defaults)',
		knobs: k,
		subnqn: doc.config.subnqn,
		hostnqn: doc.config.hostnqn,
		port: doc.config.trsvcid,
		steps: steps.map((s) => ({
			seq: s.seq, phase: s.phase, process: s.process, method: s.method,
			params: s.params === null ? '(none)' : brief(s.params, 1000),
			reply: replySummary(s),
			latency: msText(s.latency_ms),
			latencyMs: s.latency_ms,
			failed: !!s.error, why: s.why ?? null,
		})),
		failures: steps.filter((s) => s.error).map((s) => ({ process: s.process, method: s.method, params: brief(s.params, 1000), code: s.error.code, message: s.error.message, why: s.why })),
		watchRequests: w.requests.length,
		timeline: timeline(doc),
		ioFailedAfter: sText(w.io_job_ended_t_ms - w.started_t_ms),
		controllerGoneAfter: sText(w.controller_gone_t_ms - w.started_t_ms),
		bdevGoneAfter: sText(w.bdev_gone_t_ms - w.started_t_ms),
		attempts: attempts.map((t) => `${num(t, 3)} s`),
		attemptCount: attempts.length,
		outageJob: (() => { const j = outageJob(doc); return { runtime: `${num(j.runtimeS, 3)} s`, maxLatency: `${num(j.maxUs / 1e6, 3)} s`, failed: String(j.failed), iops: num(j.iops) }; })(),
		removedAfterStartS: num((w.started_t_ms - at('target-gone', 'bdevperf2', 'perform_tests').t_ms) / 1000, 2),
		iostat: {
			cloneBefore: io('target-provision', 'target'),
			initiator: io('io', 'initiator'),
			bdevperf: io('io', 'bdevperf', 2),
			cloneAfter: io('io', 'target'),
		},
		perf: { iops: num(pt.iops), latencyUs: num(pt.avg_latency_us), seconds: num(pt.runtime, 3), qd: pt.queue_depth, ioSize: pt.io_size, workload: `${pt.workload} ${pt.percentage}% reads` },
		attachMs: msText(at('initiator-attach', 'initiator', 'bdev_nvme_attach_controller').latency_ms),
		lvstoreMs: msText(at('target-provision', 'target', 'bdev_lvol_create_lvstore').latency_ms),
		logs: doc.logs,
	};
}
