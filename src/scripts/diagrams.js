// Renders the page's Mermaid diagrams when one nears the viewport (Mermaid is loaded only then) and
// gives each a viewer: wheel zoom (after a click into the diagram, or with Ctrl/⌘), drag pan, pinch,
// full screen by double-click or button (a CSS overlay where the Fullscreen API is missing or refuses),
// keyboard + - 0 arrows F Esc. Re-renders on theme change, keeping the reader's zoom and position.
//
// One sizing rule for every diagram: the scale is chosen from the size of the diagram's label text, so
// labels show at READ_MIN..READ_MAX CSS px whatever the diagram's width. A diagram that fits the column
// at a readable size fits; a wider one keeps readable text and pans inside its frame (faded edges and
// the hint say so); a small one does not blow up. The inline frame is at most CAP of the window high.
let mermaidPromise;
let counter = 0;
const READ_MIN = 12;
const READ_MAX = 15;
const FULL_MAX = 16;
const CAP = 0.7;
const PAD = 8;

function loadMermaid() {
	mermaidPromise ??= import('mermaid').then((m) => m.default);
	return mermaidPromise;
}

const dark = () => document.documentElement.dataset.theme === 'dark';

// mermaid.initialize is global: one render at a time, so a theme never leaks into another render.
let chain = Promise.resolve();
function mermaidSvg(src, theme) {
	const job = chain.then(async () => {
		const mermaid = await loadMermaid();
		mermaid.initialize({
			startOnLoad: false,
			securityLevel: 'strict',
			theme: theme === 'dark' ? 'dark' : 'default',
			fontFamily: 'inherit',
			flowchart: { htmlLabels: false },
			sequence: { useMaxWidth: false },
		});
		const id = `mmd-${++counter}`;
		try {
			return (await mermaid.render(id, src)).svg;
		} catch (err) {
			document.getElementById(`d${id}`)?.remove();
			throw err;
		}
	});
	chain = job.catch(() => {});
	return job;
}

// The drawing at its own size (1 SVG unit = 1 CSS px before the viewer's scale).
function prepare(svg) {
	const vb = svg.viewBox.baseVal;
	const w = vb?.width || svg.getBoundingClientRect().width;
	const h = vb?.height || svg.getBoundingClientRect().height;
	svg.style.maxWidth = 'none';
	svg.style.setProperty('--w', w);
	svg.setAttribute('width', w);
	svg.setAttribute('height', h);
	return { w, h };
}

// The smallest label font size in SVG units (Mermaid sets it in its own stylesheet).
function labelSize(svg) {
	let min = Infinity;
	for (const t of svg.querySelectorAll('text, foreignObject div, foreignObject span')) {
		if (!t.textContent.trim()) continue;
		const fs = parseFloat(getComputedStyle(t).fontSize);
		if (fs > 0 && fs < min) min = fs;
	}
	return Number.isFinite(min) ? min : 16;
}

// Where reading starts, as an x in the drawing: a top-down diagram (flowchart TD, state) starts at its
// topmost node, so a frame narrower than the drawing opens centred on it; a sequence diagram or a
// left-to-right flowchart starts at its left edge (0).
function startX(svg, src) {
	if (/^\s*sequenceDiagram/m.test(src) || /^\s*(flowchart|graph)\s+(LR|RL)\b/m.test(src)) return 0;
	const k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width || 1;
	const left = svg.getBoundingClientRect().left;
	let best = null;
	for (const n of svg.querySelectorAll('g.node')) {
		const r = n.getBoundingClientRect();
		if (!r.width) continue;
		if (!best || r.top < best.top - 2 || (Math.abs(r.top - best.top) <= 2 && r.left < best.left)) best = r;
	}
	return best ? (best.left + best.width / 2 - left) / k : 0;
}

