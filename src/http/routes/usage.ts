import type { FastifyInstance } from 'fastify';
import { type HttpContext, baseUrl } from '../context.js';
import { formOf, isoDateTime, oneOf, type Params } from '../params.js';
import { readPaging, v1Meta } from '../paging.js';
import { accountUsageRecordJson, dataSessionJson, simUsageRecordJson } from '../device-serializers.js';
import { isoDate } from '../format.js';
import { GRANULARITIES } from '../../domain/devices/usage-periods.js';

type BySim = { Params: { simSid: string } };

/** Start and End as asked; End "on or before" covers the whole second (or day) written. */
function readRange(params: Params) {
  return { start: isoDateTime(params, 'Start'), end: isoDateTime(params, 'End', { inclusiveEnd: true }) };
}

export function usageRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { usage, dataSessions } = ctx.services;

  const readUsage = (params: Params) => {
    const range = readRange(params);
    const granularity = oneOf(params, 'Granularity', GRANULARITIES) ?? 'all';
    const span = usage.span({ ...range, granularity });
    // Links carry the span in force, so later pages agree with this one whatever the clock says.
    const filters = { Start: isoDate(span.start), End: isoDate(span.end), Granularity: granularity };
    return { span, granularity, filters, paging: readPaging(params) };
  };

  app.get<BySim>('/v1/Sims/:simSid/UsageRecords', async (request) => {
    const base = baseUrl(ctx, request);
    const { span, granularity, filters, paging } = readUsage(formOf(request));
    const page = await usage.forSim(request.caller, request.params.simSid, span, granularity, paging.query);
    const path = `/v1/Sims/${request.params.simSid}/UsageRecords`;
    return { usage_records: page.items.map(simUsageRecordJson), meta: v1Meta(base, path, 'usage_records', filters, paging, page) };
  });

  app.get('/v1/UsageRecords', async (request) => {
    const base = baseUrl(ctx, request);
    const { span, granularity, filters, paging } = readUsage(formOf(request));
    const page = await usage.forAccount(request.caller, span, granularity, paging.query);
    return { usage_records: page.items.map(accountUsageRecordJson), meta: v1Meta(base, '/v1/UsageRecords', 'usage_records', filters, paging, page) };
  });

  app.get<BySim>('/v1/Sims/:simSid/DataSessions', async (request) => {
    const base = baseUrl(ctx, request);
    const params = formOf(request);
    const range = readRange(params);
    const paging = readPaging(params);
    const page = await dataSessions.list(request.caller, request.params.simSid, range, paging.query);
    const filters = {
      Start: range.start === undefined ? undefined : isoDate(range.start),
      End: range.end === undefined ? undefined : isoDate(range.end),
    };
    const path = `/v1/Sims/${request.params.simSid}/DataSessions`;
    return { data_sessions: page.items.map(dataSessionJson), meta: v1Meta(base, path, 'data_sessions', filters, paging, page) };
  });
}
