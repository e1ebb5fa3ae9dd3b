import type { Repos } from './ports.js';
import type { Clock } from './clock.js';
import { isValidIccid } from './iccid.js';
import type { InventorySim } from './models.js';

export interface InventoryRow {
  iccid?: unknown;
  registration_code?: unknown;
  e_id?: unknown;
}

export interface ImportResult {
  imported: string[];
  /** Already in the inventory with the same registration code: importing again is harmless. */
  unchanged: string[];
  rejected: { index: number; iccid: unknown; reason: string }[];
}

export const MAX_IMPORT_ROWS = 10_000;

function reject(row: InventoryRow): string | null {
  if (typeof row.iccid !== 'string' || !isValidIccid(row.iccid)) return 'iccid must be 19 or 20 digits ending in a Luhn check digit';
  if (typeof row.registration_code !== 'string' || !/^[A-Za-z0-9-]{4,32}$/.test(row.registration_code)) {
    return 'registration_code must be 4 to 32 letters, digits or dashes';
  }
  if (row.e_id !== undefined && row.e_id !== null && (typeof row.e_id !== 'string' || !/^\d{32}$/.test(row.e_id))) {
    return 'e_id, when given, must be 32 digits';
  }
  return null;
}

/** The operator's import of physical SIM cards. Idempotent on ICCID. */
export async function importInventory(store: Repos<'inventory'>, clock: Clock, rows: InventoryRow[]): Promise<ImportResult> {
  const result: ImportResult = { imported: [], unchanged: [], rejected: [] };
  const valid: InventorySim[] = [];
  /** The row index of each ICCID accepted so far, to report a later conflict against its own row. */
  const seen = new Map<string, number>();
  const now = clock.now();
  rows.forEach((row, index) => {
    const reason = reject(row) ?? (seen.has(row.iccid as string) ? 'the same iccid appears earlier in this request' : null);
    if (reason) {
      result.rejected.push({ index, iccid: row.iccid ?? null, reason });
      return;
    }
    seen.set(row.iccid as string, index);
    valid.push({
      iccid: row.iccid as string,
      registration_code: row.registration_code as string,
      e_id: (row.e_id as string | undefined) ?? null,
      sim_sid: null,
      imported_at: now,
    });
  });
  await store.transaction(async (tx) => {
    const added = await tx.inventory.insertMissing(valid);
    for (const card of valid) {
      if (added.has(card.iccid)) {
        result.imported.push(card.iccid);
        continue;
      }
      const existing = await tx.inventory.get(card.iccid);
      if (existing && existing.registration_code === card.registration_code && existing.e_id === card.e_id) {
        result.unchanged.push(card.iccid);
      } else {
        result.rejected.push({
          index: seen.get(card.iccid) as number,
          iccid: card.iccid,
          reason: 'this iccid is already in the inventory with a different registration code or e_id',
        });
      }
    }
  });
  result.rejected.sort((x, y) => x.index - y.index);
  return result;
}

/** The operator's inventory of SIM cards that customers may register. */
export class InventoryService {
  constructor(
    private readonly store: Repos<'inventory'>,
    private readonly clock: Clock,
  ) {}

  import(rows: InventoryRow[]): Promise<ImportResult> {
    return importInventory(this.store, this.clock, rows);
  }

  /** Cards no account has registered yet, in ICCID order. */
  unregistered(afterIccid: string | undefined, limit: number): Promise<InventorySim[]> {
    return this.store.inventory.listUnregistered(afterIccid, limit);
  }
}
