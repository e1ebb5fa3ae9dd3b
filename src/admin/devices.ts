import type { FastifyInstance } from 'fastify';
import { type HttpContext, baseUrl } from '../http/context.js';
import type { SessionInput } from '../domain/devices/data-sessions.js';
import { badBody } from './errors.js';
import type { DeviceInput } from '../domain/devices/device.js';
import type { Device } from '../domain/devices/device-models.js';
import { commandJson, dataSessionJson } from '../http/device-serializers.js';
import { isoDate } from '../http/format.js';
import { described } from '../http/described.js';
import { SimSidParams, withErrors } from './schemas.js';
import { Command, CommandSent, DataSessionRecorded, DataSessionUse, Device as DeviceBody, DeviceChange } from './device-schemas.js';

// The device simulator: what the device in a SIM does (use data, send Commands, go offline).
// Operator API: any account's Sim, by SID; JSON in and out.

type BySim = { Params: { sid: string } };
type Body = Record<string, unknown>;

function bodyOf(raw: unknown): Body {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badBody('The body must be a JSON object');
  return raw as Body;
}

function read<T>(body: Body, key: string, type: 'string' | 'number' | 'boolean', nullable = false): T | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (value === null && nullable) return null as T;
  if (typeof value !== type) throw badBody(`${key} must be a ${type}${nullable ? ' or null' : ''}`);
  return value as T;
}

function readTime(body: Body, key: string): number | undefined {
  const value = read<string>(body, key, 'string');
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) throw badBody(`${key} must be an ISO 8601 date-time such as 2024-05-01T12:00:00Z`);
  return t;
}

function readNetwork(body: Body) {
  return {
    operator_mcc: read<string>(body, 'operator_mcc', 'string'),
    operator_mnc: read<string>(body, 'operator_mnc', 'string'),
    operator_country: read<string>(body, 'operator_country', 'string'),
    operator_name: read<string>(body, 'operator_name', 'string'),
  };
}

function readSession(body: Body): SessionInput {
  const bytes = (key: string) => {
    const v = read<number>(body, key, 'number');
    if (v === undefined) throw badBody(`${key} is required: a whole number of bytes`);
    return v;
  };
  const location = body.cell_location_estimate;
  if (location !== undefined && location !== null && (typeof location !== 'object' || typeof (location as Body).lat !== 'number' || typeof (location as Body).lon !== 'number')) {
    throw badBody('cell_location_estimate must be {"lat": number, "lon": number} or null');
  }
  return {
    ...readNetwork(body),
    bytes_uploaded: bytes('bytes_uploaded'),
    bytes_downloaded: bytes('bytes_downloaded'),
    packets_uploaded: read<number>(body, 'packets_uploaded', 'number'),
    packets_downloaded: read<number>(body, 'packets_downloaded', 'number'),
    start: readTime(body, 'start'),
    duration_seconds: read<number>(body, 'duration_seconds', 'number'),
    radio_link: read<string>(body, 'radio_link', 'string'),
    cell_id: read<string | null>(body, 'cell_id', 'string', true),
    cell_location_estimate: location as SessionInput['cell_location_estimate'],
    imei: read<string | null>(body, 'imei', 'string', true),
  };
}

function readDevice(body: Body): DeviceInput {
  return {
    ...readNetwork(body),
    online: read<boolean>(body, 'online', 'boolean'),
    acknowledge_commands: read<boolean>(body, 'acknowledge_commands', 'boolean'),
    radio_link: read<string>(body, 'radio_link', 'string'),
    cell_id: read<string | null>(body, 'cell_id', 'string', true),
    imei: read<string | null>(body, 'imei', 'string', true),
  };
}

export function deviceJson(device: Device) {
  const { first_used_at, date_updated, ...rest } = device;
  return { ...rest, first_used_at: first_used_at === null ? null : isoDate(first_used_at), date_updated: isoDate(date_updated) };
}

export function deviceRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { devices, dataSessions, commands } = ctx.services;

  const params = SimSidParams;
  const getDevice = described({ summary: 'The simulated device in a Sim', params, responses: withErrors({ 200: DeviceBody }, 404) });
  app.get<BySim>('/admin/v1/Sims/:sid/Device', { schema: getDevice }, async (request) => deviceJson(await devices.get(request.params.sid)));

  const setDevice = described({ summary: 'Change the simulated device (network, online, IMEI, …)', params, body: DeviceChange, responses: withErrors({ 200: DeviceBody }, 404) });
  app.post<BySim>('/admin/v1/Sims/:sid/Device', { schema: setDevice }, async (request) => deviceJson(await devices.update(request.params.sid, readDevice(bodyOf(request.body)))));

  const useData = described({
    summary: 'The device uses data: record a data session',
    description: "A session the network refuses under the SIM's status and plan is a 409, network_refused, with its reason and Twilio error code; nothing is stored.",
    params,
    body: DataSessionUse,
    responses: withErrors({ 201: DataSessionRecorded }, 404, 409),
  });
  app.post<BySim>('/admin/v1/Sims/:sid/DataSessions', { schema: useData }, async (request, reply) => {
    const outcome = await dataSessions.record(request.params.sid, readSession(bodyOf(request.body)));
    const { session } = outcome;
    return reply.code(201).send({
      data_session: dataSessionJson(session),
      zone: session.zone,
      requested: outcome.requested,
      carried: { bytes_uploaded: session.bytes_uploaded, bytes_downloaded: session.bytes_downloaded },
      truncated: outcome.truncated,
      throttled: outcome.throttled,
    });
  });

  const sendCommand = described({
    summary: 'The device sends a Command',
    description: 'Stored as received and delivered to the Sim\'s commands_callback_url; a refusal is a 409, network_refused (33203 when the SIM may not send Commands).',
    params,
    body: CommandSent,
    responses: withErrors({ 201: Command }, 404, 409),
  });
  app.post<BySim>('/admin/v1/Sims/:sid/Commands', { schema: sendCommand }, async (request, reply) => {
    const body = bodyOf(request.body);
    const mode = read<string>(body, 'command_mode', 'string');
    if (mode !== undefined && mode !== 'text' && mode !== 'binary') throw badBody('command_mode must be text or binary');
    const command = await commands.originate(request.params.sid, { command: read<string>(body, 'command', 'string'), commandMode: mode });
    return reply.code(201).send(commandJson(command, baseUrl(ctx, request)));
  });
}
