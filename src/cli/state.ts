import type { Command } from 'commander';
import { DocumentError, readDocument } from '../lib/documents.js';
import { WispAdminError } from '../client/admin.js';
import { print, printRecord, UsageError } from './io.js';
import type { Context } from './program.js';

// `wisp seed FILE`, `wisp snapshot [list|save|restore|delete NAME]`, `wisp reset`.

/** A seed path as the server reports it, "sims[2].status", as the parts a document lookup takes. */
const pathParts = (path: string) => path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p));

export function seedCommand(program: Command, ctx: Context): void {
  program
    .command('seed')
    .description('load a seed file (JSON or YAML: accounts, ratePlans, simCards, sims) into the running Wisp')
    .argument('<file>', 'seed.json or seed.yaml')
    .action(
      ctx.act(async (t, io, file) => {
        let document;
        try {
          document = readDocument(file as string);
        } catch (error) {
          if (error instanceof DocumentError) throw new UsageError(error.message);
          throw error;
        }
        try {
          printRecord(io, t.json, { ...(await t.admin.seed(document.value)) });
        } catch (error) {
          // The server names the path of the bad value; name its line as well.
          const path = error instanceof WispAdminError ? (error.body as { path?: unknown } | null)?.path : undefined;
          if (error instanceof WispAdminError && typeof path === 'string') {
            const line = document.lineOf(pathParts(path));
            throw new WispAdminError(error.status, error.code, `${file as string}${line === null ? '' : `:${line}`}: ${error.message}`, error.body);
          }
          throw error;
        }
      }),
    );
}

export function snapshotCommand(program: Command, ctx: Context): void {
  const snapshot = program.command('snapshot').description('named snapshots of the whole state (SIMs, jobs, callbacks, clock, network)');
  snapshot
    .command('list', { isDefault: true })
    .description('the saved snapshots')
    .action(
      ctx.act(async (t, io) => {
        const list = await t.admin.snapshots.list();
        print(io, t.json, list, [...list], ['name', 'date_created', 'clock', 'rows']);
      }),
    );
  snapshot
    .command('save')
    .description('save the state as NAME (replacing a snapshot of that name)')
    .argument('<name>')
    .action(ctx.act(async (t, io, name) => printRecord(io, t.json, { ...(await t.admin.snapshots.save(name as string)) })));
  snapshot
    .command('restore')
    .description('bring back the state saved as NAME, clock and network settings included')
    .argument('<name>')
    .action(ctx.act(async (t, io, name) => printRecord(io, t.json, { ...(await t.admin.snapshots.restore(name as string)) })));
  snapshot
    .command('delete')
    .description('delete the snapshot NAME')
    .argument('<name>')
    .action(
      ctx.act(async (t, io, name) => {
        await t.admin.snapshots.delete(name as string);
        printRecord(io, t.json, { deleted: name });
      }),
    );
}

export function resetCommand(program: Command, ctx: Context): void {
  program
    .command('reset')
    .description('back to an empty database with the master account (credentials kept); snapshots are kept')
    .action(ctx.act(async (t, io) => printRecord(io, t.json, { ...(await t.admin.reset()) })));
}
