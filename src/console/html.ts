import { HtmlSafeString } from 'escape-html-template-tag';

// HTML built from tagged templates: every interpolated value is escaped unless it is itself
// HTML made here (escape-html-template-tag). Nothing else writes markup.

export type Html = HtmlSafeString;

/** Interpolated null, undefined and false print nothing, so `${cond && html`…`}` reads naturally. */
export function html(parts: TemplateStringsArray, ...values: unknown[]): Html {
  // What the package's default export (the tag) does; its types read that export as CommonJS.
  return new HtmlSafeString(parts, values.map((value) => (value === null || value === undefined || value === false ? '' : value)));
}

export const isoTime = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** A time for people: `2024-05-01 12:00:05 UTC`, in a <time> element carrying the exact value. */
export function when(ms: number | null | undefined): Html {
  if (ms === null || ms === undefined) return html`<span class="muted">never</span>`;
  const iso = isoTime(ms);
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')}</time>`;
}

/** Bytes for people: 1.5 MB. */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** A query string from the values that are set. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== null && value !== '') qs.append(key, String(value));
  const text = qs.toString();
  return text ? `?${text}` : '';
}
