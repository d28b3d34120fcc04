// SPDX-License-Identifier: BSD-3-Clause
// The nvmf concepts recording (labs/results/nvmf-concepts.json, written by
// labs/nvmf-concepts/record-concepts.mjs against a real SPDK v26.01 build): a checker for its shape
// and internal consistency, and the facts the nvmf/nvmf-concepts page quotes, so its prose, tables
// and transcripts come from the committed run.
//   checkConceptsRecording(doc) -> [] or a list of problems, as sentences
//   conceptsFacts(doc?)         -> checked facts (loads the committed file when doc is omitted)
import { readFileSync } from 'node:fs';
import path from 'node:path';
// The project root as the excerpt system knows it: a path computed from this module's own URL is
// wrong once Astro bundles the module into a page.
import { PROJECT_ROOT as ROOT } from './excerpts.js';

export const FILE = 'labs/results/nvmf-concepts.json';
export const SCHEMA = 'spdk-nvmf-concepts/1';
export const DISCOVERY_NQN = 'nqn.2014-08.org.nvmexpress.discovery';
const ANA_SEQUENCE = ['non_optimized', 'inaccessible', 'optimized'];

export function loadConceptsRecording(root = ROOT) {
	return JSON.parse(readFileSync(path.join(root, FILE), 'utf8'));
}

const stepOf = (doc, id) => (Array.isArray(doc?.steps) ? doc.steps.find((s) => s.id === id) : undefined);
const toolOf = (doc, id) => (Array.isArray(doc?.tools) ? doc.tools.find((t) => t.id === id) : undefined);

// "Number of Records:   2" -> 2 (from spdk_nvme_identify's discovery log page text)
export function discoveryField(text, label) {
	const m = new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(text ?? '');
	return m ? Number(m[1]) : null;
}

// The subsystem NQNs listed in a discovery log page text, in entry order.
export function discoveryNqns(text) {
	return [...(text ?? '').matchAll(/^NVM Subsystem Qualified Name:\s+(\S+)/gm)].map((m) => m[1]);
}

