// Figures from the committed lab results (labs/results/*.json), formatted for prose, so a page's
// sentences always quote the same run its charts draw. Every value is a median over the runs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './excerpts.js';

function load(lab) {
	return JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'labs/results', `${lab}.json`), 'utf8'));
}

function pick(results, id) {
	const r = results.results.find((x) => x.id === id);
	if (!r) throw new Error(`labs/results/${results.lab}.json has no result "${id}"`);
	if (r.skipped) throw new Error(`labs/results/${results.lab}.json: "${id}" was skipped (${r.skip_reason})`);
	return Object.fromEntries(Object.entries(r.summary).map(([k, v]) => [k, v.median]));
}

const sig = (v, digits = 2) => Number(v.toPrecision(digits)).toLocaleString('en-US');
export const us = (ns, digits = 2) => (ns >= 1e6 ? `${sig(ns / 1e6, digits)} ms` : ns >= 1e3 ? `${sig(ns / 1e3, digits)} µs` : `${sig(ns, digits)} ns`);
const pct = (v) => `${Math.round(v)}%`;
const rate = (v) => (v >= 1e6 ? `${sig(v / 1e6, 2)} million` : sig(v, 2));

export function ioPathFacts() {
	const r = load('io-path');
	const m = Object.fromEntries(['pread', 'uring-qd1', 'uring-batch', 'uring-sqpoll'].map((id) => [id, pick(r, id)]));
	const cpu = (x) => x.cpu_user_ns_per_io + x.cpu_sys_ns_per_io;
	return {
		date: r.machine.started_utc.slice(0, 10),
		preadCpu: us(cpu(m.pread)), preadP50: us(m.pread.lat_p50_ns), preadIops: sig(m.pread.iops),
		qd1Cpu: us(cpu(m['uring-qd1'])), batchCpu: us(cpu(m['uring-batch'])), batchIops: sig(m['uring-batch'].iops),
		batchGain: `${Math.round(cpu(m.pread) / cpu(m['uring-batch']))}×`, batchSyscalls: sig(m['uring-batch'].syscalls_per_io, 2),
		sqpollP50: us(m['uring-sqpoll'].lat_p50_ns), sqpollCpuPct: pct(m['uring-sqpoll'].process_cpu_pct), sqpollSyscalls: sig(m['uring-sqpoll'].syscalls_per_io, 2),
		otherBusy: pct(r.machine.other_processes_busy_pct ?? 0),
	};
}

export function pollFacts() {
	const r = load('poll-vs-interrupt');
	const g = (id) => pick(r, id);
	const low = { poll: g('poll@low'), eventfd: g('eventfd@low'), epoll: g('epoll@low'), hybrid: g('hybrid@low') };
	const high = { poll: g('poll@high'), eventfd: g('eventfd@high'), epoll: g('epoll@high'), hybrid: g('hybrid@high') };
	return {
		date: r.machine.started_utc.slice(0, 10),
		lowPollP50: us(low.poll.lat_p50_ns), lowPollCpu: pct(low.poll.receiver_cpu_pct),
		lowEventfdP50: us(low.eventfd.lat_p50_ns), lowEventfdCpu: pct(low.eventfd.receiver_cpu_pct),
		lowEpollP50: us(low.epoll.lat_p50_ns), lowHybridP50: us(low.hybrid.lat_p50_ns), lowHybridCpu: pct(low.hybrid.receiver_cpu_pct),
		highPollP50: us(high.poll.lat_p50_ns), highPollCpu: pct(high.poll.receiver_cpu_pct),
		highEventfdP50: us(high.eventfd.lat_p50_ns), highHybridP50: us(high.hybrid.lat_p50_ns), highHybridCpu: pct(high.hybrid.receiver_cpu_pct),
		highAchieved: rate(high.poll.achieved_msgs_per_sec), highTarget: rate(r.results.find((x) => x.id === 'poll@high').target_msgs_per_sec),
		otherBusy: pct(r.machine.other_processes_busy_pct ?? 0),
	};
}

export function msgRingFacts() {
	const r = load('msg-ring');
	const g = (id) => pick(r, id);
	const ring1 = g('mpsc-ring/p1');
	const ring2 = g('mpsc-ring/p2');
	const mtx1 = g('mutex-condvar/p1');
	const mtx2 = g('mutex-condvar/p2');
	return {
		date: r.machine.started_utc.slice(0, 10),
		ring1: rate(ring1.msgs_per_sec), ring2: rate(ring2.msgs_per_sec), mutex1: rate(mtx1.msgs_per_sec), mutex2: rate(mtx2.msgs_per_sec),
		ratio1: `${sig(ring1.msgs_per_sec / mtx1.msgs_per_sec, 2)}×`, ratio2: `${sig(ring2.msgs_per_sec / mtx2.msgs_per_sec, 2)}×`,
	};
}
