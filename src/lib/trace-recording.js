// SPDX-License-Identifier: BSD-3-Clause
// The trace recording (labs/results/trace-bdev.json, written by labs/tracing/record-trace.mjs
// against a built SPDK v26.01): a parser for the text spdk_trace printed, a checker that re-asserts
// on the committed data what the ops-debug/tracing-and-tools page reads from it, and the facts the
// page quotes, recomputed from the lines rather than typed in.
//   parseTraceLine(line)     -> { lcore, us, tsc, owner, tpoint, size, id, related, time, args } or null
//   parseTrace(text)         -> { tscRate, entriesPerCore, events, unparsed }
//   checkTraceRecording(doc) -> [] or problems, as sentences
//   traceFacts(doc?)         -> checked facts (loads the committed file when doc is omitted)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const FILE = 'labs/results/trace-bdev.json';
// The groups the page says spdk_tgt registers in this build (and the ones it says have none).
export const NO_GROUP = ['nvmf_vfio', 'vfio_user', 'vhost', 'lvol', 'nvmf'];

export function loadTraceRecording(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, FILE), 'utf8'));
}

// One event line of `spdk_trace -t`: thread name (may be empty), lcore, microseconds (a float),
// raw TSC in parentheses, the owner's description (may be empty), the tracepoint's name, then
// optional "size:", "id:" (with a related object in parentheses), "time:" and the arguments.
const LINE = /^\s*(?:(\S+)\s+)?(\d+):\s+([\d.]+)\s+\((\d+)\)\s+(.*)$/;

export function parseTraceLine(line) {
	const m = LINE.exec(line);
	if (!m) return null;
	const [, thread, lcore, us, tsc, rest] = m;
	const words = rest.trim().split(/\s+/);
	const at = words.findIndex((w) => /^[A-Z][A-Z0-9_]+$/.test(w));
	if (at < 0) return null;
	const ev = {
		thread: thread ?? '', lcore: Number(lcore), us: Number(us), tsc: BigInt(tsc),
		owner: words.slice(0, at).join(' '), tpoint: words[at], size: null, id: null, related: null, time: null, args: {},
	};
	// name: value pairs; spdk_trace pads names to 7 characters, so "offset:0" has no space.
	const tail = words.slice(at + 1).join(' ');
	const re = /(\w+):\s*(\S+)(?:\s+\((\w+)\))?/g;
	for (let p; (p = re.exec(tail));) {
		const [, name, value, rel] = p;
		if (name === 'size') ev.size = Number(value);
		else if (name === 'id') { ev.id = value; ev.related = rel ?? null; }
		else if (name === 'time') ev.time = Number(value);
		else ev.args[name] = /^0x/.test(value) ? value : Number(value);
	}
	return ev;
}

export function parseTrace(text) {
	const lines = text.split('\n');
	const tscRate = Number((/^TSC Rate: (\d+)$/m.exec(text) || [])[1] ?? NaN);
	const entriesPerCore = Number((/^Trace Size of lcore \(0\): (\d+)$/m.exec(text) || [])[1] ?? NaN);
	const events = [];
	const unparsed = [];
	lines.forEach((l, i) => {
		if (!l.trim() || /^TSC Rate:|^Trace Size of lcore/.test(l)) return;
		const ev = parseTraceLine(l);
		if (ev) events.push({ ...ev, line: i + 1, text: l });
		else unparsed.push(l);
	});
	return { tscRate, entriesPerCore, events, unparsed };
}

// Microseconds between two events, from their raw TSC values.
const usBetween = (a, b, rate) => Number(b.tsc - a.tsc) / rate * 1e6;

// Pairs every START with its DONE by object id; an I/O is { id, start, done, latency_us }.
function pairs(events, rate, startTp, doneTp) {
	const open = new Map();
	const out = [];
	for (const ev of events) {
		if (ev.tpoint === startTp) open.set(ev.id, ev);
		else if (ev.tpoint === doneTp && open.has(ev.id)) {
			const start = open.get(ev.id);
			open.delete(ev.id);
			out.push({ id: ev.id, start, done: ev, latency_us: usBetween(start, ev, rate) });
		}
	}
	return { done: out, unfinished: [...open.keys()] };
}

