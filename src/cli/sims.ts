import type { Command } from 'commander';
import { print, printRecord, twilioApi, UsageError } from './io.js';
import type { Context } from './program.js';
import { bulkCommands } from './sims-bulk.js';

// `wisp sims list|get|update|bulk|batch`, through the Twilio API itself (account credentials).

type Sim = Record<string, unknown>;
const COLUMNS = ['sid', 'unique_name', 'status', 'iccid', 'rate_plan_sid', 'account_sid'];

const UPDATES: [flag: string, param: string][] = [
  ['--status <status>', 'Status'],
  ['--unique-name <name>', 'UniqueName'],
  ['--friendly-name <name>', 'FriendlyName'],
  ['--rate-plan <sidOrName>', 'RatePlan'],
  ['--callback-url <url>', 'CallbackUrl'],
  ['--reset-status <status>', 'ResetStatus'],
  ['--move-to <accountSid>', 'AccountSid'],
];

const optionKey = (flag: string) => flag.split(' ')[0].slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const simPath = (ref: string) => `/v1/Sims/${encodeURIComponent(ref)}`;

export function simsCommand(program: Command, ctx: Context): void {
  const sims = program.command('sims').description('list, show and change SIMs (Twilio API: --account-sid/--auth-token)');

  sims
    .command('list', { isDefault: true })
    .description('list SIMs, newest first')
    .option('--status <status>', 'only SIMs in this status')
    .option('--iccid <iccid>', 'only the SIM with this ICCID')
    .option('--rate-plan <sidOrName>', 'only SIMs on this rate plan')
    .option('--limit <n>', 'at most this many (1..1000)', '50')
    .action(
      ctx.act(async (t, io, options) => {
        const o = options as Record<string, string | undefined>;
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
        const query = new URLSearchParams({ PageSize: String(limit) });
        if (o.status) query.set('Status', o.status);
        if (o.iccid) query.set('Iccid', o.iccid);
        if (o.ratePlan) query.set('RatePlan', o.ratePlan);
        const page = await twilioApi<{ sims: Sim[] }>(t, 'GET', `/v1/Sims?${query}`);
        print(io, t.json, page.sims, page.sims, COLUMNS);
      }),
    );

  sims
    .command('get')
    .description('show one SIM')
    .argument('<sim>', 'a SIM SID or unique name')
    .action(ctx.act(async (t, io, ref) => printRecord(io, t.json, await twilioApi<Sim>(t, 'GET', simPath(ref as string)))));

  const update = sims.command('update').description('change a SIM (status changes are applied asynchronously)').argument('<sim>', 'a SIM SID or unique name');
  for (const [flag, param] of UPDATES) update.option(flag, `sets ${param}`);
  update.action(
    ctx.act(async (t, io, ref, options) => {
      const o = options as Record<string, string | undefined>;
      const form: Record<string, string> = {};
      for (const [flag, param] of UPDATES) {
        const value = o[optionKey(flag)];
        if (value !== undefined) form[param] = value;
      }
      if (Object.keys(form).length === 0) throw new UsageError(`give at least one change: ${UPDATES.map(([f]) => f.split(' ')[0]).join(', ')}`);
      printRecord(io, t.json, await twilioApi<Sim>(t, 'POST', simPath(ref as string), form));
    }),
  );
  bulkCommands(sims, ctx);
}