async function render(fig) {
	const src = fig.querySelector('.diagram-src').textContent;
	const canvas = fig.querySelector('.diagram-canvas');
	const theme = dark() ? 'dark' : 'light';
	const keep = fig.dataset.rendered ? views.get(fig) : null;
	try {
		// Each theme's drawing is kept: switching back (or printing) is then instant and synchronous.
		const svg = fig.svgs?.[theme] ?? await mermaidSvg(src, theme);
		(fig.svgs ??= {})[theme] = svg;
		// Mermaid's tooltip handlers (bindFunctions) are not bound: this site uses no tooltips or click
		// callbacks (links are plain <a> in the SVG), and their mouseout handler calls a d3 transition
		// that the bundle does not include ("i.transition is not a function").
		canvas.innerHTML = svg;
		const el = canvas.querySelector('svg');
		el.removeAttribute('height');
		const { w, h } = prepare(el);
		fig.classList.add('diagram-ready');
		fig.classList.remove('diagram-failed');
		fig.querySelector('.diagram-error')?.remove();
		fig.dataset.rendered = theme;
		fig.labelPx = labelSize(el);
		fig.startX = startX(el, src);
		if (keep && Math.abs(keep.w - w) < 1 && Math.abs(keep.h - h) < 1) apply(fig);
		else fit(fig);
		if (theme === 'dark') whenIdle(() => lightCopy(fig));
	} catch (err) {
		// Never a blank box: say which page and diagram broke, and why.
		fig.classList.add('diagram-failed');
		let box = fig.querySelector('.diagram-error');
		if (!box) {
			box = document.createElement('div');
			box.className = 'diagram-error';
			box.setAttribute('role', 'alert');
			fig.querySelector('.diagram-frame').prepend(box);
		}
		box.textContent = `Diagram error in ${fig.dataset.origin || 'this page'}: ${String(err?.message ?? err).split('\n').slice(0, 4).join(' ')}`;
		console.error(box.textContent);
	}
}

const whenIdle = (fn) => (window.requestIdleCallback ? requestIdleCallback(fn, { timeout: 4000 }) : setTimeout(fn, 500));

// Paper is white: a reader in dark mode still prints the light drawing, so keep a light copy ready
// (beforeprint cannot wait for a render).
async function lightCopy(fig) {
	if (fig.svgs?.light) return;
	try {
		(fig.svgs ??= {}).light = await mermaidSvg(fig.querySelector('.diagram-src').textContent, 'light');
	} catch {
		// The on-screen render already reported the error.
	}
}

// ---- the viewer ---------------------------------------------------------------------------------

const views = new WeakMap();
const isFull = (fig) => document.fullscreenElement === fig || fig.classList.contains('diagram-max');

function apply(fig) {
	const v = views.get(fig);
	const frame = fig.querySelector('.diagram-frame');
	const svg = fig.querySelector('.diagram-canvas svg');
	if (!v || !svg) return;
	const fw = frame.clientWidth;
	const fh = frame.clientHeight;
	// Panning never loses the drawing: it keeps at least a quarter of the frame each way.
	if (fw && fh) {
		v.x = Math.min(fw * 0.75, Math.max(fw * 0.25 - v.w * v.s, v.x));
		v.y = Math.min(fh * 0.75, Math.max(fh * 0.25 - v.h * v.s, v.y));
	}
	svg.style.transform = `translate(${v.x}px, ${v.y}px) scale(${v.s})`;
	fig.dataset.scale = v.s.toFixed(3);
	// Which edges cut the drawing: those get a fade, and the hint says there is more.
	const cut = [];
	if (v.x < -1) cut.push('l');
	if (v.x + v.w * v.s > fw + 1) cut.push('r');
	if (v.y < -1) cut.push('t');
	if (v.y + v.h * v.s > fh + 1) cut.push('b');
	frame.dataset.cut = cut.join(' ');
	fig.classList.toggle('diagram-pans', cut.length > 0);
}

function fit(fig) {
	const frame = fig.querySelector('.diagram-frame');
	const svg = fig.querySelector('.diagram-canvas svg');
	if (!svg) return;
	const { w, h } = prepare(svg);
	const fs = fig.labelPx ?? 16;
	const full = isFull(fig);
	const fw = frame.clientWidth - 2 * PAD;
	let s;
	if (full) {
		frame.style.height = '';
		const fh = frame.clientHeight - 2 * PAD;
		s = Math.min(FULL_MAX / fs, Math.max(READ_MIN / fs, Math.min(fw / w, fh / h)));
	} else {
		s = Math.min(READ_MAX / fs, Math.max(READ_MIN / fs, fw / w));
		const cap = Math.max(200, Math.round(window.innerHeight * CAP));
		frame.style.height = `${Math.min(cap, Math.max(120, Math.ceil(h * s + 2 * PAD)))}px`;
	}
	const fh = frame.clientHeight - 2 * PAD;
	const x = w * s <= fw ? (frame.clientWidth - w * s) / 2
		: Math.min(PAD, Math.max(frame.clientWidth - PAD - w * s, frame.clientWidth / 2 - (fig.startX ?? 0) * s));
	const y = h * s <= fh ? (frame.clientHeight - h * s) / 2 : PAD;
	views.set(fig, { s, x, y, w, h, base: s });
	fig.dataset.view = full ? 'full' : 'inline';
	apply(fig);
}

