// Markdown tables in explainers: each body cell gets its column's header as data-label, so a phone can
// show a row as a card ("Folder: lib/ ..."), and a table outside a <Figure> is wrapped in a focusable,
// named region that scrolls sideways when a wider screen still cannot fit it. Inside a <Figure> the
// figure's own body is that region, so the table is not wrapped twice.
const textOf = (n) => (n.type === 'text' ? n.value : (n.children ?? []).map(textOf).join(''));
const isEl = (n, tag) => n?.type === 'element' && n.tagName === tag;
const rows = (table) => table.children.flatMap((c) => (isEl(c, 'tr') ? [c] : (c.children ?? []).filter((r) => isEl(r, 'tr'))));

function label(table) {
	const all = rows(table);
	const head = all.find((r) => r.children.some((c) => isEl(c, 'th')));
	const labels = head ? head.children.filter((c) => isEl(c, 'th')).map((c) => textOf(c).trim()) : [];
	for (const tr of all) {
		if (tr === head) continue;
		tr.children.filter((c) => isEl(c, 'td') || isEl(c, 'th')).forEach((cell, i) => {
			if (labels[i]) cell.properties = { ...cell.properties, dataLabel: labels[i] };
		});
	}
	table.properties = { ...table.properties, className: [...(table.properties?.className ?? []), 'table-cards'] };
	table.data = { ...table.data, labels };
}

export function rehypeTables() {
	return (tree) => {
		const wraps = [];
		const walk = (node, inFigure) => {
			for (const child of node.children ?? []) {
				if (isEl(child, 'table')) {
					label(child);
					if (!inFigure) wraps.push([child, node]);
				} else walk(child, inFigure || (child.type === 'mdxJsxFlowElement' && child.name === 'Figure'));
			}
		};
		walk(tree, false);
		for (const [table, parent] of wraps) {
			const labels = table.data?.labels ?? [];
			const i = parent.children.indexOf(table);
			parent.children[i] = {
				type: 'element', tagName: 'div',
				properties: { className: ['table-scroll'], role: 'region', tabIndex: 0, ariaLabel: `Table: ${labels.join(', ') || 'data'}` },
				children: [table],
			};
		}
	};
}
