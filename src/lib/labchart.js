// SPDX-License-Identifier: BSD-3-Clause
// Charts for the companion C labs (labs/ in this repository): pure functions that turn a parsed
// results file (labs/results/*.json) into an accessible SVG string. No dependencies, no DOM.
// Every chart has role="img", a <title> and a <desc> that spells out the numbers, a viewBox with
// width 100% (so it scales down to a phone), colours from CSS custom properties with fallbacks,
// and text in currentColor so it follows the page's light or dark theme.

const W = 480; // viewBox width; text is 11-13 units, about 9-10 px on a 375 px screen
const FONT = 'font-family="system-ui, sans-serif"';
const COLORS = [
	'var(--chart-1, #2f6fde)',
	'var(--chart-2, #e0762b)',
	'var(--chart-3, #2a9d6f)',
	'var(--chart-4, #a855f7)',
];
const GRID = 'var(--chart-grid, #d7dbe0)';

class LabChartError extends Error {
	constructor(message) {
		super(message);
		this.name = 'LabChartError';
	}
}

function esc(s) {
	return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// Three significant digits, never exponent notation.
function num(v) {
	if (v === 0) return '0';
	const a = Math.abs(v);
	if (a >= 100) return String(Math.round(v));
	if (a >= 10) return v.toFixed(1);
	if (a >= 1) return v.toFixed(2);
	return v.toFixed(3);
}

function rate(v) {
	if (v >= 1e6) return `${num(v / 1e6)} M/s`;
	if (v >= 1e3) return `${num(v / 1e3)} k/s`;
	return `${num(v)}/s`;
}

// A log-axis tick in microseconds: 0.1, 1, 10, 100, 1 ms, 10 ms, 1 s.
function usTick(v) {
	const short = (x) => String(Number(x.toPrecision(3)));
	if (v >= 1e6) return `${short(v / 1e6)} s`;
	if (v >= 1e3) return `${short(v / 1e3)} ms`;
	return short(v);
}

function r1(v) {
	return Math.round(v * 10) / 10;
}

// Checks the envelope every lab file shares and returns the entries that were measured.
function measured(results, lab, fn) {
	if (results === null || typeof results !== 'object' || Array.isArray(results)) {
		throw new LabChartError(`${fn}: expected a parsed ${lab} results object, got ${results === null ? 'null' : typeof results}`);
	}
	if (results.lab !== lab) {
		throw new LabChartError(`${fn}: results.lab is ${JSON.stringify(results.lab)}, expected "${lab}"`);
	}
	if (!Array.isArray(results.results) || results.results.length === 0) {
		throw new LabChartError(`${fn}: results.results must be a non-empty array`);
	}
	const ok = results.results.filter((e) => e && e.skipped === false);
	if (ok.length === 0) throw new LabChartError(`${fn}: every result in the file was skipped`);
	return ok;
}

// The median over runs of one metric; throws if it is not a finite number.
function med(entry, key, fn) {
	const v = entry?.summary?.[key]?.median;
	if (typeof v !== 'number' || !Number.isFinite(v)) {
		throw new LabChartError(`${fn}: result ${JSON.stringify(entry?.id)} lacks a finite summary.${key}.median`);
	}
	return v;
}

function svgOpen(id, height, title, desc) {
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="100%" role="img" ` +
			`aria-labelledby="${id}-title ${id}-desc" class="labchart" style="max-width:100%;height:auto">`,
		`<title id="${id}-title">${esc(title)}</title>`,
		`<desc id="${id}-desc">${esc(desc)}</desc>`,
		`<g ${FONT} font-size="12" fill="currentColor">`,
	];
}

function svgClose(parts) {
	parts.push('</g>', '</svg>');
	return parts.join('\n');
}

function legend(parts, y, items) {
	let x = 8;
	for (const [label, color, shape] of items) {
		if (shape === 'circle') parts.push(`<circle cx="${x + 5}" cy="${y - 4}" r="4.5" fill="${color}"/>`);
		else if (shape === 'diamond') parts.push(`<path d="M${x + 5} ${y - 10}l5 5.5-5 5.5-5-5.5z" fill="${color}"/>`);
		else if (shape === 'triangle') parts.push(`<path d="M${x + 5} ${y - 10}l5.5 10h-11z" fill="${color}"/>`);
		else parts.push(`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${color}"/>`);
		parts.push(`<text x="${x + 14}" y="${y}">${esc(label)}</text>`);
		x += 22 + label.length * 6.2;
	}
}