function zoomAt(fig, factor, cx, cy) {
	const v = views.get(fig);
	if (!v) return;
	const s = Math.min(8, Math.max(0.1, v.s * factor));
	const k = s / v.s;
	v.x = cx - (cx - v.x) * k;
	v.y = cy - (cy - v.y) * k;
	v.s = s;
	apply(fig);
}

function center(fig) {
	const r = fig.querySelector('.diagram-frame').getBoundingClientRect();
	return [r.width / 2, r.height / 2];
}

// ---- full screen: the Fullscreen API where it exists and agrees, else a fixed overlay -------------

function fullChanged(fig) {
	const full = isFull(fig);
	fig.classList.toggle('diagram-full', full);
	fig.querySelector('button[data-act="full"]').setAttribute('aria-label', full ? 'Exit full screen' : 'Full screen');
	if (fig.classList.contains('diagram-ready')) fit(fig);
}

function enterMax(fig) {
	if (fig.classList.contains('diagram-max')) return;
	fig.classList.add('diagram-max');
	document.documentElement.classList.add('diagram-locked');
	fullChanged(fig);
}

function exitMax(fig) {
	fig.classList.remove('diagram-max');
	if (!document.querySelector('.diagram-max')) document.documentElement.classList.remove('diagram-locked');
	fullChanged(fig);
}

function toggleFullscreen(fig) {
	if (fig.classList.contains('diagram-max')) { exitMax(fig); return; }
	if (document.fullscreenElement) { document.exitFullscreen?.(); return; }
	// iPhone Safari has no requestFullscreen for a figure; a browser may also refuse (rejects).
	if (typeof fig.requestFullscreen !== 'function' || document.fullscreenEnabled === false) { enterMax(fig); return; }
	let p;
	try {
		p = fig.requestFullscreen();
	} catch {
		enterMax(fig);
		return;
	}
	Promise.resolve(p).catch(() => enterMax(fig));
}