export function checkConceptsRecording(doc) {
	const problems = [];
	const p = (s) => problems.push(s);
	if (!doc || typeof doc !== 'object') return ['not a JSON object'];
	if (doc.schema !== SCHEMA) p(`schema is ${JSON.stringify(doc.schema)}, expected "${SCHEMA}"`);
	if (doc.script !== 'labs/nvmf-concepts/record-concepts.mjs') p('script must name labs/nvmf-concepts/record-concepts.mjs');
	if (!/^SPDK v26\.01\b/.test(doc.spdk_version ?? '')) p(`spdk_version is ${JSON.stringify(doc.spdk_version)}, not SPDK v26.01`);
	for (const k of ['cpu_model', 'kernel', 'started_utc']) if (!doc.machine?.[k]) p(`machine.${k} is missing`);
	if (!(doc.machine?.cpus_online >= 1)) p('machine.cpus_online is missing');
	if (!/^[0-9a-f]{40}$/.test(doc.build?.commit ?? '')) p('build.commit must be a 40-digit commit hash');
	if (!Array.isArray(doc.steps) || !doc.steps.length) return [...problems, 'steps is missing or empty'];
	for (const [i, s] of doc.steps.entries()) {
		if (typeof s.method !== 'string' || s.request?.method !== s.method) p(`step ${i} (${s.id}) has no method, or its request names another`);
		if (('error' in s) === ('result' in s)) p(`step ${i} (${s.id}) must hold exactly one of result and error`);
		if (!Array.isArray(s.log)) p(`step ${i} (${s.id}) has no log array`);
	}
	const need = ['subsystems_at_start', 'create_sub1', 'add_ns_sub1', 'add_listener_sub1', 'add_listener_discovery', 'add_host_sub1',
		'add_host_sub1_again', 'add_host_bad_nqn', 'add_ns_bad_nsid', 'subsystems_configured', 'allow_any_host_sub1', 'create_sub2',
		'attach', 'controllers_sub2', 'ana_get_listeners', 'bdev_initial'];
	for (const id of need) if (!stepOf(doc, id)) p(`step ${id} is missing`);
	if (problems.length) return problems;

	const start = stepOf(doc, 'subsystems_at_start').result;
	if (!Array.isArray(start) || start.length !== 1 || start[0].nqn !== DISCOVERY_NQN || start[0].subtype !== 'Discovery') {
		p('a fresh target should list only the discovery subsystem');
	}
	const sub1 = doc.config?.subsystems?.[0];
	const conf = stepOf(doc, 'subsystems_configured').result;
	const s1 = Array.isArray(conf) ? conf.find((s) => s.nqn === sub1) : null;
	if (!s1) p(`nvmf_get_subsystems after configuration does not list ${sub1}`);
	else {
		if (s1.max_namespaces !== 32) p(`${sub1} was created without max_namespaces and should report 32, not ${s1.max_namespaces}`);
		if (s1.min_cntlid !== 1 || s1.max_cntlid !== 0xffef) p(`${sub1} should report cntlid range 1-65519`);
		if (s1.namespaces?.length !== 1 || s1.namespaces[0].nsid !== 1) p(`${sub1} should have one namespace, nsid 1`);
		if (s1.listen_addresses?.length !== 1) p(`${sub1} should have one listener`);
		if (s1.allow_any_host !== false || s1.hosts?.length !== 1) p(`${sub1} should allow exactly one host`);
	}
	for (const id of ['add_host_sub1_again', 'add_host_bad_nqn']) {
		if (stepOf(doc, id).error?.message !== 'Internal error') p(`${id} should fail with "Internal error"`);
	}
	if (!stepOf(doc, 'add_ns_bad_nsid').log.some((l) => /NSID greater than maximum/.test(l))) p('add_ns_bad_nsid should log "NSID greater than maximum"');

	const checks = Array.isArray(doc.nqn_checks) ? doc.nqn_checks : [];
	if (checks.length < 8) p('nqn_checks should hold at least 8 cases');
	for (const c of checks) {
		if (c.length !== Buffer.byteLength(c.nqn)) p(`nqn_checks ${c.nqn.slice(0, 40)}: length is not its byte length`);
		if (c.accepted === !!c.error) p(`nqn_checks ${c.nqn.slice(0, 40)}: accepted and error disagree`);
		if (!c.accepted && !/^Unable to create subsystem /.test(c.error?.message ?? '')) p(`nqn_checks ${c.nqn.slice(0, 40)}: unexpected error text`);
		if (!c.accepted && !c.log.some((l) => /nvmf_nqn_is_valid|already exists/.test(l))) p(`nqn_checks ${c.nqn.slice(0, 40)}: no target log line gives the reason`);
	}
	const at = (n) => checks.find((c) => c.length === n && /^nqn\.2016-06\.io\.spdk:x+$/.test(c.nqn));
	if (!at(223)?.accepted) p('a 223-byte NQN should be accepted');
	if (at(224)?.accepted !== false) p('a 224-byte NQN should be rejected');

	const unknown = toolOf(doc, 'discovery_unknown_host');
	const any = toolOf(doc, 'discovery_any_host');
	const denied = toolOf(doc, 'connect_denied');
	const allowed = toolOf(doc, 'connect_allowed');
	if (!unknown || !any || !denied || !allowed) return [...problems, 'tools must hold discovery_unknown_host, connect_denied, discovery_any_host and connect_allowed'];
	if (JSON.stringify(discoveryNqns(unknown.discovery_log_page)) !== JSON.stringify([DISCOVERY_NQN])) p('an unknown host should see only the discovery subsystem in the log page');
	if (JSON.stringify(discoveryNqns(any.discovery_log_page)) !== JSON.stringify([DISCOVERY_NQN, sub1])) p(`after allow_any_host the log page should list the discovery subsystem and ${sub1}`);
	const g0 = discoveryField(unknown.discovery_log_page, 'Generation Counter');
	const g1 = discoveryField(any.discovery_log_page, 'Generation Counter');
	if (!(g1 > g0)) p('the generation counter should grow after allow_any_host');
	if (denied.exit_code === 0 || !denied.target_log.some((l) => /does not allow host/.test(l))) p('connect_denied should fail with "does not allow host" in the target log');
	if (allowed.exit_code !== 0 || allowed.subsystem_nqn_line?.split(/\s+/).pop() !== sub1) p('connect_allowed should identify the subsystem');

	const ctrls = stepOf(doc, 'controllers_sub2').result;
	if (!Array.isArray(ctrls) || ctrls.length !== 1 || ctrls[0].hostnqn !== doc.config?.host_nqn) p('the ANA subsystem should have one controller, of the configured host');
	const lst = stepOf(doc, 'ana_get_listeners').result?.[0];
	const maxNs2 = stepOf(doc, 'create_sub2').request?.params?.max_namespaces;
	if (lst?.ana_states?.length !== maxNs2) p('a listener should hold one ANA state per possible ANA group (max_namespaces)');
	const ana = Array.isArray(doc.ana) ? doc.ana : [];
	if (ana.map((a) => a.set).join() !== ANA_SEQUENCE.join()) p(`ana should record ${ANA_SEQUENCE.join(', ')}`);
	for (const a of ana) if (a.seen_by_bdev_nvme?.ana_state !== a.set) p(`bdev_nvme did not report ${a.set}`);
	return problems;
}

const pretty = (v) => JSON.stringify(v, null, 2);

