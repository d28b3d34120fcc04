// Renders the page's Mermaid diagrams when one nears the viewport (Mermaid is loaded only then) and
// gives each a viewer: wheel zoom (after a click into the diagram, or with Ctrl/⌘), drag pan, pinch,
// fullscreen by double-click or button, keyboard + - 0 arrows F Esc. Re-renders on theme change.
let mermaidPromise;
let counter = 0;

function loadMermaid() {
	mermaidPromise ??= import('mermaid').then((m) => m.default);
	return mermaidPromise;
}

const dark = () => document.documentElement.dataset.theme === 'dark';

async function render(fig) {
	const src = fig.querySelector('.diagram-src').textContent;
	const canvas = fig.querySelector('.diagram-canvas');
	const mermaid = await loadMermaid();
	mermaid.initialize({
		startOnLoad: false,
		securityLevel: 'strict',
		theme: dark() ? 'dark' : 'default',
		fontFamily: 'inherit',
		flowchart: { htmlLabels: false },
		sequence: { useMaxWidth: false },
	});
	try {
		const { svg, bindFunctions } = await mermaid.render(`mmd-${++counter}`, src);
		canvas.innerHTML = svg;
		bindFunctions?.(canvas);
		const el = canvas.querySelector('svg');
		el.removeAttribute('height');
		el.style.maxWidth = 'none';
		fig.classList.add('diagram-ready');
		fig.classList.remove('diagram-failed');
		fig.querySelector('.diagram-error')?.remove();
		fig.dataset.rendered = dark() ? 'dark' : 'light';
		fit(fig);
	} catch (err) {
		// Never a blank box: say which page and diagram broke, and why.
		document.getElementById(`dmmd-${counter}`)?.remove();
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

// ---- the viewer ---------------------------------------------------------------------------------

const views = new WeakMap();

function apply(fig) {
	const v = views.get(fig);
	const svg = fig.querySelector('.diagram-canvas svg');
	if (svg) svg.style.transform = `translate(${v.x}px, ${v.y}px) scale(${v.s})`;
	fig.dataset.scale = v.s.toFixed(3);
}

function fit(fig) {
	const v = views.get(fig) ?? {};
	const frame = fig.querySelector('.diagram-frame');
	const svg = fig.querySelector('.diagram-canvas svg');
	if (!svg) return;
	const vb = svg.viewBox.baseVal;
	const w = vb?.width || svg.getBoundingClientRect().width;
	const h = vb?.height || svg.getBoundingClientRect().height;
	svg.setAttribute('width', w);
	svg.setAttribute('height', h);
	const fw = frame.clientWidth - 16;
	const fh = document.fullscreenElement === fig ? frame.clientHeight - 16 : Infinity;
	const s = Math.min(1.25, fw / w, fh / h);
	views.set(fig, { ...v, s, x: (frame.clientWidth - w * s) / 2, y: 8, base: s });
	if (document.fullscreenElement !== fig) frame.style.height = `${Math.max(120, h * s + 16)}px`;
	else frame.style.height = '';
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

function toggleFullscreen(fig) {
	if (document.fullscreenElement) document.exitFullscreen();
	else fig.requestFullscreen?.().catch(() => fig.classList.toggle('diagram-max'));
}

function attach(fig) {
	const frame = fig.querySelector('.diagram-frame');
	const pointers = new Map();
	let drag = null;
	let pinch = null;
	frame.addEventListener('wheel', (e) => {
		const active = fig.classList.contains('diagram-active') || e.ctrlKey || e.metaKey || document.fullscreenElement === fig;
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
		if (e.target.closest('.diagram-tools') || e.button > 0) return;
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
	frame.addEventListener('dblclick', (e) => {
		if (!e.target.closest('.diagram-tools')) toggleFullscreen(fig);
	});
	frame.addEventListener('keydown', (e) => {
		const v = views.get(fig);
		if (!v || e.target.closest('button')) return;
		const [cx, cy] = center(fig);
		const keys = {
			'+': () => zoomAt(fig, 1.25, cx, cy), '=': () => zoomAt(fig, 1.25, cx, cy), '-': () => zoomAt(fig, 0.8, cx, cy),
			0: () => fit(fig), f: () => toggleFullscreen(fig), F: () => toggleFullscreen(fig),
			ArrowLeft: () => { v.x += 40; apply(fig); }, ArrowRight: () => { v.x -= 40; apply(fig); },
			ArrowUp: () => { v.y += 40; apply(fig); }, ArrowDown: () => { v.y -= 40; apply(fig); },
			Escape: () => { fig.classList.remove('diagram-active', 'diagram-max'); if (document.fullscreenElement) document.exitFullscreen(); },
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
		if (!fig.contains(e.target)) fig.classList.remove('diagram-active');
	});
	fig.addEventListener('fullscreenchange', () => requestAnimationFrame(() => fit(fig)));
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
	// Paper gets every diagram: render the rest before printing (the print button waits for them).
	const renderAll = () => Promise.all(figs.map(queue));
	window.addEventListener('beforeprint', renderAll);
	window.renderAllDiagrams = renderAll;
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
