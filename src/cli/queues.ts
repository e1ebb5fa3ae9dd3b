import type { Command } from 'commander';
import type { ListFilter } from '../client/admin.js';
import { print, printRecord, UsageError } from './io.js';
import type { Context } from './program.js';

// `wisp callbacks [list|replay ID]` and `wisp jobs [list|retry ID]`.

function filterOf(options: Record<string, string | undefined>): ListFilter {
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw new UsageError('--limit must be a whole number from 1 to 1000');
  return { sim_sid: options.sim, state: options.state, kind: options.kind, limit };
}

function idOf(raw: unknown): number {
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw new UsageError(`an id is a whole number, got "${String(raw)}"`);
  return Number(raw);
}

const listOptions = (command: Command) =>
  command.option('--sim <sid>', 'only those of this SIM').option('--state <state>', 'only those in this state').option('--limit <n>', 'at most this many (1..1000; default 50)');

export function callbacksCommand(program: Command, ctx: Context): void {
  const callbacks = program.command('callbacks').description('status callbacks Wisp sent (or is sending) to your URLs');
  listOptions(callbacks.command('list', { isDefault: true }).description('newest first (state: pending, retrying, delivered, dead)')).action(
    ctx.act(async (t, io, options) => {
      const page = await t.admin.callbacks(filterOf(options as Record<string, string>));
      const rows = page.callbacks.map((c) => ({ ...c, url: c.request.url, status: c.response?.status ?? null }));
      print(io, t.json, page, rows, ['id', 'state', 'attempts', 'sim_sid', 'url', 'status', 'date_created']);
    }),
  );
  callbacks
    .command('replay')
    .description('send a recorded callback again, as a new delivery')
    .argument('<id>', 'the callback id')
    .action(ctx.act(async (t, io, id) => printRecord(io, t.json, await t.admin.replayCallback(idOf(id)))));
}

export function jobsCommand(program: Command, ctx: Context): void {
  const jobs = program.command('jobs').description('the background job queue');
  listOptions(jobs.command('list', { isDefault: true }).description('newest first (state: pending, running, waiting, held, done, dead, …)'))
    .option('--kind <kind>', 'only jobs of this kind')
    .action(
      ctx.act(async (t, io, options) => {
        const page = await t.admin.jobs(filterOf(options as Record<string, string>));
        print(io, t.json, page, page.jobs, ['id', 'kind', 'state', 'attempts', 'sim_sid', 'run_at', 'last_error']);
      }),
    );
  jobs
    .command('retry')
    .description('run a dead job again, with a fresh count of attempts')
    .argument('<id>', 'the job id')
    .action(ctx.act(async (t, io, id) => printRecord(io, t.json, await t.admin.retryJob(idOf(id)))));
}