// Vertical grid lines with labels under a linear axis from 0 to max.
function linearTicks(max) {
	const raw = max / 4;
	const mag = 10 ** Math.floor(Math.log10(raw));
	const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
	const ticks = [];
	for (let t = 0; t <= max + step * 1e-9; t += step) ticks.push(t);
	if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
	return ticks;
}

function axis(parts, x0, x1, yTop, yBottom, ticks, scale, fmt) {
	for (const t of ticks) {
		const x = r1(x0 + scale(t));
		if (x > x1 + 0.5) continue;
		parts.push(`<line x1="${x}" y1="${yTop}" x2="${x}" y2="${yBottom}" stroke="${GRID}" stroke-width="1"/>`);
		parts.push(`<text x="${x}" y="${yBottom + 13}" text-anchor="middle" font-size="10.5">${esc(fmt(t))}</text>`);
	}
}

/**
 * io-path: CPU microseconds per I/O (user + system, stacked) and latency p50/p99 per mode.
 * @param {object} results parsed labs/results/io-path.json
 * @param {{id?: string}} [opts] id prefix for the title/desc elements
 * @returns {string} SVG markup
 */
export function ioPathChart(results, opts = {}) {
	const fn = 'ioPathChart';
	const rows = measured(results, 'io-path', fn).map((e) => ({
		id: String(e.id),
		user: med(e, 'cpu_user_ns_per_io', fn) / 1e3,
		sys: med(e, 'cpu_sys_ns_per_io', fn) / 1e3,
		p50: med(e, 'lat_p50_ns', fn) / 1e3,
		p99: med(e, 'lat_p99_ns', fn) / 1e3,
		iops: med(e, 'iops', fn),
		calls: med(e, 'syscalls_per_io', fn),
	}));
	const id = opts.id ?? 'labchart-io';
	const labelW = 96;
	const x0 = labelW;
	const x1 = W - 70;
	const rowH = 22;
	const panel1Top = 44;
	const panel1H = rows.length * rowH;
	const panel2Top = panel1Top + panel1H + 58;
	const latRowH = 26;
	const panel2H = rows.length * latRowH;
	const height = panel2Top + panel2H + 30;

	const cpuMax = Math.max(...rows.map((r) => r.user + r.sys), 1e-3);
	const cpuTicks = linearTicks(cpuMax);
	const cpuScale = (v) => (v / cpuTicks[cpuTicks.length - 1]) * (x1 - x0);
	const latMax = Math.max(...rows.map((r) => Math.max(r.p50, r.p99)), 1e-3);
	const latTicks = linearTicks(latMax);
	const latScale = (v) => (v / latTicks[latTicks.length - 1]) * (x1 - x0);

	const fs = results.config?.filesystem ? ` on ${results.config.filesystem}` : '';
	const direct = results.config?.o_direct === false ? ', buffered (page-cache hits)' : ', O_DIRECT';
	const title = `Cost of one 4 KiB read through the kernel${fs}${direct}`;
	const desc =
		'Medians over runs. ' +
		rows
			.map(
				(r) =>
					`${r.id}: ${num(r.user)} µs user + ${num(r.sys)} µs system CPU per I/O, ` +
					`${num(r.calls)} system calls per I/O, latency p50 ${num(r.p50)} µs, p99 ${num(r.p99)} µs, ${rate(r.iops)}.`,
			)
			.join(' ');
	const parts = svgOpen(id, height, title, desc);

	parts.push(`<text x="8" y="16" font-weight="600" font-size="13">CPU time per I/O (µs, whole process)</text>`);
	legend(parts, 34, [
		['user', COLORS[0]],
		['system', COLORS[1]],
	]);
	axis(parts, x0, x1, panel1Top - 4, panel1Top + panel1H, cpuTicks, cpuScale, num);
	rows.forEach((r, i) => {
		const y = panel1Top + i * rowH;
		const wu = r1(cpuScale(r.user));
		const ws = r1(cpuScale(r.sys));
		parts.push(`<text x="${x0 - 6}" y="${y + 14}" text-anchor="end">${esc(r.id)}</text>`);
		parts.push(`<rect data-mode="${esc(r.id)}" data-series="user" x="${x0}" y="${y + 3}" width="${wu}" height="15" fill="${COLORS[0]}"><title>${esc(`${r.id}: ${num(r.user)} µs user`)}</title></rect>`);
		parts.push(`<rect data-mode="${esc(r.id)}" data-series="sys" x="${r1(x0 + wu)}" y="${y + 3}" width="${ws}" height="15" fill="${COLORS[1]}"><title>${esc(`${r.id}: ${num(r.sys)} µs system`)}</title></rect>`);
		parts.push(`<text x="${r1(x0 + wu + ws + 4)}" y="${y + 14}" font-size="11">${num(r.user + r.sys)}</text>`);
	});

	parts.push(`<text x="8" y="${panel2Top - 30}" font-weight="600" font-size="13">Latency per I/O (µs)</text>`);
	legend(parts, panel2Top - 12, [
		['p50', COLORS[2]],
		['p99', COLORS[3]],
	]);
	axis(parts, x0, x1, panel2Top - 4, panel2Top + panel2H, latTicks, latScale, num);
	rows.forEach((r, i) => {
		const y = panel2Top + i * latRowH;
		parts.push(`<text x="${x0 - 6}" y="${y + 15}" text-anchor="end">${esc(r.id)}</text>`);
		parts.push(`<rect data-mode="${esc(r.id)}" data-series="p50" x="${x0}" y="${y + 2}" width="${r1(latScale(r.p50))}" height="10" fill="${COLORS[2]}"><title>${esc(`${r.id}: p50 ${num(r.p50)} µs`)}</title></rect>`);
		parts.push(`<rect data-mode="${esc(r.id)}" data-series="p99" x="${x0}" y="${y + 13}" width="${r1(latScale(r.p99))}" height="10" fill="${COLORS[3]}"><title>${esc(`${r.id}: p99 ${num(r.p99)} µs`)}</title></rect>`);
		parts.push(`<text x="${r1(x0 + latScale(Math.max(r.p50, r.p99)) + 4)}" y="${y + 16}" font-size="11">${num(r.p50)} / ${num(r.p99)}</text>`);
	});
	return svgClose(parts);
}

