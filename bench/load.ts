import autocannon, { type Request } from 'autocannon';

// One load run with autocannon, summarised in the numbers the report shows.

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}

export interface NextRequest {
  method?: 'GET' | 'POST';
  path: string;
  body?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is given. */
  duration: number;
  amount?: number;
  headers?: Record<string, string>;
  /** Called for every request: where it goes and what it carries. */
  next: () => NextRequest;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const headers = { ...options.headers };
  const request: Request = {
    setupRequest: (req) => {
      const n = options.next();
      const out: Request = { ...req, method: n.method ?? 'GET', path: n.path, headers };
      if (n.body !== undefined) {
        out.body = n.body;
        out.headers = { ...headers, 'content-type': 'application/x-www-form-urlencoded' };
      } else {
        delete out.body;
      }
      return out;
    },
  };
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.duration } : { amount: options.amount }),
    timeout: 30,
    requests: [request],
  });
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    requests: result.requests.total,
    seconds: result.duration,
    rps: Math.round(result.requests.total / result.duration),
    p50: round(result.latency.p50),
    p90: round(result.latency.p90),
    p99: round(result.latency.p99),
    max: round(result.latency.max),
    errors: result.errors,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, Number(s.count)])),
  };
}
