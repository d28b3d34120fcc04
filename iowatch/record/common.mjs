// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Shared pieces of the recording scripts (iowatch/record/*.mjs and labs/*/record-*.mjs): find an
// already built SPDK, build iowatch against it (never SPDK itself), start bdevperf or any SPDK
// application or host tool (tracked, bounded by timeout(1)), talk JSON-RPC to it over its Unix
// socket, describe the machine, and make sure no process this script started outlives it.
// Node built-ins only.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync, writeFileSync, openSync, closeSync, readdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const IOWATCH_DIR = path.resolve(HERE, '..');
export const PROJECT_ROOT = path.resolve(IOWATCH_DIR, '..');
export const RESULTS_DIR = path.join(PROJECT_ROOT, 'labs', 'results');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);

// The SPDK build to use, or null after printing exactly what was skipped.
export function spdkOrSkip(script, skipped) {
	const dir = process.env.SPDK_BUILD_DIR || process.env.SPDK_DIR || '';
	if (!dir) {
		console.log(`${script}: SKIPPED: SPDK_BUILD_DIR (or SPDK_DIR) is not set, so there is no bdevperf to run.`);
		for (const s of skipped) console.log(`${script}:   not run: ${s}`);
		console.log(`${script}:   Nothing was built, started or written. Set SPDK_BUILD_DIR to a built SPDK v26.01 (--with-shared).`);
		return null;
	}
	const need = ['build/examples/bdevperf', 'build/lib/pkgconfig/spdk_bdev.pc'];
	for (const n of need) {
		if (!existsSync(path.join(dir, n))) {
			console.error(`${script}: ${dir} has no ${n}: point SPDK_BUILD_DIR at a built SPDK tree (this script never builds SPDK)`);
			process.exit(2);
		}
	}
	return path.resolve(dir);
}

// Everything this script started, so that any exit path stops it.
const children = new Set();
// Per-child stop options of children started with startTracked ({graceMs, killInner, killSignal, removeTrace}).
const stopOpts = new Map();
const cleanupHooks = [];
let stopOrder = 'start';
let workDir = null;
let cleaning = null;

// prefix: the name of the directory under the system's tmp (a script's own, e.g. 'lvsops-').
export function makeWorkDir(prefix = 'iowatch-record-') {
	workDir = mkdtempSync(path.join(os.tmpdir(), prefix));
	return workDir;
}

// Runs fn (sync or async) during cleanup(), after the children are stopped and before the work
// directory is removed: removing sockets, shm files and the like.
export function onCleanup(fn) { cleanupHooks.push(fn); }

// order 'reverse': cleanup() stops the children last-started first (hosts before their target).
export function configureCleanup({ order = 'start' } = {}) { stopOrder = order; }

export const alive = (c) => c.exitCode === null && c.signalCode === null;

async function stopChild(c, graceMs = 30000) {
	if (c.exitCode !== null || c.signalCode !== null) return;
	try { process.kill(c.pid, 'SIGINT'); } catch { return; }
	const t0 = Date.now();
	while (c.exitCode === null && c.signalCode === null && Date.now() - t0 < graceMs) await sleep(100);
	if (c.exitCode === null && c.signalCode === null) {
		try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
		while (c.exitCode === null && c.signalCode === null) await sleep(50);
	}
}