function attach(fig) {
	const frame = fig.querySelector('.diagram-frame');
	const pointers = new Map();
	let drag = null;
	let pinch = null;
	let dragged = false;
	frame.addEventListener('wheel', (e) => {
		const active = fig.classList.contains('diagram-active') || e.ctrlKey || e.metaKey || isFull(fig);
		if (!active) {
			fig.classList.add('diagram-hinting');
			clearTimeout(fig.hintTimer);
			fig.hintTimer = setTimeout(() => fig.classList.remove('diagram-hinting'), 1400);
			return;
		}
		e.preventDefault();
		const r = frame.getBoundingClientRect();
		zoomAt(fig, Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
	}, { passive: false });
	frame.addEventListener('pointerdown', (e) => {
		if (e.button > 0) return;
		dragged = false;
		fig.classList.add('diagram-active');
		pointers.set(e.pointerId, [e.clientX, e.clientY]);
		const v = views.get(fig);
		if (!v) return;
		if (pointers.size === 2) {
			const [a, b] = [...pointers.values()];
			pinch = { d: Math.hypot(a[0] - b[0], a[1] - b[1]), s: v.s };
			drag = null;
		} else {
			drag = { x: e.clientX, y: e.clientY, vx: v.x, vy: v.y, moved: false, id: e.pointerId };
		}
	});
	frame.addEventListener('pointermove', (e) => {
		if (!pointers.has(e.pointerId)) return;
		pointers.set(e.pointerId, [e.clientX, e.clientY]);
		const v = views.get(fig);
		if (pinch && pointers.size === 2) {
			const [a, b] = [...pointers.values()];
			const r = frame.getBoundingClientRect();
			const factor = (pinch.s * Math.hypot(a[0] - b[0], a[1] - b[1])) / pinch.d / v.s;
			zoomAt(fig, factor, (a[0] + b[0]) / 2 - r.left, (a[1] + b[1]) / 2 - r.top);
		} else if (drag) {
			const dx = e.clientX - drag.x;
			const dy = e.clientY - drag.y;
			if (!drag.moved && Math.hypot(dx, dy) > 4) {
				drag.moved = true;
				dragged = true;
				frame.setPointerCapture(e.pointerId);
				fig.classList.add('diagram-dragging');
			}
			if (drag.moved) {
				v.x = drag.vx + dx;
				v.y = drag.vy + dy;
				apply(fig);
			}
		}
	});
	const end = (e) => {
		pointers.delete(e.pointerId);
		if (pointers.size < 2) pinch = null;
		if (drag?.id === e.pointerId) drag = null;
		fig.classList.remove('diagram-dragging');
	};
	frame.addEventListener('pointerup', end);
	frame.addEventListener('pointercancel', end);
	// A drag that ends on a linked node is a pan, not a click on the link.
	frame.addEventListener('click', (e) => {
		if (dragged) { e.preventDefault(); e.stopPropagation(); dragged = false; }
	}, true);
	frame.addEventListener('dblclick', () => toggleFullscreen(fig));
	frame.addEventListener('keydown', (e) => {
		const v = views.get(fig);
		if (!v) return;
		const [cx, cy] = center(fig);
		const keys = {
			'+': () => zoomAt(fig, 1.25, cx, cy), '=': () => zoomAt(fig, 1.25, cx, cy), '-': () => zoomAt(fig, 0.8, cx, cy),
			0: () => fit(fig), f: () => toggleFullscreen(fig), F: () => toggleFullscreen(fig),
			ArrowLeft: () => { v.x += 40; apply(fig); }, ArrowRight: () => { v.x -= 40; apply(fig); },
			ArrowUp: () => { v.y += 40; apply(fig); }, ArrowDown: () => { v.y -= 40; apply(fig); },
			Escape: () => { fig.classList.remove('diagram-active'); if (document.fullscreenElement === fig) document.exitFullscreen(); },
		};
		if (keys[e.key]) {
			e.preventDefault();
			keys[e.key]();
		}
	});
	fig.querySelector('.diagram-tools').addEventListener('click', (e) => {
		const act = e.target.closest('button')?.dataset.act;
		const [cx, cy] = center(fig);
		if (act === 'in') zoomAt(fig, 1.25, cx, cy);
		else if (act === 'out') zoomAt(fig, 0.8, cx, cy);
		else if (act === 'reset') fit(fig);
		else if (act === 'full') toggleFullscreen(fig);
	});
	document.addEventListener('pointerdown', (e) => {
		if (!frame.contains(e.target)) fig.classList.remove('diagram-active');
	});
	fig.addEventListener('fullscreenchange', () => requestAnimationFrame(() => fullChanged(fig)));
	fig.addEventListener('fullscreenerror', () => enterMax(fig));
}

// ---- when to render -----------------------------------------------------------------------------

let watching = false;
export function watchDiagrams() {
	if (watching) return;
	watching = true;
	const figs = [...document.querySelectorAll('figure.diagram')];
	figs.forEach(attach);
	const queue = (fig) => {
		if (fig.renderPromise) return fig.renderPromise;
		fig.renderPromise = render(fig);
		return fig.renderPromise;
	};
	const io = new IntersectionObserver((entries) => {
		for (const e of entries) {
			if (e.isIntersecting) {
				io.unobserve(e.target);
				queue(e.target);
			}
		}
	}, { rootMargin: '600px 0px' });
	figs.forEach((f) => io.observe(f));
	// Paper gets every diagram, in the light palette: the print button waits for this.
	const renderAll = async () => {
		await Promise.all(figs.map(queue));
		if (dark()) await Promise.all(figs.map(lightCopy));
	};
	window.renderAllDiagrams = renderAll;
	// Ctrl+P cannot wait: diagrams not drawn yet print their text (diagrams.css), drawn dark ones swap
	// to their light copy until the print is done.
	const swapped = [];
	window.addEventListener('beforeprint', () => {
		for (const f of figs) {
			if (f.dataset.rendered !== 'dark' || !f.svgs?.light) continue;
			const canvas = f.querySelector('.diagram-canvas');
			const darkSvg = canvas.querySelector('svg');
			canvas.innerHTML = f.svgs.light;
			const lightSvg = canvas.querySelector('svg');
			lightSvg.removeAttribute('height');
			prepare(lightSvg);
			f.dataset.print = 'light';
			swapped.push([f, darkSvg, lightSvg]);
		}
		renderAll();
	});
	window.addEventListener('afterprint', () => {
		for (const [f, darkSvg, lightSvg] of swapped.splice(0)) {
			const canvas = f.querySelector('.diagram-canvas');
			if (canvas.firstElementChild === lightSvg) canvas.replaceChildren(darkSvg);
			delete f.dataset.print;
			apply(f);
		}
	});
	document.addEventListener('keydown', (e) => {
		if (e.key === 'Escape') document.querySelectorAll('figure.diagram-max').forEach(exitMax);
	});
	new MutationObserver(() => {
		for (const f of figs) {
			if (f.dataset.rendered && f.dataset.rendered !== (dark() ? 'dark' : 'light')) {
				f.renderPromise = render(f);
			}
		}
	}).observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
	// Refit only when the width changes: a phone's toolbar sliding away must not undo the reader's zoom.
	let lastWidth = window.innerWidth;
	window.addEventListener('resize', () => {
		if (window.innerWidth === lastWidth) return;
		lastWidth = window.innerWidth;
		figs.forEach((f) => f.classList.contains('diagram-ready') && fit(f));
	});
}
