import Table from 'cli-table3';
import { WispAdmin, WispAdminError } from '../client/admin.js';

// What every command shares: where the server is, how to print, and the exit codes.

/** Exit codes a shell can rely on. */
export const EXIT = {
  ok: 0,
  /** The server refused (a 4xx/5xx answer), or an import had rejected rows. */
  failed: 1,
  /** Bad arguments or a bad local file: nothing was sent. */
  usage: 2,
  /** The server could not be reached. */
  unreachable: 3,
} as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (progress bars are drawn only then). */
  interactive: boolean;
}

export interface GlobalOptions {
  url?: string;
  adminToken?: string;
  accountSid?: string;
  authToken?: string;
  json?: boolean;
}

/** A problem found before anything was sent; exits with EXIT.usage. */
export class UsageError extends Error {}

export interface Target {
  url: string;
  admin: WispAdmin;
  json: boolean;
  /** Basic-auth credentials for the Twilio API, or a UsageError saying how to give them. */
  credentials(): { sid: string; token: string };
}

export function target(options: GlobalOptions, io: Io): Target {
  const url = (options.url ?? io.env.WISP_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
  if (!/^https?:\/\/[^/]+$/.test(url)) throw new UsageError(`--url must be an origin such as http://127.0.0.1:4000, got "${url}"`);
  const adminToken = options.adminToken ?? io.env.WISP_ADMIN_TOKEN ?? '';
  return {
    url,
    json: options.json === true,
    get admin() {
      if (!adminToken) throw new UsageError('the admin API needs a token: --admin-token or WISP_ADMIN_TOKEN (Wisp prints it at start)');
      return new WispAdmin(url, adminToken);
    },
    credentials() {
      const sid = options.accountSid ?? io.env.WISP_ACCOUNT_SID;
      const token = options.authToken ?? io.env.WISP_AUTH_TOKEN;
      if (!sid || !token) throw new UsageError('the Twilio API needs credentials: --account-sid and --auth-token, or WISP_ACCOUNT_SID and WISP_AUTH_TOKEN');
      return { sid, token };
    },
  };
}

/** Prints `value` as JSON, or as a table of `columns` for people. */
export function print(io: Io, json: boolean, value: unknown, rows: object[], columns: string[]): void {
  if (json) {
    io.out(JSON.stringify(value, null, 2));
    return;
  }
  if (rows.length === 0) {
    io.out('(none)');
    return;
  }
  const table = new Table({ head: columns, style: { head: [], border: [], compact: true } });
  for (const row of rows) table.push(columns.map((c) => cell((row as Record<string, unknown>)[c])));
  io.out(table.toString());
}

/** One record as a two-column table (or JSON). */
export function printRecord(io: Io, json: boolean, record: object): void {
  if (json) {
    io.out(JSON.stringify(record, null, 2));
    return;
  }
  const table = new Table({ style: { head: [], border: [], compact: true } });
  for (const [key, value] of Object.entries(record)) table.push({ [key]: cell(value) });
  io.out(table.toString());
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Maps what a command threw to a message and an exit code. */
export function failure(error: unknown, io: Io, json: boolean): number {
  if (error instanceof UsageError) {
    io.err(`wisp: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof WispAdminError || error instanceof ApiError) {
    if (json) io.out(JSON.stringify(error.body ?? { status: error.status, error: error.message }, null, 2));
    io.err(`wisp: ${error.message} (HTTP ${error.status})`);
    return EXIT.failed;
  }
  if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    io.err(`wisp: cannot reach the server: ${cause?.code ?? cause?.message ?? error.message} (--url or WISP_URL)`);
    return EXIT.unreachable;
  }
  io.err(`wisp: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.failed;
}

/** A Twilio API error answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** Calls the Twilio API with Basic auth; `form` is sent form-encoded. */
export async function twilioApi<T>(t: Target, method: string, path: string, form?: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<T> {
  const { sid, token } = t.credentials();
  const response = await fetch(t.url + path, {
    method,
    headers: {
      authorization: 'Basic ' + Buffer.from(`${sid}:${token}`).toString('base64'),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...headers,
    },
    // A repeated parameter (Sims) is sent once per value.
    body: form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x]))).toString() : undefined,
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new ApiError(response.status, `${String(body.message ?? 'request failed')}${body.code ? ` (Twilio error ${String(body.code)})` : ''}`, body);
  return body as T;
}
