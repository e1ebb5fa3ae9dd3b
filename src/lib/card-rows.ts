import { parse } from 'csv-parse/sync';

// SIM card rows as people write them: a CSV with a header (iccid, registration_code, e_id, in
// any of a few spellings), read by the `wisp import` command and the console's inventory page.

export interface CardRow {
  iccid: string;
  registration_code: string;
  e_id: string | null;
}

function field(row: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = row[name];
    if (value !== undefined && value !== null && value !== '') return String(value);
  }
  return undefined;
}

/** A card from a row of named columns; missing values are empty, for the import to refuse. */
export function cardFromRow(row: Record<string, unknown>): CardRow {
  return {
    iccid: field(row, 'iccid', 'Iccid', 'ICCID') ?? '',
    registration_code: field(row, 'registration_code', 'registrationCode', 'RegistrationCode') ?? '',
    e_id: field(row, 'e_id', 'eId', 'EId') ?? null,
  };
}

/** Parses CSV text with a header line; each row keeps its line number. Throws on text that is not CSV. */
export function parseCardCsv(text: string): { line: number; card: CardRow; raw: Record<string, string> }[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true, bom: true }) as { record: Record<string, string>; info: { lines: number } }[];
  return records.map(({ record, info }) => ({ line: info.lines, card: cardFromRow(record), raw: record }));
}
