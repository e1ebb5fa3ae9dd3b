// How long `startWisp()` takes: a fresh in-memory SQLite database (migrated), the services, the
// HTTP server listening on a free port, until it answers. The goal is under 150 ms a start.
//   npx tsx bench/start-wisp.ts [runs]   (also part of `npm run bench`)
import { fileURLToPath } from 'node:url';
import { startWisp } from '../src/index.js';

export interface StartWispResult {
  runs: number;
  /** The first start in the process, with its one-time costs (compiling the code paths). */
  firstMs: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
}

export async function measureStartWisp(runs = 30): Promise<StartWispResult> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const wisp = await startWisp();
    const health = await fetch(`${wisp.url}/healthz`);
    if (!health.ok) throw new Error(`a started Wisp answered ${health.status}`);
    times.push(performance.now() - started);
    await wisp.stop();
  }
  const [firstMs, ...rest] = times;
  rest.sort((a, b) => a - b);
  const at = (q: number) => Math.round(rest[Math.min(rest.length - 1, Math.floor(q * rest.length))] * 10) / 10;
  return { runs, firstMs: Math.round(firstMs * 10) / 10, medianMs: at(0.5), p90Ms: at(0.9), maxMs: at(1) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureStartWisp(Number(process.argv[2] ?? 30));
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}
