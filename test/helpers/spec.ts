import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

// Validates response bodies against Twilio's OpenAPI documents in spec/twilio/, with one
// tightening: every documented property must be present (null where unset).

const SPEC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../spec/twilio');
const FILES = {
  wireless: 'twilio_wireless_v1.json',
  monitor: 'twilio_monitor_v1.json',
  api: 'twilio_api_v2010_accounts.json',
  supersim: 'twilio_supersim_v1.json',
} as const;
export type SpecName = keyof typeof FILES;

type Json = Record<string, unknown>;

/** Marks every listed property of every object schema as required. */
function requireAll(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(requireAll);
  if (!node || typeof node !== 'object') return;
  const obj = node as Json;
  if (obj.properties && typeof obj.properties === 'object') obj.required = Object.keys(obj.properties as Json);
  for (const value of Object.values(obj)) requireAll(value);
}

const ajv = new Ajv({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
ajv.addFormat('http-method', /^(GET|POST|PUT|DELETE|HEAD|PATCH)$/);
ajv.addFormat('uri-map', true);
ajv.addFormat('date-time-rfc-2822', /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/);
ajv.addFormat('phone-number', true);
ajv.addFormat('sid', true);

/**
 * Corrections where a spec contradicts its own text and the SDK: `reset_status` is documented as
 * "null or `resetting`" but typed as a non-null enum; the 2010 API's `*_uri` paging fields are
 * documented as relative to the API host but typed with the absolute `uri` format.
 */
function applyErrata(name: SpecName, node: unknown, key = ''): void {
  if (Array.isArray(node)) return node.forEach((item) => applyErrata(name, item));
  if (!node || typeof node !== 'object') return;
  const obj = node as Json;
  if (key === 'sim_enum_reset_status' && Array.isArray(obj.enum)) {
    obj.nullable = true;
    obj.enum = [...obj.enum, null];
  }
  if (name === 'api' && /(^|_)uri$/.test(key) && obj.format === 'uri') obj.format = 'uri-reference';
  // An event's `actor_sid` is documented as "a User ID ... or an Account SID" but patterned as
  // US only; Wisp's actors are accounts (AC) and API keys (SK), so those are allowed too.
  if (name === 'monitor' && key === 'actor_sid' && typeof obj.pattern === 'string') obj.pattern = '^(US|AC|SK)[0-9a-fA-F]{32}$';
  // `event_data` is untyped (any JSON, null included); its `nullable` without a `type` is not
  // valid OpenAPI/JSON Schema and adds nothing.
  if (name === 'monitor' && key === 'event_data' && obj.type === undefined) delete obj.nullable;
  // Usage records' `period`, `commands` and `data` and a data session's `cell_location_estimate`
  // are described as objects but given no type, only `nullable`; they are typed as the text says.
  if (name === 'wireless' && ['period', 'commands', 'data', 'cell_location_estimate'].includes(key) && obj.type === undefined && obj.nullable === true) {
    obj.type = 'object';
  }
  for (const [k, value] of Object.entries(obj)) applyErrata(name, value, k);
}

const docs = new Map<SpecName, Json>();
function doc(name: SpecName): Json {
  let spec = docs.get(name);
  if (!spec) {
    const path = join(SPEC_DIR, FILES[name]);
    if (!existsSync(path)) throw new Error(`spec not found at ${path}: the repository's spec/twilio/ is incomplete`);
    spec = JSON.parse(readFileSync(path, 'utf8')) as Json;
    applyErrata(name, spec);
    requireAll((spec.components as Json).schemas);
    ajv.addSchema({ $id: name, components: spec.components }, name);
    docs.set(name, spec);
  }
  return spec;
}

const cache = new Map<string, ValidateFunction>();

function responseValidator(name: SpecName, path: string, method: string, status: number): ValidateFunction {
  const key = `${name} ${method} ${path} ${status}`;
  let validate = cache.get(key);
  if (!validate) {
    const spec = doc(name);
    const op = ((spec.paths as Json)[path] as Json | undefined)?.[method.toLowerCase()] as Json | undefined;
    const response = (op?.responses as Json | undefined)?.[String(status)] as Json | undefined;
    const schema = ((response?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
    if (!schema) throw new Error(`no ${status} JSON response for ${method} ${path} in ${name}`);
    const copy = JSON.parse(JSON.stringify(schema).replaceAll('"#/components', `"${name}#/components`)) as Json;
    requireAll(copy);
    validate = ajv.compile(copy);
    cache.set(key, validate);
  }
  return validate;
}

/** Asserts that `body` is a valid `status` response of `method path` (the spec's path template). */
export function assertMatchesSpec(name: SpecName, method: string, path: string, status: number, body: unknown): void {
  const validate = responseValidator(name, path, method, status);
  if (!validate(body)) {
    assert.fail(`${method} ${path} ${status} does not match ${name} spec: ${ajv.errorsText(validate.errors, { separator: '\n' })}\n${JSON.stringify(body).slice(0, 2000)}`);
  }
}

/** Asserts that `body` is a Twilio error object with this status and code. */
export function assertTwilioError(body: any, status: number, code: number): void {
  assert.equal(typeof body, 'object', 'error body is JSON');
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'more_info', 'status']);
  assert.equal(body.status, status, `status in ${JSON.stringify(body)}`);
  assert.equal(body.code, code, `code in ${JSON.stringify(body)}`);
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
  assert.equal(body.more_info, `https://www.twilio.com/docs/errors/${code}`);
}

/** Runs `work` and returns the SDK's RestException, failing if the call succeeded. */
export async function rejection(work: () => Promise<unknown>): Promise<{ status: number; code?: number; message: string }> {
  try {
    await work();
  } catch (error) {
    return error as { status: number; code?: number; message: string };
  }
  assert.fail('the call was expected to fail');
}
