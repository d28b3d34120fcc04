// The components an explainer page may use (see docs/authoring.md).
export { default as Diagram } from './Diagram.astro';
export { default as Source } from './Source.astro';
export { default as Note } from './Note.astro';
export { default as Chip } from './Chip.astro';
export { default as Callout } from './Callout.astro';
export { default as ForDiskengine } from './ForDiskengine.astro';
export { default as Compare } from './Compare.astro';
export { default as Wrong } from './Wrong.astro';
export { default as Right } from './Right.astro';
export { default as Steps } from './Steps.astro';
export { default as Step } from './Step.astro';
export { default as Figure } from './Figure.astro';
export { default as Deeper } from './Deeper.astro';
export { default as LabChart } from './LabChart.astro';
export { default as WedgeTimeline } from './WedgeTimeline.astro';
export { default as PageRef } from './PageRef.astro';