// Stops one child: SIGINT (timeout(1) forwards it), then after graceMs killSignal to timeout(1);
// with killInner, SIGKILL to the process timeout(1) runs as well (a SIGKILLed timeout(1) leaves
// its child running). removeTrace: removes that process's /dev/shm/*_trace.pid<N> afterwards.
// Returns {code, signal, forced}. Works on any child, tracked or not.
export async function stopTracked(c, { graceMs = 30000, killInner = false, killSignal = 'SIGKILL', removeTrace = false, inner = undefined, pollMs = 100 } = {}) {
	const pid = inner !== undefined ? inner : childPid(c.pid);
	let forced = false;
	if (alive(c)) {
		try { process.kill(c.pid, 'SIGINT'); } catch { /* gone */ }
		const t0 = Date.now();
		while (alive(c) && Date.now() - t0 < graceMs) await sleep(pollMs);
		if (alive(c)) {
			forced = true;
			if (killInner && pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
			try { process.kill(c.pid, killSignal); } catch { /* gone */ }
			while (alive(c)) await sleep(50);
		}
	}
	if (removeTrace && pid) removeTraceShm(pid);
	return { code: c.exitCode, signal: c.signalCode, forced };
}

export async function cleanup({ keepWork = false } = {}) {
	if (cleaning) return cleaning;
	cleaning = (async () => {
		const list = stopOrder === 'reverse' ? [...children].reverse() : [...children];
		for (const c of list) {
			const o = stopOpts.get(c);
			if (o) await stopTracked(c, o); else await stopChild(c);
		}
		children.clear();
		for (const fn of cleanupHooks) try { await fn(); } catch (e) { log(`cleanup: ${e.message}`); }
		if (workDir && !keepWork) rmSync(workDir, { recursive: true, force: true });
	})();
	return cleaning;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(sig, async () => {
		log(`${sig}: stopping what this script started`);
		await cleanup({ keepWork: true });
		if (workDir) log(`logs kept in ${workDir}`);
		process.exit(130);
	});
}
process.on('exit', () => {
	// Last resort (a crash skipped cleanup): nothing may outlive us.
	for (const c of children) if (c.exitCode === null) {
		const o = stopOpts.get(c);
		if (o?.killInner) { const inner = childPid(c.pid); if (inner) try { process.kill(inner, 'SIGKILL'); } catch { /* gone */ } }
		try { process.kill(c.pid, o?.killSignal ?? 'SIGKILL'); } catch { /* gone */ }
	}
});

// Any command (argv[0] a path or a name), bounded by timeout(1) (-k killAfterS), its output in
// logFile, tracked so that every exit path stops it. env: the whole environment (spdkLibEnv(spdk)
// for an SPDK binary). The stop options (graceMs, killInner, killSignal, removeTrace: see
// stopTracked) are what cleanup() uses for this child. Returns the child process, with .logFile.
export function startTracked(argv, logFile, maxLifeS, { env = process.env, killAfterS = 10, cwd = undefined, graceMs = 30000, killInner = false, killSignal = 'SIGKILL', removeTrace = false } = {}) {
	const fd = openSync(logFile, 'w');
	const c = spawn('timeout', ['-k', String(killAfterS), String(maxLifeS), ...argv], { env, stdio: ['ignore', fd, fd], cwd });
	closeSync(fd);
	children.add(c);
	stopOpts.set(c, { graceMs, killInner, killSignal, removeTrace });
	c.once('exit', () => { children.delete(c); stopOpts.delete(c); });
	c.logFile = logFile;
	return c;
}

// Runs a command to completion (bounded by timeout(1), tracked); resolves to
// {exit_code (the code, or the signal's name), stdout, stderr}.
export function runTool(argv, maxLifeS = 60, { env = process.env, killAfterS = 10, cwd = undefined } = {}) {
	return new Promise((resolve) => {
		const c = spawn('timeout', ['-k', String(killAfterS), String(maxLifeS), ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd });
		children.add(c);
		let out = '', err = '';
		c.stdout.on('data', (d) => { out += d; });
		c.stderr.on('data', (d) => { err += d; });
		c.once('exit', (code, signal) => { children.delete(c); resolve({ exit_code: code ?? signal, stdout: out, stderr: err }); });
	});
}

// Builds iowatch against SPDK into the work directory; returns the .so path.
export function buildIowatch(spdk, outDir) {
	log(`building iowatch against ${spdk} into ${outDir}`);
	execFileSync('make', ['-s', '-C', IOWATCH_DIR, `SPDK_BUILD_DIR=${spdk}`, `OUT_DIR=${outDir}`, `${outDir}/libbdev_iowatch.so`], { stdio: ['ignore', 'inherit', 'inherit'] });
	return path.join(outDir, 'libbdev_iowatch.so');
}

export function spdkEnv(spdk, preload) {
	const libs = [path.join(spdk, 'build/lib'), path.join(spdk, 'build/libvfio-user/usr/local/lib')].filter(existsSync);
	return {
		...process.env,
		LD_LIBRARY_PATH: [...libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
		LD_PRELOAD: preload,
	};
}

// The environment for running an SPDK binary without a preload: SPDK's shared libraries first on
// LD_LIBRARY_PATH, everything else as this process has it.
export function spdkLibEnv(spdk) {
	const libs = [path.join(spdk, 'build/lib'), path.join(spdk, 'build/libvfio-user/usr/local/lib')].filter(existsSync);
	return { ...process.env, LD_LIBRARY_PATH: [...libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
}

// Minimal JSON-RPC 2.0 client over a Unix socket (one connection, requests in order).
// Options: timeoutMs, raw()'s default timeout (60 s); withRequest, raw() resolves to {req, reply}
// instead of the reply alone; onSend(req) and onReply(req, reply), called synchronously when a
// request is written and when its reply is parsed (for timing without an await in between);
// ignoreSocketErrors, a socket error after the connection is up only closes it (pending calls
// reject) instead of being thrown.
export class Rpc {
	constructor(sock, { timeoutMs = 60000, withRequest = false, onSend = null, onReply = null, ignoreSocketErrors = false } = {}) {
		this.sock = sock; this.id = 0; this.buf = ''; this.waiting = new Map();
		this.timeoutMs = timeoutMs; this.withRequest = withRequest; this.onSend = onSend; this.onReply = onReply; this.ignoreSocketErrors = ignoreSocketErrors;
	}

	async connect(timeoutMs = 60000, alive = () => true) {
		const t0 = Date.now();
		for (;;) {
			try {
				await new Promise((resolve, reject) => {
					const s = net.createConnection(this.sock);
					s.once('connect', () => { this.s = s; resolve(); });
					s.once('error', reject);
				});
				break;
			} catch (e) {
				if (!alive()) throw new Error(`the application exited before ${this.sock} answered`);
				if (Date.now() - t0 > timeoutMs) throw new Error(`no RPC server on ${this.sock} after ${timeoutMs} ms: ${e.message}`);
				await sleep(200);
			}
		}
		this.s.setEncoding('utf8');
		this.s.on('data', (d) => { this.buf += d; this.drain(); });
		if (this.ignoreSocketErrors) this.s.on('error', () => { /* reported through close */ });
		this.s.on('close', () => {
			for (const [, w] of this.waiting) w.reject(new Error(`RPC connection ${this.sock} closed`));
			this.waiting.clear();
		});
	}

	// Splits the stream into complete top-level JSON objects.
	drain() {
		for (;;) {
			const start = this.buf.search(/\S/);
			if (start < 0) { this.buf = ''; return; }
			let depth = 0, inStr = false, esc = false, end = -1;
			for (let i = start; i < this.buf.length; i++) {
				const ch = this.buf[i];
				if (inStr) {
					if (esc) esc = false; else if (ch === '\\') esc = true; else if (ch === '"') inStr = false;
				} else if (ch === '"') inStr = true;
				else if (ch === '{' || ch === '[') depth++;
				else if (ch === '}' || ch === ']') { depth--; if (depth === 0) { end = i + 1; break; } }
			}
			if (end < 0) return;
			const msg = JSON.parse(this.buf.slice(start, end));
			this.buf = this.buf.slice(end);
			const w = this.waiting.get(msg.id);
			if (w) { this.waiting.delete(msg.id); w.resolve(msg); }
		}
	}

	// Returns the whole reply object ({result} or {error}), or {req, reply} with withRequest;
	// throws only on transport failure/timeout.
	raw(method, params, timeoutMs = this.timeoutMs) {
		const id = ++this.id;
		const req = { jsonrpc: '2.0', id, method };
		if (params !== undefined) req.params = params;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => { this.waiting.delete(id); reject(new Error(`${method}: no reply within ${timeoutMs} ms`)); }, timeoutMs);
			this.waiting.set(id, {
				resolve: (m) => { clearTimeout(timer); this.onReply?.(req, m); resolve(this.withRequest ? { req, reply: m } : m); },
				reject: (e) => { clearTimeout(timer); reject(e); },
			});
			this.onSend?.(req);
			this.s.write(JSON.stringify(req));
		});
	}

	async call(method, params, timeoutMs) {
		const r = await this.raw(method, params, timeoutMs);
		const m = this.withRequest ? r.reply : r;
		if (m.error) throw new Error(`${method}(${JSON.stringify(params ?? {})}) failed: ${JSON.stringify(m.error)}`);
		return m.result;
	}

	close() { this.s?.destroy(); }
}

// Starts bdevperf with the module preloaded; `timeout` bounds its life even if this script is killed.
// Any built SPDK application (build/bin/spdk_tgt, build/bin/spdk_nvme_perf, ...), bounded by
// timeout(1) and tracked so that every exit path of the script stops it. With rpcSock (the path
// given to the application's -r), waits until its RPC server answers and returns the client too.
export async function startApp(spdk, binRel, args, logFile, maxLifeS, { rpcSock = null, preload = '', cwd = undefined } = {}) {
	const bin = path.join(spdk, binRel);
	const fd = openSync(logFile, 'w');
	const env = spdkEnv(spdk, preload);
	const c = spawn('timeout', ['-k', '10', String(maxLifeS), 'env', `LD_PRELOAD=${env.LD_PRELOAD}`, bin, ...args],
		{ env: { ...env, LD_PRELOAD: '' }, stdio: ['ignore', fd, fd], cwd });
	closeSync(fd);
	children.add(c);
	c.once('exit', () => children.delete(c));
	const exited = new Promise((resolve) => c.once('exit', (code, sig) => resolve(code ?? sig)));
	if (!rpcSock) return { child: c, pid: c.pid, exited };
	const rpc = new Rpc(rpcSock);
	try {
		await rpc.connect(90000, () => c.exitCode === null && c.signalCode === null);
	} catch (e) {
		throw new Error(`${e.message}\n--- ${logFile} ---\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
	}
	return { child: c, rpc, pid: c.pid, exited };
}

// Stops an application started with startApp (SIGINT, then SIGKILL after the grace period).
export async function stopApp(app, graceMs) {
	app.rpc?.close();
	await stopChild(app.child, graceMs);
	return app.child.exitCode ?? app.child.signalCode;
}

export async function startBdevperf(spdk, preload, args, logFile, maxLifeS) {
	const bin = path.join(spdk, 'build/examples/bdevperf');
	const fd = openSync(logFile, 'w');
	// LD_PRELOAD goes through env(1) so that only bdevperf, not timeout(1), loads the module.
	const env = spdkEnv(spdk, preload);
	const c = spawn('timeout', ['-k', '10', String(maxLifeS), 'env', `LD_PRELOAD=${env.LD_PRELOAD}`, bin, ...args],
		{ env: { ...env, LD_PRELOAD: '' }, stdio: ['ignore', fd, fd] });
	closeSync(fd);
	children.add(c);
	c.once('exit', () => children.delete(c));
	const sock = args[args.indexOf('-r') + 1];
	const rpc = new Rpc(sock);
	try {
		await rpc.connect(90000, () => c.exitCode === null && c.signalCode === null);
	} catch (e) {
		throw new Error(`${e.message}\n--- ${logFile} ---\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
	}
	return { child: c, rpc, pid: c.pid };
}

// SIGINT bdevperf (through timeout, which forwards it) and wait; returns its exit code.
export async function stopBdevperf(bp) {
	bp.rpc.close();
	const inner = childPid(bp.pid);
	await stopChild(bp.child);
	// An SPDK app may leave its trace shm file behind; remove only ours.
	if (inner) for (const f of safeList('/dev/shm')) if (f.endsWith(`_trace.pid${inner}`)) try { unlinkSync(path.join('/dev/shm', f)); } catch { /* gone */ }
	return bp.child.exitCode ?? bp.child.signalCode;
}

// The first child of pid (the SPDK process timeout(1) runs), or null.
export function childPid(pid) {
	try { return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]) || null; } catch { return null; }
}
export function safeList(d) { try { return readdirSync(d); } catch { return []; } }