function analyse(doc) {
	const t = parseTrace(doc.trace?.text ?? '');
	const io = pairs(t.events, t.tscRate, 'BDEV_IO_START', 'BDEV_IO_DONE');
	const raid = pairs(t.events, t.tscRate, 'BDEV_RAID_IO_START', 'BDEV_RAID_IO_DONE');
	const ios = io.done.map((p) => ({ ...p, bdev: p.start.owner.replace(/^bdev_/, ''), type: p.start.args.type, offset: p.start.args.offset }));
	// The copy's reads go to Raid0; each is carried by one raid I/O and one base-bdev I/O.
	const reads = ios.filter((p) => p.bdev === 'Raid0' && p.type === 1).map((r) => {
		const rio = raid.done.find((x) => x.start.related === r.id);
		const child = rio && ios.find((p) => p.start.related === rio.id);
		return { ...r, raid: rio ?? null, child: child ?? null };
	});
	const writes = ios.filter((p) => p.bdev === 'Malloc2' && p.type === 2);
	return { t, io, raid, ios, reads, writes };
}

export function checkTraceRecording(doc) {
	const problems = [];
	const p = (s) => problems.push(s);
	if (!doc || typeof doc !== 'object') return ['not a JSON object'];
	if (doc.recording !== 'trace-bdev') p(`recording is ${JSON.stringify(doc.recording)}`);
	for (const k of ['cpu_model', 'kernel', 'started_utc']) if (!doc.machine?.[k]) p(`machine.${k} is missing`);
	if (!/^SPDK v26\.01\b/.test(doc.spdk_version ?? '')) p(`spdk_version is ${JSON.stringify(doc.spdk_version)}, not SPDK v26.01`);
	if (!Array.isArray(doc.commands) || doc.commands.length < 2) p('commands are missing');
	else {
		if (!/spdk_dd .*-e bdev,bdev_raid .*--count 4 --qd 1/.test(doc.commands[0].line)) p(`the app command is ${doc.commands[0].line}`);
		if (!/spdk_trace -t -f \/dev\/shm\/spdk_dd_trace\.\d+$/.test(doc.commands[1].line)) p(`the trace command is ${doc.commands[1].line}`);
	}
	if (typeof doc.trace?.text !== 'string') return [...problems, 'trace.text is missing'];
	const a = analyse(doc);
	const { t } = a;
	if (!(t.tscRate > 0)) p('the trace has no TSC rate');
	if (t.entriesPerCore !== 32768) p(`the trace holds ${t.entriesPerCore} entries per core, not the default 32768`);
	if (t.unparsed.length) p(`${t.unparsed.length} trace lines do not parse, the first: ${JSON.stringify(t.unparsed[0])}`);
	if (!t.events.length) return [...problems, 'the trace has no events'];
	for (let i = 1; i < t.events.length; i++) {
		if (t.events[i].tsc < t.events[i - 1].tsc) { p(`line ${t.events[i].line} goes back in time`); break; }
	}
	if (a.io.unfinished.length) p(`bdev I/Os without BDEV_IO_DONE: ${a.io.unfinished.join(', ')}`);
	if (a.raid.unfinished.length) p(`raid I/Os without BDEV_RAID_IO_DONE: ${a.raid.unfinished.join(', ')}`);
	// spdk_trace prints its own latency for every DONE; it must agree with the TSC difference.
	for (const x of [...a.io.done, ...a.raid.done]) {
		if (Math.abs(x.done.time - x.latency_us) > 0.01) p(`${x.id}: spdk_trace says ${x.done.time} µs, the TSC values say ${x.latency_us.toFixed(3)} µs`);
	}
	if (a.reads.length !== 4) p(`${a.reads.length} reads of Raid0, expected 4`);
	if (a.writes.length !== 4) p(`${a.writes.length} writes to Malloc2, expected 4`);
	a.reads.forEach((r, k) => {
		if (r.offset !== k) p(`read ${r.id} is at block ${r.offset}, expected ${k}`);
		if (!r.raid || !r.child) { p(`read ${r.id} has no raid I/O or base-bdev I/O under it`); return; }
		const base = k % 2 ? 'Malloc1' : 'Malloc0';
		if (r.child.bdev !== base || r.child.offset !== Math.floor(k / 2)) p(`read ${r.id} (block ${k}) went to ${r.child.bdev} block ${r.child.offset}, expected ${base} block ${Math.floor(k / 2)}`);
		if (!(r.start.tsc <= r.raid.start.tsc && r.raid.start.tsc <= r.child.start.tsc && r.child.done.tsc <= r.raid.done.tsc && r.raid.done.tsc <= r.done.tsc)) p(`read ${r.id}: its raid and base I/O do not nest inside it`);
		const w = a.writes[k];
		if (w && (w.offset !== k || w.start.tsc < r.done.tsc)) p(`write ${w.id} should copy block ${k} after read ${r.id} completed`);
		if (w && w.start.args.ctx !== r.start.args.ctx) p(`write ${w.id} and read ${r.id} should carry the same caller context`);
	});
	for (const x of a.ios) if (x.start.args.qd !== undefined && x.start.args.qd !== 1 && x.bdev !== 'Raid0') p(`${x.id} was submitted at queue depth ${x.start.args.qd}`);
	// The facts around the trace.
	const f = doc.facts;
	if (!f) return [...problems, 'facts are missing'];
	const groups = Object.keys(f.trace_get_info ?? {}).filter((k) => typeof f.trace_get_info[k] === 'object');
	for (const g of ['bdev', 'nvmf_tcp', 'thread', 'blob', 'bdev_raid', 'bdev_nvme']) if (!groups.includes(g)) p(`trace_get_info lists no ${g} group`);
	for (const g of NO_GROUP) if (groups.includes(g)) p(`trace_get_info lists a ${g} group`);
	if (f.trace_get_info?.bdev?.tpoint_mask !== '0xffffffffffffffff') p(`-e bdev left the bdev tpoint mask at ${f.trace_get_info?.bdev?.tpoint_mask}`);
	if (f.trace_get_tpoint_group_mask?.tpoint_group_mask !== f.trace_get_info?.bdev?.mask) p('the group mask is not the bdev group alone');
	if (f.log_get_flags?.nvmf_vfio !== false) p('log_get_flags has no nvmf_vfio flag, or it is on');
	if (f.log_get_print_level !== 'INFO' || f.log_get_level !== 'NOTICE') p(`print level ${f.log_get_print_level}, log level ${f.log_get_level}: not the defaults`);
	if (!(doc.trace.shm_file_bytes > 32768 * 32)) p('the trace file is smaller than its entries');
	const w = doc.wrap;
	if (!w) return [...problems, 'wrap is missing'];
	if (w.live?.entries_header !== 32768) p(`the live buffer holds ${w.live?.entries_header} entries`);
	const liveEvents = (w.live?.io_start ?? 0) + (w.live?.io_done ?? 0);
	if (liveEvents * 2 > 32768 || liveEvents * 2 < 32768 - 8) p(`the live buffer shows ${liveEvents} events; two entries each should fill 32768`);
	const r0 = w.perform_tests?.results?.[0];
	if (!r0 || r0.queue_depth !== 1 || !(r0.iops > 0)) p('perform_tests has no queue-depth-1 result');
	else if (!(r0.iops * r0.runtime > 10 * (w.live?.io_done ?? Infinity))) p('bdevperf did not do many more I/Os than the live buffer holds');
	if (!(w.recorded?.io_done > w.live?.io_done)) p('spdk_trace_record kept no more than the live buffer');
	return problems;
}

