// Unique indexes are the last word when two requests race for one name or one SIM card: the
// domain checks first, but a concurrent transaction can pass the same check. Both dialects
// report the violated columns, in different words; this reads either.

/** The columns of the unique index a failed write violated, or null for any other error. */
export function violatedUniqueColumns(error: unknown): string[] | null {
  if (!error || typeof error !== 'object') return null;
  const { code, message, detail } = error as { code?: unknown; message?: unknown; detail?: unknown };
  if (code === '23505' && typeof detail === 'string') {
    // PostgreSQL: `Key (account_sid, unique_name)=(AC…, x) already exists.`
    const match = /^Key \(([^)]*)\)=/.exec(detail);
    return match ? match[1].split(',').map((c) => c.trim()) : [];
  }
  if ((code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') && typeof message === 'string') {
    // SQLite: `UNIQUE constraint failed: sims.account_sid, sims.unique_name`
    const list = message.split(':')[1] ?? '';
    return list.split(',').map((c) => c.trim().split('.').pop() ?? '');
  }
  return null;
}

/** Runs a write; if it breaks the unique index over one of `taken`'s columns, throws that column's error instead. */
export async function mapUnique<T>(write: Promise<T>, taken: Record<string, () => Error>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const columns = violatedUniqueColumns(error) ?? [];
    const column = Object.keys(taken).find((c) => columns.includes(c));
    if (column) throw taken[column]();
    throw error;
  }
}
