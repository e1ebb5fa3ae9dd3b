// Prints a CSV of SIM cards for `wisp import`: `node scripts/make-cards.mjs ROWS BAD` writes
// ROWS rows, of which every (ROWS/BAD)th has a wrong check digit.
const [rows = 10000, bad = 0] = process.argv.slice(2).map(Number);

function luhn(body) {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

const every = bad > 0 ? Math.floor(rows / bad) : 0;
const lines = ['iccid,registration_code'];
for (let i = 0; i < rows; i++) {
  const body = `8901555${String(Date.now() % 1000).padStart(3, '0')}${String(i).padStart(9, '0')}`;
  const digit = luhn(body);
  const wrong = every > 0 && i % every === every - 1 && i < every * bad;
  lines.push(`${body}${wrong ? String((Number(digit) + 1) % 10) : digit},CODE${i}`);
}
process.stdout.write(lines.join('\n') + '\n');
