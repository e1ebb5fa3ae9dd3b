import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { BenchResults } from './run.js';

// The Markdown summary printed at the end of a run (docs/performance.md quotes it). Run on its
// own it prints the summary of a results file: npx tsx bench/report.ts bench/results/FILE.json

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '–' : n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export function markdownSummary(results: BenchResults): string {
  const { options, bare } = results;
  const lines = [
    `${fmt(options.sims)} SIMs · ${options.connections} connections · ${options.duration} s per scenario · ${results.machine.cpus} × ${results.machine.cpu} · Node ${results.machine.node} · PostgreSQL ${results.machine.postgres ?? '–'}${results.machine.postgresAutovacuum === 'off' ? ' (autovacuum off)' : ''} · SQLite ${results.machine.sqlite}`,
    '',
    `Bare node:http, fixed ${bare.before.bodyBytes}-byte Sim body: ${fmt(bare.before.rps)} req/s before, ${fmt(bare.after?.rps)} after; ratios use the mean, ${fmt(bare.rps)} req/s.`,
    '',
    '| store | scenario | req/s | × bare | p50 ms | p99 ms | CPU µs/req: Wisp + PostgreSQL | server RSS MB (start → end, max) | non-2xx / errors |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|',
  ];
  for (const store of results.stores) {
    if (store.skipped) {
      lines.push(`| ${store.store} | SKIPPED: ${store.skipped} | | | | | | | |`);
      continue;
    }
    for (const [name, r] of Object.entries(store.scenarios)) {
      if (!r) continue;
      const m = r.memory;
      lines.push(
        `| ${store.store} | ${name} | ${fmt(r.rps)} | ${(r.rps / bare.rps).toFixed(2)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.serverCpuUsPerRequest)}${r.databaseCpuUsPerRequest !== undefined ? ` + ${fmt(r.databaseCpuUsPerRequest)}` : ''} | ${fmt(m.startMB)} → ${fmt(m.endMB)}, ${fmt(m.maxMB)} | ${r.non2xx} / ${r.errors} |`,
      );
    }
  }
  const changes = results.stores.flatMap((s) =>
    Object.entries(s.scenarios).flatMap(([name, r]) => (r?.endToEnd ? [{ store: s.store, name, e: r.endToEnd }] : [])),
  );
  if (changes.length > 0) {
    lines.push('', '| store | processes | status changes | end to end /s | seconds | callbacks | duplicates | missing |', '|---|---|---:|---:|---:|---:|---:|---:|');
    for (const { store, name, e } of changes) {
      const processes = name === 'status-change' ? 'one' : 'api + worker';
      lines.push(`| ${store} | ${processes} | ${fmt(e.changes)} | ${fmt(e.perSecond)} | ${fmt(e.seconds, 1)} | ${fmt(e.callbacks)} | ${e.duplicates} | ${e.missing} |`);
    }
  }
  const usage = results.stores.filter((s) => s.usage);
  if (usage.length > 0) {
    lines.push('', '| store | usage: sessions recorded /s (p95 ms) | bulk-loaded /s | slowest query p95 ms |', '|---|---:|---:|---:|');
    for (const s of usage) {
      const u = s.usage;
      if (!u) continue;
      const slowest = Math.max(...u.queries.map((q) => q.p95_ms));
      lines.push(`| ${s.store} | ${fmt(u.record.per_second)} (${u.record.p95_ms}) | ${fmt(u.load.per_second)} | ${slowest} |`);
    }
  }
  const consoles = results.stores.filter((s) => s.console);
  if (consoles.length > 0) {
    lines.push('', '| store | console page | server p50 ms | server p95 ms | server max ms | client p50 ms | bytes |', '|---|---|---:|---:|---:|---:|---:|');
    for (const s of consoles) {
      for (const p of s.console?.pages ?? []) lines.push(`| ${s.store} | ${p.page} | ${fmt(p.serverP50, 1)} | ${fmt(p.serverP95, 1)} | ${fmt(p.serverMax, 1)} | ${fmt(p.wallP50, 1)} | ${fmt(p.bytes)} |`);
    }
  }
  const bulks = results.stores.filter((s) => s.bulk);
  if (bulks.length > 0) {
    lines.push('', '| store | bulk batch SIMs | SIMs/s end to end | seconds | dry run ms | create ms | single p99 ms alone | during the batch | ratio |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of bulks) {
      const b = s.bulk;
      if (b) lines.push(`| ${s.store} | ${fmt(b.sims)} | ${fmt(b.simsPerSecond)} | ${fmt(b.seconds, 1)} | ${fmt(b.dryRunMs)} | ${fmt(b.createMs)} | ${fmt(b.single.baseline.p99, 1)} | ${fmt(b.single.during.p99, 1)} | ${b.single.ratio} |`);
    }
  }
  const generated = results.stores.filter((s) => s.generate);
  if (generated.length > 0) {
    lines.push('', ...generated.map((s) => `- ${s.store}: ${s.generate?.reused ? 'fleet reused from an earlier run' : `generated ${fmt(s.generate?.sims)} SIMs in ${fmt(s.generate?.seconds ?? undefined, 1)} s`}; fetch body ${s.fetchBodyBytes ?? '–'} bytes`));
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx bench/report.ts bench/results/FILE.json');
    process.exit(2);
  }
  console.log(markdownSummary(JSON.parse(readFileSync(file, 'utf8')) as BenchResults));
}
