// SPDX-License-Identifier: BSD-3-Clause
// Copyright (C) 2026 the learning-site project authors.
//
// Shared pieces of the two recording scripts (inflight.mjs, stacking.mjs): find an already built
// SPDK, build iowatch against it (never SPDK itself), start bdevperf with the module preloaded,
// talk JSON-RPC to it over its Unix socket, describe the machine, and make sure no process this
// script started outlives it. Node built-ins only.
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
let workDir = null;
let cleaning = null;

export function makeWorkDir() {
	workDir = mkdtempSync(path.join(os.tmpdir(), 'iowatch-record-'));
	return workDir;
}

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

export async function cleanup({ keepWork = false } = {}) {
	if (cleaning) return cleaning;
	cleaning = (async () => {
		for (const c of children) await stopChild(c);
		children.clear();
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
	for (const c of children) if (c.exitCode === null) try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
});

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

// Minimal JSON-RPC 2.0 client over a Unix socket (one connection, requests in order).
export class Rpc {
	constructor(sock) { this.sock = sock; this.id = 0; this.buf = ''; this.waiting = new Map(); }

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

	// Returns the whole reply object ({result} or {error}); throws only on transport failure/timeout.
	raw(method, params, timeoutMs = 60000) {
		const id = ++this.id;
		const req = { jsonrpc: '2.0', id, method };
		if (params !== undefined) req.params = params;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => { this.waiting.delete(id); reject(new Error(`${method}: no reply within ${timeoutMs} ms`)); }, timeoutMs);
			this.waiting.set(id, { resolve: (m) => { clearTimeout(timer); resolve(m); }, reject: (e) => { clearTimeout(timer); reject(e); } });
			this.s.write(JSON.stringify(req));
		});
	}

	async call(method, params, timeoutMs) {
		const m = await this.raw(method, params, timeoutMs);
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

function childPid(pid) {
	try { return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]) || null; } catch { return null; }
}
function safeList(d) { try { return readdirSync(d); } catch { return []; } }

export function loadavg() {
	return readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);
}

function sh(cmd, args) {
	try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
}

// The machine and the SPDK build, as the JSON's "machine" and "build" blocks.
export function describe(spdk) {
	const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
	const model = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) || [])[1] ?? null;
	const flags = (cpuinfo.match(/^flags\s*:\s*(.+)$/m) || [])[1] ?? '';
	const config = {};
	try {
		for (const line of readFileSync(path.join(spdk, 'mk/config.mk'), 'utf8').split('\n')) {
			const m = line.match(/^CONFIG_(DEBUG|SHARED|ASAN|UBSAN|LTO|ARCH|ISAL|CRYPTO|VFIO_USER|RDMA|FC)\??=(.*)$/);
			if (m) config[m[1]] = m[2];
		}
	} catch { /* no config.mk */ }
	const dirty = sh('git', ['-C', spdk, 'diff', '--name-only', 'HEAD']);
	return {
		machine: {
			started_utc: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
			cpu_model: model,
			cpus_online: os.cpus().length,
			virtualized: /\bhypervisor\b/.test(flags),
			kernel: `Linux ${os.release()}`,
			memory_mib: Math.round(os.totalmem() / 1048576),
			loadavg_start: loadavg(),
		},
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