/**
 * poll-vs-interrupt: wake-up latency p50/p99/p99.9 per mode at the low and the high rate on a
 * log scale, with the receiver's CPU use beside each row.
 * @param {object} results parsed labs/results/poll-vs-interrupt.json
 * @param {{id?: string}} [opts]
 * @returns {string} SVG markup
 */
export function pollChart(results, opts = {}) {
	const fn = 'pollChart';
	const rows = measured(results, 'poll-vs-interrupt', fn).map((e) => ({
		id: String(e.id),
		mode: String(e.mode ?? e.id),
		rate: String(e.rate ?? ''),
		target: Number(e.target_msgs_per_sec),
		p50: med(e, 'lat_p50_ns', fn) / 1e3,
		p99: med(e, 'lat_p99_ns', fn) / 1e3,
		p999: med(e, 'lat_p999_ns', fn) / 1e3,
		cpu: med(e, 'receiver_cpu_pct', fn),
	}));
	const id = opts.id ?? 'labchart-poll';
	const rates = [...new Set(rows.map((r) => r.rate))];
	const labelW = 64;
	const x0 = labelW;
	const x1 = W - 96;
	const cpuX0 = W - 86;
	const cpuW = 56;
	const rowH = 20;
	const top = 50;

	const values = rows.flatMap((r) => [r.p50, r.p99, r.p999]).map((v) => Math.max(v, 1e-3));
	const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
	const hi = 10 ** Math.ceil(Math.log10(Math.max(...values) * 1.0001));
	const decades = Math.max(1, Math.round(Math.log10(hi / lo)));
	const xs = (v) => ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / decades) * (x1 - x0);
	const ticks = Array.from({ length: decades + 1 }, (_, k) => lo * 10 ** k);

	let y = top;
	const layout = rates.map((rt) => {
		const group = rows.filter((r) => r.rate === rt);
		const g = { rate: rt, y, rows: group };
		y += 20 + group.length * rowH + 10;
		return g;
	});
	const plotBottom = y - 10;
	const height = plotBottom + 34;

	const title = 'Wake-up latency and receiver CPU: polling versus sleeping';
	const desc =
		'Latency from posting an item to the receiver holding it, medians over runs, log scale; ' +
		'receiver CPU as a percentage of one core. ' +
		rows
			.map(
				(r) =>
					`${r.mode} at ${r.rate} rate (${rate(r.target)}): p50 ${num(r.p50)} µs, p99 ${num(r.p99)} µs, ` +
					`p99.9 ${num(r.p999)} µs, receiver CPU ${num(r.cpu)}%.`,
			)
			.join(' ');
	const parts = svgOpen(id, height, title, desc);
	parts.push(`<text x="8" y="16" font-weight="600" font-size="13">Wake-up latency (log scale; µs, ms)</text>`);
	parts.push(`<text x="${cpuX0}" y="16" font-weight="600" font-size="13">CPU %</text>`);
	legend(parts, 36, [
		['p50', COLORS[0], 'circle'],
		['p99', COLORS[1], 'diamond'],
		['p99.9', COLORS[3], 'triangle'],
		['receiver CPU', COLORS[2]],
	]);
	axis(parts, x0, x1, top, plotBottom, ticks, xs, usTick);
	for (const g of layout) {
		parts.push(`<text x="8" y="${g.y + 13}" font-weight="600" font-size="11.5">${esc(`${g.rate} rate${g.rows[0] && Number.isFinite(g.rows[0].target) ? ` (${rate(g.rows[0].target)})` : ''}`)}</text>`);
		g.rows.forEach((r, i) => {
			const cy = g.y + 20 + i * rowH + 9;
			const a = r1(x0 + xs(r.p50));
			const b = r1(x0 + xs(r.p99));
			const c = r1(x0 + xs(r.p999));
			const cpu = Math.min(Math.max(r.cpu, 0), 100);
			parts.push(`<text x="${x0 - 6}" y="${cy + 4}" text-anchor="end">${esc(r.mode)}</text>`);
			parts.push(`<line x1="${a}" y1="${cy}" x2="${c}" y2="${cy}" stroke="currentColor" stroke-opacity="0.45" stroke-width="1.5"/>`);
			parts.push(`<circle data-mode="${esc(r.id)}" data-series="p50" cx="${a}" cy="${cy}" r="4.5" fill="${COLORS[0]}"><title>${esc(`${r.id}: p50 ${num(r.p50)} µs`)}</title></circle>`);
			parts.push(`<path data-mode="${esc(r.id)}" data-series="p99" d="M${b} ${cy - 5.5}l5 5.5-5 5.5-5-5.5z" fill="${COLORS[1]}"><title>${esc(`${r.id}: p99 ${num(r.p99)} µs`)}</title></path>`);
			parts.push(`<path data-mode="${esc(r.id)}" data-series="p999" d="M${c} ${cy - 5.5}l5.5 10h-11z" fill="${COLORS[3]}"><title>${esc(`${r.id}: p99.9 ${num(r.p999)} µs`)}</title></path>`);
			parts.push(`<rect x="${cpuX0}" y="${cy - 6}" width="${cpuW}" height="12" fill="none" stroke="${GRID}"/>`);
			parts.push(`<rect data-mode="${esc(r.id)}" data-series="cpu" x="${cpuX0}" y="${cy - 6}" width="${r1((cpu / 100) * cpuW)}" height="12" fill="${COLORS[2]}"><title>${esc(`${r.id}: receiver CPU ${num(r.cpu)}%`)}</title></rect>`);
			parts.push(`<text x="${cpuX0 + cpuW + 3}" y="${cy + 4}" font-size="10.5">${Math.round(r.cpu)}</text>`);
		});
	}
	return svgClose(parts);
}

