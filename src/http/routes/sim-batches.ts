import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type HttpContext, baseUrl, clientIp } from '../context.js';
import { type Params, bool, formOf, isoDateTime, list, method, oneOf, str } from '../params.js';
import { readPaging, v1Meta } from '../paging.js';
import { checkCallbackUrls } from '../callback-urls.js';
import { SIM_STATUSES, readSimChange } from '../sim-change-params.js';
import { Closed, Enum, TwilioError, described } from '../described.js';
import { invalid } from '../../domain/errors.js';
import type { BatchRequest } from '../../domain/batches/service.js';
import { BATCH_STATUSES, type BatchUpdate } from '../../domain/batches/batch-models.js';
import { INCLUDE_SID } from '../../domain/devices/command-payload.js';
import { actionOf } from '../../domain/batches/service.js';
import { ItemPage, PreviewJson, SimBatchJson, SimBatchPage, batchJson, itemJson, previewJson } from '../batch-json.js';

// Bulk fleet operations, a Wisp extension in Twilio's conventions (docs/bulk.md): Basic auth as
// the account, form-encoded PascalCase input, JSON out, Twilio paging and errors.

type ById = { Params: { sid: string } };

const OUTCOMES = ['pending', 'applied', 'refused', 'skipped'] as const;
const IDEMPOTENCY_HEADER = 'i-twilio-idempotency-token';

function readUpdate(params: Params): BatchUpdate {
  return readSimChange(params, 'SimCallback');
}

/** Only the parameters given: an absent one is not part of the request (nor of its hash). */
const given = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

function readRequest(ctx: HttpContext, params: Params): BatchRequest {
  const filter = given({
    status: oneOf(params, 'Filter.Status', SIM_STATUSES),
    ratePlan: str(params, 'Filter.RatePlan'),
    iccid: str(params, 'Filter.Iccid'),
    eId: str(params, 'Filter.EId'),
    registrationCode: str(params, 'Filter.SimRegistrationCode'),
  });
  const update = given(readUpdate(params));
  const command = str(params, 'Command', { max: 4096 });
  const request: BatchRequest = given({
    sims: list(params, 'Sims'),
    filter: Object.keys(filter).length > 0 ? filter : undefined,
    includeSubaccounts: bool(params, 'IncludeSubaccounts'),
    update,
    command:
      command === undefined
        ? undefined
        : given({
            command,
            commandMode: oneOf(params, 'CommandMode', ['text', 'binary'] as const),
            includeSid: oneOf(params, 'IncludeSid', INCLUDE_SID),
            callbackUrl: str(params, 'CommandCallbackUrl', { max: 4096 }),
            callbackMethod: method(params, 'CommandCallbackMethod'),
            deliveryReceiptRequested: bool(params, 'DeliveryReceiptRequested'),
          }),
    waitForUpdating: bool(params, 'WaitForUpdating'),
    startAt: isoDateTime(params, 'StartAt'),
    callbackUrl: str(params, 'CallbackUrl', { max: 4096 }),
    callbackMethod: method(params, 'CallbackMethod'),
  });
  checkCallbackUrls(ctx, { CallbackUrl: request.callbackUrl, SimCallbackUrl: update.callbackUrl, CommandsCallbackUrl: update.commandsCallbackUrl, CommandCallbackUrl: request.command?.callbackUrl });
  return request;
}

function idempotencyKey(request: FastifyRequest, params: Params): string | undefined {
  const header = request.headers[IDEMPOTENCY_HEADER];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const fromParam = str(params, 'IdempotencyToken', { max: 256 });
  if (fromHeader !== undefined && fromHeader.length > 256) throw invalid('I-Twilio-Idempotency-Token must be at most 256 characters');
  if (fromHeader !== undefined && fromParam !== undefined && fromHeader !== fromParam) {
    throw invalid('The I-Twilio-Idempotency-Token header and the IdempotencyToken parameter differ; give one');
  }
  return fromHeader ?? fromParam;
}

const ById = Closed({ Sid: Type.String() });
const errors = { 400: TwilioError, 401: TwilioError, 404: TwilioError };

