import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunObserver } from './engine/index.js';
import type { HttpMetrics } from './http/server.js';

// GET /metrics in Prometheus's text format (prom-client): HTTP requests, jobs, callbacks, the
// operator, the database pool, and the process itself (event-loop lag, memory, CPU, from
// prom-client's default metrics). One registry per Wisp, so several can run in one process.

export interface MetricsSources {
  /** Jobs by kind and state, and the run_at (engine time) of the oldest due one. */
  jobStats(): Promise<{ counts: { kind: string; state: string; count: number }[]; oldestDueRunAt: number | null }>;
  /** Engine time now. */
  now(): number;
  /** PostgreSQL: the pool's connections. */
  poolStats?: () => { total: number; idle: number; waiting: number };
}

export class WispMetrics implements HttpMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'wisp_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'wisp_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly jobRuns = new Histogram({
    name: 'wisp_job_duration_seconds',
    help: 'Job runs by kind and outcome (done, retry, dead, lost); operator.apply is the operator latency, callback.deliver the callback latency',
    labelNames: ['kind', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly callbacks = new Counter({ name: 'wisp_callback_deliveries_total', help: 'Callback delivery attempts by outcome (done, retry, dead)', labelNames: ['outcome'], registers: [this.registry] });
  readonly databaseErrors = new Counter({ name: 'wisp_database_connection_errors_total', help: 'Database connections that failed', registers: [this.registry] });

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry });
    // One read of the jobs table per scrape, shared by the gauges that show it.
    let read: { at: number; stats: ReturnType<MetricsSources['jobStats']> } | null = null;
    const stats = () => {
      if (!read || Date.now() - read.at > 500) read = { at: Date.now(), stats: sources.jobStats() };
      return read.stats;
    };
    new Gauge({
      name: 'wisp_jobs',
      help: 'Unfinished and dead jobs by kind and state (the queue depth)',
      labelNames: ['kind', 'state'],
      registers: [this.registry],
      async collect() {
        const { counts } = await stats();
        this.reset();
        for (const { kind, state, count } of counts) this.set({ kind, state }, count);
      },
    });
    new Gauge({
      name: 'wisp_job_oldest_due_age_seconds',
      help: 'How long the oldest due job has waited (0: none waiting)',
      registers: [this.registry],
      async collect() {
        const { oldestDueRunAt } = await stats();
        this.set(oldestDueRunAt === null ? 0 : Math.max(0, (sources.now() - oldestDueRunAt) / 1000));
      },
    });
    const pool = sources.poolStats;
    if (pool) {
      new Gauge({
        name: 'wisp_database_pool_connections',
        help: 'PostgreSQL pool connections by state (open, idle, waiting requests)',
        labelNames: ['state'],
        registers: [this.registry],
        collect() {
          const { total, idle, waiting } = pool();
          this.set({ state: 'open' }, total);
          this.set({ state: 'idle' }, idle);
          this.set({ state: 'waiting' }, waiting);
        },
      });
    }
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }

  readonly observeJob: RunObserver = (kind, outcome, seconds) => {
    this.jobRuns.observe({ kind, outcome }, seconds);
    if (kind === 'callback.deliver' && outcome !== 'lost') this.callbacks.inc({ outcome });
  };

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** A listener of its own for /metrics (WISP_METRICS_PORT), without authentication. */
  async listen(port: number, host: string): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.render().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        () => res.writeHead(503).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return server;
  }
}