export function conceptsFacts(doc = loadConceptsRecording()) {
	const problems = checkConceptsRecording(doc);
	if (problems.length) throw new Error(`${FILE}: ${problems.join('; ')}`);
	const sub1 = doc.config.subsystems[0];
	const sub2 = doc.config.subsystems[1];
	const conf = stepOf(doc, 'subsystems_configured').result;
	const unknown = toolOf(doc, 'discovery_unknown_host');
	const any = toolOf(doc, 'discovery_any_host');
	const denied = toolOf(doc, 'connect_denied');
	const reason = (c) => {
		const l = c.log.find((x) => /nvmf_nqn_is_valid|already exists/.test(x)) ?? '';
		return l.replace(/^\S+:\s*\d+:\S+: \*ERROR\*: /, '');
	};
	const shortNqn = (n) => (n.length > 48 ? `${n.slice(0, 24)}…(${Buffer.byteLength(n)} bytes)` : n);
	const m = doc.machine;
	return {
		version: doc.spdk_version,
		commit: doc.build.commit.slice(0, 10),
		started: m.started_utc,
		machine: `${m.cpu_model}, ${m.cpus_online} CPUs${m.virtualized ? ' (virtual machine)' : ''}, ${m.kernel}`,
		wallS: m.wall_s,
		tgtArgs: doc.config.spdk_tgt_args.join(' '),
		listen: `${doc.config.listen.traddr}:${doc.config.listen.trsvcid}`,
		sub1, sub2, host: doc.config.host_nqn,
		startJson: pretty(stepOf(doc, 'subsystems_at_start').result),
		sub1Json: pretty(conf.find((s) => s.nqn === sub1)),
		discoveryJson: pretty(conf.find((s) => s.nqn === DISCOVERY_NQN)),
		defaultMaxNs: conf.find((s) => s.nqn === sub1).max_namespaces,
		maxCntlid: conf.find((s) => s.nqn === sub1).max_cntlid,
		nqnRows: doc.nqn_checks.map((c) => ({
			nqn: shortNqn(c.nqn), bytes: c.length, rule: c.rule, accepted: c.accepted,
			reply: c.accepted ? 'true' : `${c.error.code} ${c.error.message.startsWith('Unable to create subsystem ') ? 'Unable to create subsystem <nqn>' : c.error.message}`,
			reason: c.accepted ? '' : reason(c).replace(/"[^"]{49,}"/, (q) => `"${shortNqn(q.slice(1, -1))}"`).replace(/'[^']{49,}'/, (q) => `'${shortNqn(q.slice(1, -1))}'`),
		})),
		nqnLong: doc.nqn_checks.find((c) => c.length === 224),
		nqnLongLog: doc.nqn_checks.find((c) => c.length === 224).log.map((l) => l.replace(/x{20,}/g, 'xxx…')),
		badNqnRequest: pretty(doc.nqn_checks[0] && { method: 'nvmf_create_subsystem', params: { nqn: doc.nqn_checks[0].nqn } }),
		badNqnReply: pretty(doc.nqn_checks[0].error),
		badNqnLog: doc.nqn_checks[0].log.join('\n'),
		addHostAgain: stepOf(doc, 'add_host_sub1_again'),
		addHostBad: stepOf(doc, 'add_host_bad_nqn'),
		addNsBad: stepOf(doc, 'add_ns_bad_nsid'),
		discUnknownText: unknown.discovery_log_page.trimEnd(),
		discAnyText: any.discovery_log_page.trimEnd(),
		discUnknownRecords: discoveryField(unknown.discovery_log_page, 'Number of Records'),
		discAnyRecords: discoveryField(any.discovery_log_page, 'Number of Records'),
		genBefore: discoveryField(unknown.discovery_log_page, 'Generation Counter'),
		genAfter: discoveryField(any.discovery_log_page, 'Generation Counter'),
		identifyArgv: any.argv.join(' '),
		deniedTargetLog: denied.target_log.join('\n'),
		deniedHostLine: denied.stderr.find((l) => /Connect command completed with error/.test(l))?.replace(/^\S+: ?\d+:\S+: \*ERROR\*: \[[^\]]*\] /, '') ?? '',
		connectedLines: toolOf(doc, 'connect_allowed').report_lines.join('\n'),
		maxIoQueues: Number((toolOf(doc, 'connect_allowed').report_lines.find((l) => /^Max Number of I\/O Queues:/.test(l)) ?? '').split(/\s+/).pop()),
		discoveryLines: any.report_lines.join('\n'),
		controllersJson: pretty(stepOf(doc, 'controllers_sub2').result),
		listenersJson: pretty(stepOf(doc, 'ana_get_listeners').result),
		bdevNvmeJson: pretty(stepOf(doc, 'bdev_initial').result[0].driver_specific.nvme[0]),
		anaRows: doc.ana.map((a) => ({ set: a.set, seen: a.seen_by_bdev_nvme.ana_state, ms: a.seen_by_bdev_nvme.ms })),
		anaMaxMs: Math.max(...doc.ana.map((a) => a.seen_by_bdev_nvme.ms)),
	};
}
