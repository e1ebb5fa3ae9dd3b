import type { BenchResults } from './run.js';

// The Markdown summary printed at the end of a run (docs/performance.md quotes it).

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '–' : n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export function markdownSummary(results: BenchResults): string {
  const { options, bare } = results;
  const lines = [
    `${fmt(options.sims)} SIMs · ${options.connections} connections · ${options.duration} s per scenario · ${results.machine.cpus} × ${results.machine.cpu} · Node ${results.machine.node} · PostgreSQL ${results.machine.postgres ?? '–'} · SQLite ${results.machine.sqlite}`,
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
        `| ${store.store} | ${name} | ${fmt(r.rps)} | ${(r.rps / bare.rps).toFixed(2)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.serverCpuUsPerRequest)}${r.databaseCpuUsPerRequest !== undefined ? ` + ${fmt(r.databaseCpuUsPerRequest)}` : ''} | ${fmt(m.startMB)} → ${fmt(m.endMB)}, ${fmt(m.maxMB)} | ${r.non2xx} / ${r.errors} |`,
      );
    }
  }
  const changes = results.stores.filter((s) => s.scenarios['status-change']?.endToEnd);
  if (changes.length > 0) {
    lines.push('', '| store | status changes | end to end /s | seconds | callbacks | duplicates | missing |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const s of changes) {
      const e = s.scenarios['status-change']?.endToEnd;
      if (e) lines.push(`| ${s.store} | ${fmt(e.changes)} | ${fmt(e.perSecond)} | ${fmt(e.seconds, 1)} | ${fmt(e.callbacks)} | ${e.duplicates} | ${e.missing} |`);
    }
  }
  const generated = results.stores.filter((s) => s.generate);
  if (generated.length > 0) {
    lines.push('', ...generated.map((s) => `- ${s.store}: ${s.generate?.reused ? 'fleet reused from an earlier run' : `generated ${fmt(s.generate?.sims)} SIMs in ${fmt(s.generate?.seconds ?? undefined, 1)} s`}; fetch body ${s.fetchBodyBytes ?? '–'} bytes`));
  }
  return lines.join('\n');
}
