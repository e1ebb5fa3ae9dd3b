import type { Command } from 'commander';
import { parseDuration } from '../client/admin.js';
import { printRecord, UsageError } from './io.js';
import type { Context } from './program.js';

// `wisp clock [advance 72h|set ISO]` and `wisp network [up|down|latency 200ms|failure-rate 0.1]`.

export function clockCommand(program: Command, ctx: Context): void {
  const clock = program.command('clock').description('show or move the emulated clock (moving it runs what falls due)');
  clock
    .command('show', { isDefault: true })
    .description('the emulated time')
    .action(ctx.act(async (t, io) => printRecord(io, t.json, { ...(await t.admin.clock()) })));
  clock
    .command('advance')
    .description('move emulated time forward')
    .argument('<duration>', 'e.g. 72h, 90m, 1d12h, 30s')
    .action(
      ctx.act(async (t, io, duration) => {
        const seconds = parseDuration(duration as string);
        if (seconds === null) throw new UsageError(`"${duration as string}" is not a duration such as 72h, 90m or 30s`);
        printRecord(io, t.json, await t.admin.advanceClock(seconds));
      }),
    );
  clock
    .command('set')
    .description('set emulated time (never backwards)')
    .argument('<time>', 'an ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z')
    .action(
      ctx.act(async (t, io, time) => {
        if (Number.isNaN(Date.parse(time as string))) throw new UsageError(`"${time as string}" is not an ISO 8601 date-time`);
        printRecord(io, t.json, await t.admin.setClock(time as string));
      }),
    );
}

const LATENCY = /^(\d+)(ms|s)?$/;

export function networkCommand(program: Command, ctx: Context): void {
  const network = program.command('network').description('show or change the simulated operator network');
  network
    .command('show', { isDefault: true })
    .description('the network settings')
    .action(ctx.act(async (t, io) => printRecord(io, t.json, { ...(await t.admin.network()) })));
  network
    .command('up')
    .description('the operator applies changes again (waiting ones resume)')
    .action(ctx.act(async (t, io) => printRecord(io, t.json, { ...(await t.admin.setNetwork({ available: true })) })));
  network
    .command('down')
    .description('the operator is unreachable: changes wait as "scheduled"')
    .action(ctx.act(async (t, io) => printRecord(io, t.json, { ...(await t.admin.setNetwork({ available: false })) })));
  network
    .command('latency')
    .description("the operator's delay in applying a change")
    .argument('<latency>', 'e.g. 200ms or 2s')
    .action(
      ctx.act(async (t, io, latency) => {
        const match = LATENCY.exec(latency as string);
        if (!match) throw new UsageError(`"${latency as string}" is not a latency such as 200ms or 2s`);
        const ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
        printRecord(io, t.json, { ...(await t.admin.setNetwork({ latency_ms: ms })) });
      }),
    );
  network
    .command('failure-rate')
    .description('the share of operator calls that fail (and are retried)')
    .argument('<rate>', 'from 0 to 1, e.g. 0.1')
    .action(
      ctx.act(async (t, io, rate) => {
        const value = Number(rate);
        if (!(value >= 0 && value <= 1) || (rate as string).trim() === '') throw new UsageError(`the failure rate must be a number from 0 to 1, got "${rate as string}"`);
        printRecord(io, t.json, { ...(await t.admin.setNetwork({ failure_rate: value })) });
      }),
    );
}