/**
 * msg-ring: messages per second per variant, one bar per producer count.
 * @param {object} results parsed labs/results/msg-ring.json
 * @param {{id?: string}} [opts]
 * @returns {string} SVG markup
 */
export function msgRingChart(results, opts = {}) {
	const fn = 'msgRingChart';
	const rows = measured(results, 'msg-ring', fn).map((e) => {
		const producers = Number(e.producers);
		if (!Number.isInteger(producers) || producers < 1) {
			throw new LabChartError(`${fn}: result ${JSON.stringify(e.id)} has no valid producers count`);
		}
		return { id: String(e.id), variant: String(e.variant ?? e.id), producers, rate: med(e, 'msgs_per_sec', fn) };
	});
	const id = opts.id ?? 'labchart-msg';
	const variants = [...new Set(rows.map((r) => r.variant))];
	const counts = [...new Set(rows.map((r) => r.producers))].sort((a, b) => a - b);
	const labelW = 146;
	const x0 = labelW;
	const x1 = W - 64;
	const barH = 13;
	const groupH = counts.length * (barH + 3) + 12;
	const top = 44;
	const height = top + variants.length * groupH + 26;
	const max = Math.max(...rows.map((r) => r.rate)) / 1e6;
	const ticks = linearTicks(max);
	const scale = (v) => (v / ticks[ticks.length - 1]) * (x1 - x0);

	const title = 'Messages per second handed to one thread: lock-free ring versus mutex queue';
	const desc =
		'Medians over runs. ' +
		rows.map((r) => `${r.variant} with ${r.producers} producer${r.producers > 1 ? 's' : ''}: ${rate(r.rate)}.`).join(' ');
	const parts = svgOpen(id, height, title, desc);
	parts.push(`<text x="8" y="16" font-weight="600" font-size="13">Million messages per second</text>`);
	legend(
		parts,
		34,
		counts.map((c, k) => [`${c} producer${c > 1 ? 's' : ''}`, COLORS[k % COLORS.length]]),
	);
	axis(parts, x0, x1, top - 4, top + variants.length * groupH - 8, ticks, scale, num);
	variants.forEach((v, i) => {
		const gy = top + i * groupH;
		parts.push(`<text x="${x0 - 6}" y="${gy + (counts.length * (barH + 3)) / 2 + 4}" text-anchor="end">${esc(v)}</text>`);
		counts.forEach((c, k) => {
			const r = rows.find((row) => row.variant === v && row.producers === c);
			if (!r) return;
			const y = gy + k * (barH + 3);
			const w = r1(scale(r.rate / 1e6));
			parts.push(`<rect data-mode="${esc(r.id)}" data-series="p${c}" x="${x0}" y="${y}" width="${w}" height="${barH}" fill="${COLORS[k % COLORS.length]}"><title>${esc(`${r.variant}, ${c} producer(s): ${rate(r.rate)}`)}</title></rect>`);
			parts.push(`<text x="${r1(x0 + w + 4)}" y="${y + 10.5}" font-size="10.5">${num(r.rate / 1e6)}</text>`);
		});
	});
	return svgClose(parts);
}

