import { readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { EXIT, type Io, type Target, print, printRecord, twilioApi, UsageError } from './io.js';
import type { Context } from './program.js';

// `wisp sims bulk` and `wisp sims batch`: many SIMs in one request, through /wisp/v1/SimBatches
// (docs/bulk.md), with a preview, a progress bar and a schedule.

type Batch = { sid: string; status: string; counts: { total: number; applied: number; refused: number; skipped: number; pending: number } } & Record<string, unknown>;

const FILTERS: Record<string, string> = {
  status: 'Filter.Status',
  'rate-plan': 'Filter.RatePlan',
  iccid: 'Filter.Iccid',
  eid: 'Filter.EId',
  'registration-code': 'Filter.SimRegistrationCode',
};

const SETTINGS = [
  'Status',
  'RatePlan',
  'ResetStatus',
  'AccountSid',
  'FriendlyName',
  'SimCallbackUrl',
  'SimCallbackMethod',
  'CommandsCallbackUrl',
  'CommandsCallbackMethod',
  'SmsUrl',
  'SmsMethod',
  'SmsFallbackUrl',
  'SmsFallbackMethod',
  'VoiceUrl',
  'VoiceMethod',
  'VoiceFallbackUrl',
  'VoiceFallbackMethod',
];

/** `status`, `rate-plan`, `RatePlan` and `rate_plan` all name RatePlan. */
const normal = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
const SETTING_BY_KEY = new Map(SETTINGS.map((s) => [normal(s), s]));
const FILTER_BY_KEY = new Map(Object.entries(FILTERS).map(([k, v]) => [normal(k), v]));

const collect = (value: string, previous: string[] = []) => [...previous, value];

function pairs(values: string[], known: Map<string, string>, flag: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at < 1) throw new UsageError(`${flag} takes key=value, got "${value}"`);
    const param = known.get(normal(value.slice(0, at)));
    if (!param) throw new UsageError(`${flag}: unknown key "${value.slice(0, at)}"; one of ${[...known.values()].join(', ')}`);
    form[param] = value.slice(at + 1);
  }
  return form;
}

