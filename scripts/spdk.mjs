#!/usr/bin/env node
// Command-line entry to the source-excerpt system.
//   node scripts/spdk.mjs check [--if-tree]   strict check of every page against the tree and spdk.lock
//   node scripts/spdk.mjs check-project       the project's own code under tree="project" excerpts against spdk.lock (no tree needed)
//   node scripts/spdk.mjs pin                 re-resolve everything and rewrite spdk.lock, printing what moved
//   node scripts/spdk.mjs drift <other-tree>  what would change if the site moved to another SPDK version
//   node scripts/spdk.mjs get [--soft]        shallow clone of SPDK v26.01 into spdk_v26_01_migration/, and
//                                           libvfio-user at the commit v26.01 pins into libvfio-user_f922ada/
//   node scripts/spdk.mjs colors              rewrite src/styles/code-colors.css from the Shiki themes
import { existsSync, readFileSync, writeFileSync, renameSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { inspectTree, inspectLvuTree, readLock, LOCK_PATH, PROJECT_ROOT, SPDK_TAG, SPDK_VERSION, defaultTreeDir, defaultLvuDir, LVU_COMMIT, LVU_REPO, SourceTree, SymbolCache, stringifyLock } from '../src/lib/excerpts.js';
import { explainerFiles } from '../src/lib/pages.js';
import { verify, makeTrees, formatErrors, checkProjectPins } from '../src/lib/verify.js';
import { driftReport, formatDrift } from '../src/lib/drift.js';
import { paletteCss } from '../src/lib/code-colors.js';

const [cmd, ...args] = process.argv.slice(2);
const GET_HINT = `Get it with: npm run spdk:get   (or point SPDK_DIR at an existing v${SPDK_VERSION} checkout)`;

function requireTree({ soft }) {
	const t = inspectTree();
	if (!t.present) {
		if (soft) {
			console.log(`spdk: ${t.reason}; skipping the strict source check. ${GET_HINT}`);
			process.exit(0);
		}
		console.error(`spdk: ${t.reason}. ${GET_HINT}`);
		process.exit(1);
	}
	if (!t.versionOk) {
		console.error(`spdk: the tree at ${t.dir} is SPDK ${t.version}, not ${SPDK_VERSION}. Point SPDK_DIR at a v${SPDK_VERSION} tree; to compare versions use npm run spdk:drift -- <tree>.`);
		process.exit(1);
	}
	return t;
}

function writeLock(lock) {
	const tmp = `${LOCK_PATH}.${process.pid}.tmp`;
	writeFileSync(tmp, stringifyLock(lock));
	renameSync(tmp, LOCK_PATH);
}

// Needs no SPDK tree, so CI can run it anywhere; check --if-tree runs it when the tree is absent.
async function checkProject() {
	const errors = await checkProjectPins({ files: explainerFiles(), lock: readLock() });
	if (errors.length) {
		console.error(`spdk:check-project failed (${errors.length} problem${errors.length > 1 ? 's' : ''}):\n${formatErrors(errors)}`);
		process.exit(1);
	}
	const n = Object.values(readLock().entries).filter((e) => e.tree === 'project').length;
	console.log(`spdk:check-project: ${n} project pins in spdk.lock; every tree="project" excerpt and chip matches its pin`);
}

async function check({ soft }) {
	if (soft && !inspectTree().present) await checkProject();
	const t = requireTree({ soft });
	const lvu = inspectLvuTree();
	if (lvu.present && !lvu.commitOk) {
		console.error(`spdk:check: the libvfio-user tree at ${lvu.dir} is at ${lvu.commit ?? 'an unknown commit'}, not ${LVU_COMMIT} (the commit SPDK ${SPDK_TAG} pins); point LIBVFIO_USER_DIR at that commit or run npm run spdk:get after moving it away`);
		process.exit(1);
	}
	const t0 = Date.now();
	const lock = readLock();
	const cache = new SymbolCache();
	const trees = makeTrees(t.dir, undefined, { cache });
	const { errors, info, entries, rpc, paths } = await verify({ files: explainerFiles(), trees, lock, mode: 'check' });
	cache.save(); // the build that follows reads the symbols instead of parsing again
	for (const line of info) console.log(`note: ${line}`);
	const stale = Object.keys(lock.entries).filter((k) => !entries[k]);
	if (stale.length) console.log(`note: ${stale.length} pin(s) in spdk.lock are no longer used by any page (npm run spdk:pin drops them)`);
	const stalePaths = Object.keys(lock.paths ?? {}).filter((k) => !paths[k]);
	if (stalePaths.length) console.log(`note: ${stalePaths.length} path(s) in spdk.lock are no longer named by any page (npm run spdk:pin drops them)`);
	if (errors.length) {
		console.error(`spdk:check failed (${errors.length} problem${errors.length > 1 ? 's' : ''}):\n${formatErrors(errors)}`);
		process.exit(1);
	}
	console.log(`spdk:check: ${Object.keys(entries).length} excerpts and chips, ${Object.keys(rpc).length} RPC methods (${Object.values(rpc).filter((r) => r.path && /^(lib|module)\//.test(r.path)).length} registered by the libraries): all match SPDK ${t.version} and spdk.lock (${Date.now() - t0} ms; ${trees.spdk.parses + trees.project.parses} files parsed, ${cache.hits} from the symbol cache)`);
}

async function pin() {
	const t = requireTree({ soft: false });
	const old = readLock();
	const cache = new SymbolCache();
	const { errors, entries, rpc, rpcFacts, paths, files } = await verify({ files: explainerFiles(), trees: makeTrees(t.dir, undefined, { cache }), lock: old, mode: 'pin' });
	cache.save();
	// Pages are written side by side: pin what resolves, keep the old pins of what does not, and fail.
	for (const [k, e] of Object.entries(old.entries)) if (!entries[k] && errors.length) entries[k] = e;
	const commit = spawnSync('git', ['-C', t.dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || undefined;
	const sorted = Object.fromEntries(Object.keys(entries).sort().map((k) => [k, entries[k]]));
	let changes = 0;
	for (const [k, e] of Object.entries(sorted)) {
		const p = old.entries[k];
		if (!p) { console.log(`pinned  ${k}  lines ${e.shown.join('-')}`); changes++; }
		else if (p.sha256 !== e.sha256) { console.log(`changed ${k}  (text differs; re-pinned at ${e.span.join('-')})`); changes++; }
		else if (p.span.join() !== e.span.join() || p.shown.join() !== e.shown.join()) {
			console.log(`moved   ${k}  ${p.shown.join('-')} -> ${e.shown.join('-')}`); changes++;
		}
	}
	for (const k of Object.keys(old.entries)) if (!sorted[k]) { console.log(`dropped ${k}`); changes++; }
	for (const k of Object.keys(paths)) if (!old.paths?.[k]) { console.log(`pinned  path ${k} -> ${paths[k].to}`); changes++; }
	for (const [k, f] of Object.entries(files)) if (old.files?.[k]?.sha256 !== f.sha256) { console.log(`pinned  file ${k} (${f.lines} lines, ${f.blank.length} blank)`); changes++; }
	for (const k of Object.keys(rpc)) if (JSON.stringify(old.rpc[k]) !== JSON.stringify(rpc[k])) { console.log(`${old.rpc[k] ? 'changed' : 'pinned '} rpc ${k}`); changes++; }
	for (const k of Object.keys(old.rpc)) if (!rpc[k] && !errors.length) { console.log(`dropped rpc ${k}`); changes++; }
	writeLock({ version: 1, spdk: SPDK_TAG, commit, entries: sorted, rpc: { ...(errors.length ? old.rpc : {}), ...rpc }, rpcFacts, paths: { ...(errors.length ? old.paths : {}), ...paths }, ...(Object.keys(files).length || old.files ? { files: { ...(errors.length ? old.files : {}), ...files } } : {}) });
	console.log(`spdk:pin: ${Object.keys(sorted).length} pins, ${Object.keys(rpc).length} RPC methods; ${changes} change(s) written to ${path.relative(PROJECT_ROOT, LOCK_PATH)}`);
	if (errors.length) {
		console.error(`spdk:pin: these references could not be resolved (their old pins, if any, were kept):\n${formatErrors(errors)}`);
		process.exit(1);
	}
}

async function drift(otherDir) {
	if (!otherDir || !existsSync(path.join(otherDir, 'include/spdk/bdev.h'))) {
		console.error(`spdk:drift: give the path of another SPDK tree, e.g. npm run spdk:drift -- ../spdk-v26.05 (got ${otherDir ?? 'nothing'})`);
		process.exit(2);
	}
	const base = inspectTree();
	const report = await driftReport({
		lock: readLock(), files: explainerFiles(),
		other: new SourceTree(path.resolve(otherDir), { name: 'other' }),
		base: base.present ? new SourceTree(base.dir, { name: 'spdk' }) : null,
	});
	console.log(formatDrift(report, otherDir));
}

// libvfio-user at the commit SPDK v26.01 pins (Layer 7 cites it): a shallow fetch of that commit.
function getLvu({ soft }) {
	const dir = defaultLvuDir();
	const t = inspectLvuTree(dir);
	if (t.present) {
		if (t.commitOk) console.log(`spdk:get: libvfio-user ${LVU_COMMIT.slice(0, 7)} is already at ${dir}`);
		else { console.error(`spdk:get: ${dir} holds libvfio-user at ${t.commit ?? 'an unknown commit'}, not ${LVU_COMMIT}; move it away first`); if (!soft) process.exit(1); }
		return;
	}
	if (existsSync(dir)) {
		console.error(`spdk:get: ${dir} exists but holds no libvfio-user tree; move it away first`);
		if (!soft) process.exit(1);
		return;
	}
	console.log(`spdk:get: shallow fetch of libvfio-user ${LVU_COMMIT.slice(0, 7)} (the commit SPDK ${SPDK_TAG} pins) into ${dir}`);
	const git = (...a) => spawnSync('git', ['-C', dir, ...a], { stdio: 'inherit', timeout: 300_000, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
	mkdirSync(dir, { recursive: true });
	let r = git('init', '--quiet');
	if (r.status === 0) r = git('fetch', '--quiet', '--depth', '1', LVU_REPO, LVU_COMMIT);
	if (r.status === 0) r = git('checkout', '--quiet', 'FETCH_HEAD');
	if (r.status !== 0) {
		rmSync(dir, { recursive: true, force: true });
		const msg = `spdk:get: could not fetch libvfio-user from GitHub (${r.error?.message ?? `git exited ${r.status}`}). The site still builds: its excerpts show as cards with their permalinks.`;
		if (soft) { console.log(msg); return; }
		console.error(msg);
		process.exit(1);
	}
}

function get({ soft }) {
	getLvu({ soft });
	const dir = defaultTreeDir();
	if (inspectTree(dir).present) {
		console.log(`spdk:get: a tree is already at ${dir}`);
		return;
	}
	if (existsSync(dir)) {
		console.error(`spdk:get: ${dir} exists but holds no SPDK tree; move it away first`);
		process.exit(soft ? 0 : 1);
	}
	console.log(`spdk:get: shallow clone of SPDK ${SPDK_TAG} into ${dir} (source only, nothing is built)`);
	const r = spawnSync('git', ['clone', '--quiet', '--depth', '1', '--branch', SPDK_TAG, 'https://github.com/spdk/spdk', dir], {
		stdio: 'inherit', timeout: 300_000, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
	});
	if (r.status !== 0) {
		const msg = `spdk:get: could not clone from GitHub (${r.error?.message ?? `git exited ${r.status}`}). The site still builds without the tree: excerpts show as cards with their permalinks.`;
		if (soft) { console.log(msg); return; }
		console.error(msg);
		process.exit(1);
	}
}

const soft = args.includes('--if-tree') || args.includes('--soft');
switch (cmd) {
	case 'check': await check({ soft }); break;
	case 'check-project': await checkProject(); break;
	case 'pin': await pin(); break;
	case 'drift': await drift(args.find((a) => !a.startsWith('--'))); break;
	case 'get': get({ soft }); break;
	case 'colors': writeFileSync(path.join(PROJECT_ROOT, 'src/styles/code-colors.css'), paletteCss()); console.log('spdk:colors: wrote src/styles/code-colors.css'); break;
	default:
		console.error('usage: node scripts/spdk.mjs check [--if-tree] | check-project | pin | drift <other-tree> | get [--soft] | colors');
		process.exit(2);
}