/**
 * bdev-stacking (labs/results/bdev-stacking.json, a recording rather than a lab): median average
 * latency per stack, one panel per queue depth (their scales differ by ~30x), with a whisker from
 * the fastest to the slowest run so the spread is visible next to the difference.
 * @param {object} recording parsed labs/results/bdev-stacking.json
 * @param {{id?: string}} [opts]
 * @returns {string} SVG markup
 */
export function stackingChart(recording, opts = {}) {
	const fn = 'stackingChart';
	if (recording === null || typeof recording !== 'object' || recording.recording !== 'bdev-stacking') {
		throw new LabChartError(`${fn}: expected the parsed bdev-stacking recording, got ${JSON.stringify(recording?.recording ?? recording)}`);
	}
	const stacks = recording.config?.stacks;
	const qds = recording.config?.queue_depths;
	if (!Array.isArray(stacks) || stacks.length === 0 || !Array.isArray(qds) || qds.length === 0) {
		throw new LabChartError(`${fn}: config.stacks and config.queue_depths must be non-empty arrays`);
	}
	const finite = (v) => typeof v === 'number' && Number.isFinite(v);
	const panels = qds.map((qd) => ({
		qd,
		rows: stacks.map((s) => {
			const c = (recording.configurations ?? []).find((x) => x.stack === s.id && x.queue_depth === qd);
			const lat = (c?.runs ?? []).map((r) => r.avg_latency_us);
			if (!c || !finite(c.median?.avg_latency_us) || !finite(c.median?.iops) || lat.length === 0 || !lat.every(finite)) {
				throw new LabChartError(`${fn}: ${s.id} at queue depth ${qd} lacks a median and runs with finite latencies`);
			}
			return { id: `${s.id}@qd${qd}`, label: String(s.label ?? s.id), med: c.median.avg_latency_us, iops: c.median.iops, lo: Math.min(...lat), hi: Math.max(...lat), n: lat.length };
		}),
	}));
	const id = opts.id ?? 'labchart-stacking';
	const x0 = 8;
	const x1 = W - 64;
	const rowH = 34;
	const top = 44;
	const panelGap = 44;
	const panelH = stacks.length * rowH;
	let y = top;
	for (const p of panels) {
		p.y = y;
		y += 18 + panelH + panelGap;
	}
	const height = y - panelGap + 24;

	const title = 'What one bdev layer costs: bdevperf 4 KiB random reads, median average latency per stack';
	const desc =
		'Medians over runs; the whisker spans the fastest to the slowest run. ' +
		panels
			.map((p) => `Queue depth ${p.qd}: ` + p.rows.map((r) => `${r.label} ${num(r.med)} µs (runs ${num(r.lo)} to ${num(r.hi)} µs, ${rate(r.iops)} I/O)`).join('; ') + '.')
			.join(' ');
	const parts = svgOpen(id, height, title, desc);
	parts.push(`<text x="8" y="16" font-weight="600" font-size="13">Average latency per I/O (µs), median of runs</text>`);
	parts.push(`<rect x="8" y="25" width="10" height="10" fill="${COLORS[0]}"/>`, '<text x="22" y="34">median</text>');
	parts.push('<path d="M96 30H120M96 26V34M120 26V34" stroke="currentColor" stroke-width="1.5" fill="none"/>', '<text x="126" y="34">fastest to slowest run</text>');
	for (const p of panels) {
		const max = Math.max(...p.rows.map((r) => r.hi));
		const ticks = linearTicks(max);
		const scale = (v) => (v / ticks[ticks.length - 1]) * (x1 - x0);
		parts.push(`<text x="8" y="${p.y + 12}" font-weight="600" font-size="11.5">${esc(`queue depth ${p.qd}`)}</text>`);
		axis(parts, x0, x1, p.y + 18, p.y + 18 + panelH, ticks, scale, num);
		p.rows.forEach((r, i) => {
			const ry = p.y + 18 + i * rowH;
			const w = r1(scale(r.med));
			const cy = ry + 24;
			parts.push(`<text x="${x0}" y="${ry + 13}" font-size="11">${esc(r.label)}</text>`);
			parts.push(`<rect data-mode="${esc(r.id)}" data-series="median" x="${x0}" y="${ry + 17}" width="${w}" height="14" fill="${COLORS[0]}"><title>${esc(`${r.label}, queue depth ${p.qd}: median ${num(r.med)} µs`)}</title></rect>`);
			const a = r1(x0 + scale(r.lo));
			const b = r1(x0 + scale(r.hi));
			parts.push(`<path data-mode="${esc(r.id)}" data-series="spread" d="M${a} ${cy}H${b}M${a} ${cy - 4}V${cy + 4}M${b} ${cy - 4}V${cy + 4}" stroke="currentColor" stroke-width="1.5" fill="none"><title>${esc(`${r.label}, queue depth ${p.qd}: ${r.n} runs from ${num(r.lo)} to ${num(r.hi)} µs`)}</title></path>`);
			parts.push(`<text x="${r1(Math.max(b, x0 + w) + 5)}" y="${cy + 4}" font-size="10.5">${num(r.med)}</text>`);
		});
	}
	return svgClose(parts);
}