/** The SIMs named by --sims (comma-separated) and --file (one per line). */
function listed(o: Record<string, unknown>): string[] | undefined {
  const refs: string[] = [];
  if (typeof o.sims === 'string') refs.push(...o.sims.split(','));
  if (typeof o.file === 'string') {
    let text: string;
    try {
      text = readFileSync(o.file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${o.file}: ${(error as Error).message}`);
    }
    refs.push(...text.split(/\r?\n/));
  }
  const clean = refs.map((r) => r.trim()).filter((r) => r !== '');
  return o.sims === undefined && o.file === undefined ? undefined : clean;
}

const line = (b: Batch) => `${b.sid} ${b.status}: ${b.counts.applied} applied, ${b.counts.refused} refused, ${b.counts.skipped} skipped, ${b.counts.pending} pending of ${b.counts.total}`;

/** Polls the batch until it ends, drawing a progress bar on a terminal. */
async function follow(t: Target, io: Io, batch: Batch, intervalMs: number): Promise<Batch> {
  const bar = io.interactive && !t.json ? new cliProgress.SingleBar({ format: 'batch [{bar}] {value}/{total} SIMs | {status}', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  bar?.start(batch.counts.total, 0, { status: batch.status });
  let current = batch;
  while (!['completed', 'canceled', 'failed'].includes(current.status)) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    current = await twilioApi<Batch>(t, 'GET', `/wisp/v1/SimBatches/${current.sid}`);
    bar?.update(current.counts.total - current.counts.pending, { status: current.status });
  }
  bar?.stop();
  return current;
}

export function bulkCommands(sims: Command, ctx: Context): void {
  sims
    .command('bulk')
    .description('change many SIMs in one request: by --filter or --sims/--file, with --set (docs/bulk.md)')
    .option('--filter <key=value>', `select by a list filter of GET /v1/Sims (${Object.keys(FILTERS).join(', ')}); repeatable`, collect)
    .option('--sims <list>', 'select these SIMs: SIDs or unique names, comma-separated')
    .option('--file <path>', 'select the SIMs listed in a file, one SID or unique name per line')
    .option('--include-subaccounts', "with --filter, a master's subaccounts' SIMs too")
    .option('--set <key=value>', 'the change each SIM gets (status, rate-plan, reset-status, sim-callback-url, …); repeatable', collect)
    .option('--command <text>', 'send each SIM this Command instead of changing it')
    .option('--dry-run', 'only preview: how many SIMs, a sample, and how many would be refused and why')
    .option('--start-at <date-time>', 'start later, at this ISO 8601 time (emulated clock)')
    .option('--wait-for-updating', 'wait for SIMs with a change in flight instead of refusing them')
    .option('--callback-url <url>', 'called (signed) when the batch ends')
    .option('--idempotency-token <token>', 'the same token within 24 hours returns the same batch')
    .option('--wait', 'follow the batch until it ends, with a progress bar')
    .action(
      ctx.act(async (t, io, options) => {
        const o = options as Record<string, unknown>;
        const form: Record<string, string | string[]> = { ...pairs((o.filter as string[] | undefined) ?? [], FILTER_BY_KEY, '--filter'), ...pairs((o.set as string[] | undefined) ?? [], SETTING_BY_KEY, '--set') };
        const refs = listed(o);
        if (refs !== undefined) form.Sims = refs;
        if (refs === undefined && o.filter === undefined) throw new UsageError('select SIMs with --filter key=value, --sims or --file');
        if (o.set === undefined && o.command === undefined) throw new UsageError('give the change with --set key=value (for example --set status=suspended), or --command');
        if (typeof o.command === 'string') form.Command = o.command;
        if (o.includeSubaccounts) form.IncludeSubaccounts = 'true';
        if (o.dryRun) form.DryRun = 'true';
        if (o.waitForUpdating) form.WaitForUpdating = 'true';
        if (typeof o.startAt === 'string') form.StartAt = o.startAt;
        if (typeof o.callbackUrl === 'string') form.CallbackUrl = o.callbackUrl;
        const headers = typeof o.idempotencyToken === 'string' ? { 'I-Twilio-Idempotency-Token': o.idempotencyToken } : undefined;
        const answer = await twilioApi<Batch>(t, 'POST', '/wisp/v1/SimBatches', form, headers);
        if (o.dryRun) return printRecord(io, t.json, answer);
        if (!o.wait) return printRecord(io, t.json, answer);
        const done = await follow(t, io, answer, 500);
        if (t.json) io.out(JSON.stringify(done, null, 2));
        else io.out(line(done));
        return done.status === 'completed' ? EXIT.ok : EXIT.failed;
      }),
    );

  sims
    .command('batch')
    .description('show a batch (or list them), its refused items, or cancel it')
    .argument('[sid]', 'a batch SID (WB…); without it, the latest batches')
    .option('--items <outcome>', 'list its items with this outcome (pending, applied, refused, skipped)')
    .option('--cancel', 'cancel it: SIMs not yet changed are skipped')
    .action(
      ctx.act(async (t, io, sid, options) => {
        const o = options as Record<string, string | boolean | undefined>;
        if (sid === undefined) {
          const page = await twilioApi<{ sim_batches: Batch[] }>(t, 'GET', '/wisp/v1/SimBatches?PageSize=50');
          const rows = page.sim_batches.map((b) => ({ sid: b.sid, status: b.status, ...b.counts, date_created: b.date_created }));
          return print(io, t.json, page.sim_batches, rows, ['sid', 'status', 'total', 'applied', 'refused', 'skipped', 'pending', 'date_created']);
        }
        const path = `/wisp/v1/SimBatches/${encodeURIComponent(sid as string)}`;
        if (o.cancel) return printRecord(io, t.json, await twilioApi<Batch>(t, 'POST', path, { Status: 'canceled' }));
        if (typeof o.items === 'string') {
          const page = await twilioApi<{ items: object[] }>(t, 'GET', `${path}/Items?PageSize=1000&Outcome=${encodeURIComponent(o.items)}`);
          return print(io, t.json, page.items, page.items, ['position', 'sim', 'sim_sid', 'outcome', 'error_code', 'error_message']);
        }
        printRecord(io, t.json, await twilioApi<Batch>(t, 'GET', path));
      }),
    );
}
