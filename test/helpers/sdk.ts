import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { assertMatchesSpec, type SpecName } from './spec.js';

// An SDK HTTP client that checks every response the official SDK receives against the spec,
// so each test that drives the SDK also proves the wire format.

interface Route {
  spec: SpecName;
  template: string;
  pattern: RegExp;
}

const TEMPLATES: Record<SpecName, string[]> = {
  api: ['/2010-04-01/Accounts.json', '/2010-04-01/Accounts/{Sid}.json', '/2010-04-01/Accounts/{AccountSid}/Keys.json', '/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json'],
  monitor: ['/v1/Events', '/v1/Events/{Sid}'],
  wireless: [
    '/v1/UsageRecords',
    '/v1/Commands',
    '/v1/Commands/{Sid}',
    '/v1/RatePlans',
    '/v1/RatePlans/{Sid}',
    '/v1/Sims',
    '/v1/Sims/{Sid}',
    '/v1/Sims/{SimSid}/DataSessions',
    '/v1/Sims/{SimSid}/UsageRecords',
  ],
  supersim: [],
};

const ROUTES: Route[] = Object.entries(TEMPLATES).flatMap(([spec, templates]) =>
  templates.map((template) => ({
    spec: spec as SpecName,
    template,
    pattern: new RegExp('^' + template.replace(/\./g, '\\.').replace(/\{[A-Za-z]+\}/g, '[^/]+') + '$'),
  })),
);

export function routeOf(path: string): Route | undefined {
  return ROUTES.find((r) => r.pattern.test(path));
}

/** Validates one response body; `path` is the request path without the query string. */
export function checkResponse(method: string, path: string, status: number, body: unknown): void {
  if (status >= 400) {
    const e = body as Record<string, unknown>;
    if (!e || typeof e.code !== 'number' || typeof e.message !== 'string' || typeof e.more_info !== 'string' || e.status !== status) {
      throw new Error(`${method} ${path} ${status} is not a Twilio error object: ${JSON.stringify(body)}`);
    }
    return;
  }
  if (status === 204) return;
  // Registration (POST /v1/Sims) answers with a Sim, as a fetch does.
  // Wisp's own extensions are not Twilio's: test/compat/own-api-schemas.test.ts checks them
  // against /openapi.json.
  if (path.startsWith('/wisp/')) return;
  if (method === 'POST' && path === '/v1/Sims') return assertMatchesSpec('wireless', 'GET', '/v1/Sims/{Sid}', 200, body);
  const route = routeOf(path);
  if (!route) throw new Error(`no spec route for ${method} ${path}`);
  assertMatchesSpec(route.spec, method, route.template, status, body);
}

export class ValidatingRequestClient extends twilio.RequestClient {
  /** How many responses were checked; tests can assert the checker really ran. */
  checked = 0;

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const response = await super.request<TData>(opts);
    const path = new URL(opts.uri).pathname;
    const body = typeof response.body === 'string' && response.body !== '' ? JSON.parse(response.body) : response.body;
    checkResponse(opts.method.toUpperCase(), path, response.statusCode, body);
    this.checked += 1;
    return response;
  }
}
