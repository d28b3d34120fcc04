// SPDX-License-Identifier: BSD-3-Clause
// check-results.mjs - validates the JSON written by the three labs (schema and
// sanity: percentiles ordered, rates positive, spreads ordered). Node built-ins
// only. Usage: node check-results.mjs FILE.json [FILE.json ...]; exit 1 on any
// problem, with one line per problem on stderr.
import { readFileSync } from 'node:fs';

const SCHEMA = 'spdk-primer-labs/1';
const LAT_ORDER = ['lat_min_ns', 'lat_p50_ns', 'lat_p90_ns', 'lat_p99_ns', 'lat_p999_ns', 'lat_max_ns'];
const LAT_KEYS = ['lat_count', 'lat_mean_ns', ...LAT_ORDER];

const LABS = {
  'io-path': {
    config: ['file', 'file_size_bytes', 'filesystem', 'o_direct', 'block_size', 'ios_per_run', 'runs', 'batch'],
    entry: ['mode', 'label', 'syscall_counting', 'ios_per_submit'],
    ids: ['pread', 'uring-qd1', 'uring-batch', 'uring-sqpoll'],
    metrics: [...LAT_KEYS, 'ios', 'iops', 'wall_s', 'cpu_user_ns_per_io', 'cpu_sys_ns_per_io',
      'thread_user_ns_per_io', 'thread_sys_ns_per_io', 'process_cpu_pct', 'syscalls_per_io'],
    positive: ['iops', 'ios', 'wall_s', 'lat_count'],
    latency: true,
  },
  'poll-vs-interrupt': {
    config: ['runs', 'low_rate_msgs_per_sec', 'high_rate_msgs_per_sec', 'warmup_msgs', 'hybrid_spin_us'],
    entry: ['mode', 'label', 'rate', 'target_msgs_per_sec', 'msgs_per_run'],
    ids: ['poll@low', 'eventfd@low', 'epoll@low', 'hybrid@low', 'poll@high', 'eventfd@high', 'epoll@high', 'hybrid@high'],
    metrics: [...LAT_KEYS, 'receiver_cpu_pct', 'producer_cpu_pct', 'achieved_msgs_per_sec',
      'receiver_sleeps_per_msg', 'notifications_per_msg', 'producer_ring_full_waits'],
    positive: ['achieved_msgs_per_sec', 'lat_count'],
    latency: true,
  },
  'msg-ring': {
    config: ['runs', 'msgs_per_run', 'max_producers', 'batch', 'queue_capacity'],
    entry: ['variant', 'label', 'producers'],
    ids: null,
    metrics: ['msgs', 'msgs_per_sec', 'ns_per_msg', 'consumer_cpu_pct', 'msgs_per_dequeue', 'producer_full_waits'],
    positive: ['msgs', 'msgs_per_sec', 'ns_per_msg', 'msgs_per_dequeue'],
    latency: false,
  },
};

function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

function checkRunFigures(fig, spec, where, errors) {
  for (const k of spec.metrics) {
    if (!isNum(fig[k])) {
      errors.push(`${where}: ${k} is missing or not a finite number`);
      continue;
    }
    if (fig[k] < 0) errors.push(`${where}: ${k} is negative (${fig[k]})`);
  }
  for (const k of spec.positive) {
    if (isNum(fig[k]) && !(fig[k] > 0)) errors.push(`${where}: ${k} must be > 0 (${fig[k]})`);
  }
  if (spec.latency) {
    for (let i = 1; i < LAT_ORDER.length; i++) {
      const a = fig[LAT_ORDER[i - 1]];
      const b = fig[LAT_ORDER[i]];
      if (isNum(a) && isNum(b) && a > b) {
        errors.push(`${where}: ${LAT_ORDER[i - 1]} (${a}) > ${LAT_ORDER[i]} (${b})`);
      }
    }
    const { lat_mean_ns: mean, lat_min_ns: lo, lat_max_ns: hi } = fig;
    if (isNum(mean) && isNum(lo) && isNum(hi) && (mean < lo || mean > hi)) {
      errors.push(`${where}: lat_mean_ns ${mean} outside [min ${lo}, max ${hi}]`);
    }
  }
}

