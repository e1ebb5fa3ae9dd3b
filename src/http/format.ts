// Dates as Twilio writes them: ISO 8601 without fractions on v1, RFC 2822 on the 2010 API.

// The last date written: a resource never changed since it was created has date_updated equal
// to date_created, so every other call is answered from here.
let lastMs = NaN;
let lastIso = '';

export const isoDate = (ms: number): string => {
  if (ms === lastMs) return lastIso;
  const iso = new Date(ms).toISOString();
  // "2026-01-02T03:04:05.678Z" → "2026-01-02T03:04:05Z"; slicing is cheaper than a regex on every Sim.
  lastIso = iso.length === 24 ? iso.slice(0, 19) + 'Z' : iso.replace(/\.\d{3}Z$/, 'Z');
  lastMs = ms;
  return lastIso;
};

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

export function rfc2822(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