const createSchema = described({
  summary: 'Start a batch of SIM changes, or preview one (DryRun=true)',
  description:
    'Selects SIMs by Sims (SIDs or unique names, repeated, up to 10,000) or by Filter.Status, Filter.RatePlan, Filter.Iccid, Filter.EId, Filter.SimRegistrationCode; applies to each the change of a single POST /v1/Sims/{Sid} (Status, RatePlan, ResetStatus, AccountSid, FriendlyName, SimCallbackUrl, URL and method settings), or sends each a Command (Command, CommandMode, IncludeSid, CommandCallbackUrl, CommandCallbackMethod, DeliveryReceiptRequested). Form-encoded. See docs/bulk.md.',
  responses: { 200: PreviewJson, 201: SimBatchJson, ...errors, 409: TwilioError },
});
const listSchema = described({ summary: "List the account's batches, newest first", responses: { 200: SimBatchPage, ...errors } });
const fetchSchema = described({ summary: 'Fetch a batch: its status, counts and refusals by code', params: ById, responses: { 200: SimBatchJson, ...errors } });
const cancelSchema = described({
  summary: 'Cancel a batch (Status=canceled): SIMs not yet changed are skipped',
  params: ById,
  responses: { 200: SimBatchJson, ...errors, 409: TwilioError },
});
const itemsSchema = described({
  summary: "A batch's items in order, with each SIM's outcome (Outcome=pending|applied|refused|skipped)",
  params: ById,
  querystring: Closed({ Outcome: Type.Optional(Enum(OUTCOMES)), PageSize: Type.Optional(Type.Integer()), Page: Type.Optional(Type.Integer()), PageToken: Type.Optional(Type.String()) }),
  responses: { 200: ItemPage, ...errors },
});

export function simBatchRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { batches } = ctx.services;

  app.post('/wisp/v1/SimBatches', { schema: createSchema }, async (request, reply) => {
    const params = formOf(request);
    const req = readRequest(ctx, params);
    const key = idempotencyKey(request, params);
    if (bool(params, 'DryRun')) {
      const preview = await batches.preview(request.caller, req);
      const shown = { action: actionOf(req), wait_for_updating: req.waitForUpdating ?? false, selection: req.sims !== undefined ? ({ kind: 'list', count: req.sims.length } as const) : ({ kind: 'filter', filter: req.filter ?? {}, includeSubaccounts: req.includeSubaccounts ?? false } as const) };
      return reply.code(200).send(previewJson(request.caller.account.sid, shown, preview));
    }
    const { batch, replayed } = await batches.create(request.caller, req, key, clientIp(request));
    const refusals = await batches.refusals(batch);
    return reply.code(replayed ? 200 : 201).send(batchJson(batch, refusals, baseUrl(ctx, request)));
  });

  app.get('/wisp/v1/SimBatches', { schema: listSchema }, async (request) => {
    const base = baseUrl(ctx, request);
    const params = formOf(request);
    const filters = { Status: oneOf(params, 'Status', BATCH_STATUSES) };
    const paging = readPaging(params);
    const page = await batches.list(request.caller, filters.Status, paging.query);
    const items = await Promise.all(page.items.map(async (b) => batchJson(b, await batches.refusals(b), base)));
    return { sim_batches: items, meta: v1Meta(base, '/wisp/v1/SimBatches', 'sim_batches', filters, paging, page) };
  });

  app.get<ById>('/wisp/v1/SimBatches/:sid', { schema: fetchSchema }, async (request) => {
    const batch = await batches.fetch(request.caller, request.params.sid);
    return batchJson(batch, await batches.refusals(batch), baseUrl(ctx, request));
  });

  app.post<ById>('/wisp/v1/SimBatches/:sid', { schema: cancelSchema }, async (request) => {
    const status = str(formOf(request), 'Status');
    if (status !== 'canceled') throw invalid(`Status must be "canceled" (the only change a batch takes); got ${status === undefined ? 'none' : `"${status}"`}`);
    const batch = await batches.cancel(request.caller, request.params.sid);
    return batchJson(batch, await batches.refusals(batch), baseUrl(ctx, request));
  });

  app.get<ById>('/wisp/v1/SimBatches/:sid/Items', { schema: itemsSchema }, async (request) => {
    const base = baseUrl(ctx, request);
    const params = formOf(request);
    const filters = { Outcome: oneOf(params, 'Outcome', OUTCOMES) };
    const paging = readPaging(params);
    const path = `/wisp/v1/SimBatches/${request.params.sid}/Items`;
    const page = await batches.items(request.caller, request.params.sid, filters.Outcome, paging.query);
    return { items: page.items.map(itemJson), meta: v1Meta(base, path, 'items', filters, paging, page) };
  });
}