/**
 * A one-line description of where and when a results file was measured, e.g.
 * "Measured 2026-11-26 on a 2-core VM (AMD EPYC), Linux 6.18.44, ext4; load average 1.9 at start".
 * @param {object} results any parsed labs/results/*.json
 * @returns {string}
 */
export function machineLabel(results) {
	const m = results?.machine;
	if (!m || typeof m !== 'object') throw new LabChartError('machineLabel: results.machine is missing');
	const date = typeof m.started_utc === 'string' ? m.started_utc.slice(0, 10) : 'on an unknown date';
	const cores = Number.isInteger(m.cpus_online) ? `${m.cpus_online}-core ` : '';
	const kind = m.virtualized ? 'VM' : 'machine';
	const cpu = m.cpu_model ? ` (${m.cpu_model})` : '';
	const kernel = typeof m.kernel === 'string' ? m.kernel.replace(/^(\S+ \d+\.\d+(?:\.\d+)?).*$/, '$1') : 'unknown kernel';
	const fsName = m.test_file_filesystem ?? results.config?.filesystem;
	const fs = fsName ? `, ${fsName}` : '';
	const load = Array.isArray(m.loadavg_start) && Number.isFinite(m.loadavg_start[0]) ? `; load average ${num(m.loadavg_start[0])} at start` : '';
	return `Measured ${date} on a ${cores}${kind}${cpu}, ${kernel}${fs}${load}`;
}

export { LabChartError };