export function traceFacts(doc = loadTraceRecording()) {
	const problems = checkTraceRecording(doc);
	if (problems.length) throw new Error(`${FILE}: ${problems.join('; ')}`);
	const a = analyse(doc);
	const r0 = doc.wrap.perform_tests.results[0];
	const first = a.reads[0];
	const ev = (e) => ({ line: e.line, tpoint: e.tpoint, owner: e.owner, id: e.id, related: e.related, size: e.size, time: e.time, args: e.args, tsc: String(e.tsc), us: e.us });
	// The first read, its raid I/O, its base I/O and the write that follows, in trace order.
	const chain = [first.start, first.raid.start, first.child.start, first.child.done, first.raid.done, first.done, a.writes[0].start, a.writes[0].done];
	const lines = doc.trace.text.split('\n');
	const groups = Object.entries(doc.facts.trace_get_info).filter(([, v]) => v && typeof v === 'object').map(([name, v]) => ({ name, mask: v.mask, on: v.tpoint_mask !== '0x0' }));
	const flags = Object.keys(doc.facts.log_get_flags);
	const m = doc.machine;
	return {
		doc,
		tscRate: a.t.tscRate,
		mhz: a.t.tscRate / 1e6,
		events: a.t.events.length,
		ioCount: a.ios.length,
		headerLines: lines.filter((l) => /^TSC Rate:|^Trace Size of lcore/.test(l)),
		eventLines: a.t.events.map((e) => e.text),
		chain: chain.map(ev),
		first: {
			id: first.id, raid: first.raid.id, child: first.child.id, childBdev: first.child.bdev,
			latency_us: first.latency_us, raid_us: first.raid.latency_us, child_us: first.child.latency_us,
			ticks: Number(first.done.tsc - first.start.tsc),
			// Time spent above the base bdev: in the raid module and the bdev layer on the way down and up.
			above_child_us: first.latency_us - first.child.latency_us,
			write: { id: a.writes[0].id, latency_us: a.writes[0].latency_us, gap_us: usBetween(first.done, a.writes[0].start, a.t.tscRate) },
		},
		copy: { first_tsc: String(a.reads[0].start.tsc), total_us: usBetween(a.reads[0].start, a.writes[3].done, a.t.tscRate) },
		reads: a.reads.map((r) => ({ id: r.id, offset: r.offset, child: r.child.bdev, childOffset: r.child.offset, us: r.latency_us })),
		writes: a.writes.map((w) => ({ id: w.id, offset: w.offset, us: w.latency_us })),
		// The two reads before Raid0 existed: one per base bdev, block 0.
		preReads: a.ios.filter((x) => a.t.events.indexOf(x.start) < a.t.events.findIndex((e) => e.owner === 'bdev_Raid0')).map((x) => ({ id: x.id, bdev: x.bdev, offset: x.offset })),
		// The float column: distinct printed values among the events vs distinct TSC values.
		floatUs: { distinct: new Set(a.t.events.map((e) => e.us)).size, distinctTsc: new Set(a.t.events.map((e) => e.tsc)).size, firstUs: a.t.events[0].us },
		shmBytes: doc.trace.shm_file_bytes,
		tgtShmBytes: doc.facts.shm_file_bytes,
		groups,
		groupMask: doc.facts.trace_get_tpoint_group_mask.tpoint_group_mask,
		flagCount: flags.length,
		flags,
		printLevel: doc.facts.log_get_print_level,
		logLevel: doc.facts.log_get_level,
		wrap: {
			ios: Math.round(r0.iops * r0.runtime), iops: r0.iops, runtime: r0.runtime,
			live: doc.wrap.live, recorded: doc.wrap.recorded, missed: doc.wrap.record_missed,
			command: doc.wrap.command, recordCommand: doc.wrap.record_command,
		},
		commands: doc.commands,
		tgtCommand: doc.facts.command,
		notices: doc.trace.app_notices,
		when: m.started_utc.slice(0, 10),
		machine: `${m.cpu_model}, ${m.cpus_online} vCPUs${m.virtualized ? ' (a VM)' : ''}, ${m.kernel}, load average ${m.loadavg_start[0]} at the start`,
		build: `${doc.spdk_version} (${doc.build?.release_build ? 'release' : 'debug'} build, --with-shared${doc.build?.config?.VFIO_USER === 'y' ? ', --with-vfio-user' : ''}, ${doc.build?.config?.USDT === 'y' ? 'with' : 'no'} USDT), DPDK ${doc.build?.dpdk ?? '?'}`,
		us: (x, d = 2) => `${x.toFixed(d)} µs`,
		n: (x) => x.toLocaleString('en-US'),
	};
}
