import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { InventoryCard } from '../client/admin.js';
import { cardFromRow, parseCardCsv } from '../lib/card-rows.js';
import { EXIT, UsageError, type Io } from './io.js';
import type { Context } from './program.js';

// `wisp import cards.csv|cards.json`: SIM cards into the inventory, in batches, with a
// progress bar, a summary, and the rejected rows (with their reasons) written to a file.

const BATCH = 1000;

interface SourceRow {
  /** Where the row is in the file: the CSV line, or the JSON array index. */
  at: string;
  card: InventoryCard;
  raw: Record<string, unknown>;
}

export function readCards(file: string): SourceRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot be read: ${(error as Error).message}`);
  }
  if (/\.json$/i.test(file)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${file}: not JSON: ${(error as Error).message}`);
    }
    const list = Array.isArray(value) ? value : (value as { sims?: unknown })?.sims;
    if (!Array.isArray(list)) throw new UsageError(`${file}: expected an array of cards, or {"sims": [...]}`);
    return list.map((raw, i) => {
      const row = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
      return { at: `[${i}]`, card: cardFromRow(row), raw: row };
    });
  }
  let records: ReturnType<typeof parseCardCsv>;
  try {
    records = parseCardCsv(text);
  } catch (error) {
    throw new UsageError(`${file}: not CSV: ${(error as Error).message}`);
  }
  return records.map(({ line, card, raw }) => ({ at: `line ${line}`, card, raw }));
}

const csvCell = (value: unknown) => {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function importCommand(program: Command, ctx: Context): void {
  program
    .command('import')
    .description('add SIM cards to the inventory from a CSV (iccid,registration_code[,e_id]) or JSON file')
    .argument('<file>', 'cards.csv or cards.json')
    .option('--rejected <file>', 'where to write the rejected rows with their reasons (default: <file>.rejected.csv)')
    .addHelpText('after', '\nExits 1 when any row was rejected (the others are imported).')
    .action(
      ctx.act(async (t, io: Io, file, options) => {
        const rows = readCards(file as string);
        const rejectedFile = (options as { rejected?: string }).rejected ?? `${file as string}.rejected.csv`;
        const admin = t.admin;
        const bar = io.interactive && !t.json ? new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} cards', stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
        bar?.start(rows.length, 0);
        let imported = 0;
        let unchanged = 0;
        const rejected: { at: string; iccid: string; reason: string; raw: Record<string, unknown> }[] = [];
        try {
          for (let start = 0; start < rows.length; start += BATCH) {
            const batch = rows.slice(start, start + BATCH);
            const result = await admin.importSims(batch.map((r) => r.card));
            imported += result.imported;
            unchanged += result.unchanged;
            for (const r of result.rejected) rejected.push({ at: batch[r.index].at, iccid: batch[r.index].card.iccid, reason: r.reason, raw: batch[r.index].raw });
            bar?.update(start + batch.length);
          }
        } finally {
          bar?.stop();
        }
        if (rejected.length > 0) {
          const columns = [...new Set(rejected.flatMap((r) => Object.keys(r.raw)))];
          const lines = [['at', ...columns, 'reason'].join(','), ...rejected.map((r) => [r.at, ...columns.map((c) => r.raw[c]), r.reason].map(csvCell).join(','))];
          writeFileSync(rejectedFile, lines.join('\n') + '\n');
        }
        const summary = { rows: rows.length, imported, unchanged, rejected: rejected.length, rejected_file: rejected.length > 0 ? rejectedFile : null };
        if (t.json) io.out(JSON.stringify(summary, null, 2));
        else {
          io.out(`${rows.length} rows: ${imported} imported, ${unchanged} unchanged, ${rejected.length} rejected`);
          if (rejected.length > 0) io.out(`rejected rows and reasons: ${rejectedFile}`);
        }
        return rejected.length > 0 ? EXIT.failed : EXIT.ok;
      }),
    );
}