// An SPDK app may leave its trace shm file behind; removes only that process's.
export function removeTraceShm(pid) {
	if (!pid) return;
	for (const f of safeList('/dev/shm')) if (f.endsWith(`_trace.pid${pid}`)) try { unlinkSync(path.join('/dev/shm', f)); } catch { /* gone */ }
}

export function loadavg() {
	return readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);
}

export function sh(cmd, args) {
	try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
}

// The JSON's "machine" block: when, which CPU and how many, virtualized or not, kernel, memory, load.
export function machineFacts() {
	const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
	const model = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) || [])[1] ?? null;
	const flags = (cpuinfo.match(/^flags\s*:\s*(.+)$/m) || [])[1] ?? '';
	return {
		started_utc: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
		cpu_model: model,
		cpus_online: os.cpus().length,
		virtualized: /\bhypervisor\b/.test(flags),
		kernel: `Linux ${os.release()}`,
		memory_mib: Math.round(os.totalmem() / 1048576),
		loadavg_start: loadavg(),
	};
}

// The CONFIG_<name> values of the build's mk/config.mk, for the names given ({} without the file).
export function spdkConfig(spdk, names = ['DEBUG', 'SHARED', 'ASAN', 'UBSAN', 'LTO', 'ARCH', 'ISAL', 'CRYPTO', 'VFIO_USER', 'RDMA', 'FC']) {
	const re = new RegExp(`^CONFIG_(${names.join('|')})\\??=(.*)$`);
	const config = {};
	try {
		for (const line of readFileSync(path.join(spdk, 'mk/config.mk'), 'utf8').split('\n')) {
			const m = line.match(re);
			if (m) config[m[1]] = m[2];
		}
	} catch { /* no config.mk */ }
	return config;
}

// The machine and the SPDK build, as the JSON's "machine" and "build" blocks.
export function describe(spdk) {
	const machine = machineFacts();
	const config = spdkConfig(spdk);
	const dirty = sh('git', ['-C', spdk, 'diff', '--name-only', 'HEAD']);
	return {
		machine,
		build: {
			spdk_dir: spdk,
			commit: sh('git', ['-C', spdk, 'rev-parse', 'HEAD']),
			describe: sh('git', ['-C', spdk, 'describe', '--tags', '--match', 'v*', '--dirty']),
			locally_modified_files: dirty === null ? null : dirty.split('\n').filter(Boolean),
			config,
			release_build: config.DEBUG === 'n',
			dpdk: sh('pkg-config', ['--modversion', 'libdpdk']),
			compiler: sh('cc', ['-dumpfullversion']),
		},
	};
}

export function writeJson(file, doc) {
	writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
	log(`wrote ${path.relative(process.cwd(), file)}`);
}

export function median(xs) {
	const s = [...xs].sort((a, b) => a - b);
	const n = s.length;
	return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
