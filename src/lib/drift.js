// What moving the site to another SPDK version would change: pinned excerpts whose text changed,
// moved or vanished, and identifiers or RPC names the pages use that the other tree no longer has.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { resolveRef, PROJECT_ROOT } from './excerpts.js';
import { IdentifierIndex, identifierOf } from './identifiers.js';
import { collect, parseMdx } from './pages.js';
import { runtimeNames } from './verify.js';

export async function driftReport({ lock, files, other, base }) {
	const rows = { changed: [], moved: [], vanished: [], same: 0, gone: [] };
	for (const [key, pin] of Object.entries(lock.entries)) {
		if (pin.tree === 'project' || pin.tree === 'libvfio-user') continue; // only SPDK code drifts between SPDK versions
		try {
			const r = await resolveRef(other, pin, { expectedSha: pin.kind === 'lines' ? pin.sha256 : undefined });
			if (r.sha256 !== pin.sha256) rows.changed.push({ key, from: pin.span, to: r.span });
			else if (r.span.join() !== pin.span.join()) rows.moved.push({ key, from: pin.span, to: r.span });
			else rows.same++;
		} catch (e) {
			rows.vanished.push({ key, why: e.detail ?? e.message });
		}
	}
	const ids = new IdentifierIndex(other);
	const baseIds = base ? new IdentifierIndex(base) : null;
	const rpcs = await ids.rpcMethods();
	const seen = new Set();
	for (const file of files) {
		const text = readFileSync(file, 'utf8');
		const declared = new Set(runtimeNames(text));
		for (const s of collect(parseMdx(text), path.relative(PROJECT_ROOT, file)).codeSpans) {
			const id = identifierOf(s.value);
			if (!id || seen.has(id.text) || declared.has(id.name)) continue;
			seen.add(id.text);
			if (lock.rpc?.[id.name]) {
				if (!rpcs.has(id.name)) rows.gone.push(`${id.name} (RPC method)`);
				continue;
			}
			if (ids.isProgram(id.name) || (await ids.defines(id.name, id.tag))) continue;
			// Names that the base tree does not define either belong to the project's own C.
			if (baseIds && !(await baseIds.defines(id.name, id.tag))) continue;
			rows.gone.push(id.text);
		}
	}
	return rows;
}

export function formatDrift(rows, otherDir) {
	const versionFile = path.join(otherDir, 'VERSION');
	const version = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : 'unknown';
	const out = [`spdk:drift: pins against ${otherDir} (VERSION ${version})`, `  unchanged: ${rows.same}`];
	const span = (s) => s.join('-');
	out.push(`  changed text: ${rows.changed.length}`, ...rows.changed.map((r) => `    ${r.key}  (${span(r.from)} -> ${span(r.to)})`));
	out.push(`  moved, same text: ${rows.moved.length}`, ...rows.moved.map((r) => `    ${r.key}  ${span(r.from)} -> ${span(r.to)}`));
	out.push(`  vanished: ${rows.vanished.length}`, ...rows.vanished.map((r) => `    ${r.key}  (${r.why})`));
	out.push(`  identifiers and RPC names that disappeared: ${rows.gone.length}`, ...rows.gone.map((g) => `    ${g}`));
	return out.join('\n');
}