function checkEntry(e, spec, doc, where, errors) {
  if (typeof e.id !== 'string' || e.id === '') errors.push(`${where}: id missing`);
  if (typeof e.skipped !== 'boolean') errors.push(`${where}: skipped must be boolean`);
  for (const k of spec.entry) {
    if (e[k] === undefined || e[k] === null) errors.push(`${where}: ${k} missing`);
  }
  if (e.skipped) {
    if (typeof e.skip_reason !== 'string' || e.skip_reason === '') {
      errors.push(`${where}: skipped without a skip_reason`);
    }
    return;
  }
  if (!Array.isArray(e.runs) || e.runs.length !== doc.config.runs) {
    errors.push(`${where}: runs must be an array of config.runs (${doc.config.runs}) entries`);
  } else {
    e.runs.forEach((r, i) => checkRunFigures(r, spec, `${where} run ${i}`, errors));
  }
  if (typeof e.summary !== 'object' || e.summary === null) {
    errors.push(`${where}: summary missing`);
    return;
  }
  const med = {};
  for (const k of spec.metrics) {
    const s = e.summary[k];
    if (!s || !isNum(s.min) || !isNum(s.median) || !isNum(s.max)) {
      errors.push(`${where}: summary.${k} must be {min, median, max} numbers`);
      continue;
    }
    if (!(s.min <= s.median && s.median <= s.max)) {
      errors.push(`${where}: summary.${k} not ordered min <= median <= max`);
    }
    med[k] = s.median;
  }
  checkRunFigures(med, { ...spec, latency: false }, `${where} summary medians`, errors);
}

function checkDoc(doc, file) {
  const errors = [];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return [`${file}: not a JSON object`];
  if (doc.schema !== SCHEMA) errors.push(`${file}: schema is ${JSON.stringify(doc.schema)}, expected ${SCHEMA}`);
  const spec = LABS[doc.lab];
  if (!spec) return [...errors, `${file}: unknown lab ${JSON.stringify(doc.lab)}`];
  const m = doc.machine;
  if (!m || typeof m !== 'object') {
    errors.push(`${file}: machine missing`);
  } else {
    for (const k of ['started_utc', 'cpu_model', 'kernel']) {
      if (typeof m[k] !== 'string' || m[k] === '') errors.push(`${file}: machine.${k} missing`);
    }
    if (!Number.isInteger(m.cpus_online) || m.cpus_online < 1) errors.push(`${file}: machine.cpus_online invalid`);
    if (typeof m.virtualized !== 'boolean') errors.push(`${file}: machine.virtualized must be boolean`);
    for (const k of ['loadavg_start', 'loadavg_end']) {
      if (!Array.isArray(m[k]) || m[k].length !== 3) errors.push(`${file}: machine.${k} must have 3 numbers`);
    }
    if (!isNum(m.wall_s) || m.wall_s <= 0) errors.push(`${file}: machine.wall_s must be > 0`);
  }
  if (!doc.config || typeof doc.config !== 'object') {
    errors.push(`${file}: config missing`);
    return errors;
  }
  for (const k of spec.config) {
    if (doc.config[k] === undefined || doc.config[k] === null) errors.push(`${file}: config.${k} missing`);
  }
  if (!Number.isInteger(doc.config.runs) || doc.config.runs < 1) errors.push(`${file}: config.runs must be >= 1`);
  if (!Array.isArray(doc.results) || doc.results.length === 0) {
    errors.push(`${file}: results must be a non-empty array`);
    return errors;
  }
  const ids = new Set();
  doc.results.forEach((e, i) => {
    const where = `${file}: results[${i}] (${e && e.id})`;
    if (ids.has(e.id)) errors.push(`${where}: duplicate id`);
    ids.add(e.id);
    checkEntry(e, spec, doc, where, errors);
  });
  if (spec.ids) {
    for (const id of spec.ids) if (!ids.has(id)) errors.push(`${file}: result ${id} missing`);
  }
  if (!doc.results.some((e) => e.skipped === false)) errors.push(`${file}: every result was skipped`);
  if (!Array.isArray(doc.notes)) errors.push(`${file}: notes must be an array`);
  return errors;
}

function main(files) {
  if (files.length === 0) {
    console.error('usage: node check-results.mjs FILE.json [FILE.json ...]');
    return 2;
  }
  let bad = 0;
  for (const file of files) {
    let doc;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      console.error(`${file}: cannot read or parse: ${err.message}`);
      bad++;
      continue;
    }
    const errors = checkDoc(doc, file);
    for (const e of errors) console.error(e);
    if (errors.length) {
      bad++;
    } else {
      const skipped = doc.results.filter((e) => e.skipped).map((e) => `${e.id} (${e.skip_reason})`);
      console.log(`${file}: ok (${doc.lab}, ${doc.results.length} results${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''})`);
    }
  }
  return bad ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
