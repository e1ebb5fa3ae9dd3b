// Runs every test file under test/ with Node's test runner (TypeScript through tsx): first
// against SQLite, then again against PostgreSQL when TEST_DATABASE_URL names a server. Files
// named *.pg.test.ts test PostgreSQL-only behaviour and run in the PostgreSQL pass alone, files
// named *.sqlite.test.ts SQLite-only behaviour (a database file on a disk of the test's own) in
// the SQLite pass alone. A
// PostgreSQL pass that cannot run is reported as SKIPPED with the reason, never as passed.
//
//   node scripts/run-tests.mjs [--store sqlite|postgres|both] [test files...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

function parseArgs(argv) {
  let store = 'both';
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--store') store = argv[++i];
    else if (argv[i].startsWith('--store=')) store = argv[i].slice('--store='.length);
    else files.push(argv[i]);
  }
  if (!['sqlite', 'postgres', 'both'].includes(store)) {
    console.error(`--store must be sqlite, postgres or both; got "${store}"`);
    process.exit(2);
  }
  return { store, files };
}

/** Where a database URL points, without its password. */
function describe(url) {
  try {
    const u = new URL(url);
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host || 'localhost'}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Null when the server can host test databases, else why not. */
async function postgresProblem(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query('select rolcreatedb or rolsuper as ok from pg_roles where rolname = current_user');
    if (!rows[0]?.ok) return `the role connecting to ${describe(url)} may not create databases`;
    return null;
  } catch (error) {
    const reason = error instanceof AggregateError ? error.errors.map((e) => e.message).join('; ') : error.message;
    return `cannot reach PostgreSQL at ${describe(url)}: ${reason}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops test databases a crashed test file left behind; returns how many there were. */
async function sweep(url, prefix) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query('select datname from pg_database where starts_with(datname, $1)', [prefix + '_']);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    return rows.length;
  } catch {
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function countsFrom(tapFile) {
  let text = '';
  try {
    text = readFileSync(tapFile, 'utf8');
  } catch {
    return null;
  }
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  const counts = { tests: count('tests'), pass: count('pass'), fail: count('fail'), cancelled: count('cancelled'), skipped: count('skipped'), todo: count('todo') };
  return Number.isNaN(counts.tests) ? null : counts;
}

function run(label, files, env) {
  console.log(`\n=== ${label}: ${files.length} test files ===\n`);
  const dir = mkdtempSync(join(tmpdir(), 'wisp-test-run-'));
  const tapFile = join(dir, 'results.tap');
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    { stdio: 'inherit', env },
  );
  const counts = countsFrom(tapFile);
  rmSync(dir, { recursive: true, force: true });
  const ok = result.status === 0 && counts !== null && counts.fail === 0 && counts.cancelled === 0;
  return { ok, counts, seconds: (Date.now() - started) / 1000, signal: result.signal };
}

function line(name, outcome) {
  if (outcome.skipped) return `${name}: SKIPPED (${outcome.skipped})`;
  const c = outcome.counts;
  const detail = c
    ? `${c.tests} tests, ${c.pass} passed, ${c.fail} failed, ${c.cancelled} cancelled, ${c.skipped} skipped`
    : `no results${outcome.signal ? ` (killed by ${outcome.signal})` : ''}`;
  return `${name}: ${outcome.ok ? 'PASS' : 'FAIL'} (${detail}; ${outcome.seconds.toFixed(1)} s)`;
}

const { store, files: given } = parseArgs(process.argv.slice(2));
const files = given.length > 0 ? given : findTests('test').sort();
const pgOnly = files.filter((f) => f.endsWith('.pg.test.ts'));
const sqliteOnly = files.filter((f) => f.endsWith('.sqlite.test.ts'));
const common = files.filter((f) => !f.endsWith('.pg.test.ts') && !f.endsWith('.sqlite.test.ts'));
const { TEST_DATABASE_URL: pgUrl, ...baseEnv } = process.env;

let sqlite = { skipped: 'not requested (--store postgres)' };
if (store !== 'postgres') {
  const forSqlite = [...common, ...sqliteOnly];
  sqlite = forSqlite.length > 0 ? run('SQLite', forSqlite, baseEnv) : { skipped: 'no test files for SQLite' };
}

let postgres = { skipped: 'not requested (--store sqlite)' };
if (store !== 'sqlite') {
  const notRun = pgOnly.length > 0 ? `; not run: ${pgOnly.join(', ')}` : '';
  const problem = pgUrl ? await postgresProblem(pgUrl) : 'TEST_DATABASE_URL is not set';
  if (problem) {
    postgres = { skipped: problem + notRun };
    console.log(`\n=== PostgreSQL: SKIPPED: ${problem} ===`);
  } else {
    const prefix = (process.env.WISP_TEST_DB_PREFIX || `wisp_t${process.pid}`).toLowerCase();
    postgres = run(`PostgreSQL (${describe(pgUrl)})`, [...common, ...pgOnly], { ...baseEnv, TEST_DATABASE_URL: pgUrl, WISP_TEST_DB_PREFIX: prefix });
    const left = await sweep(pgUrl, prefix);
    if (left > 0) console.log(`\nDropped ${left} test database(s) that a test left behind (prefix ${prefix}_).`);
  }
}

// A pass that was asked for explicitly and could not run is a failure, not a skip.
const requestedButSkipped = store === 'postgres' && postgres.skipped;
const failed = [sqlite, postgres].some((o) => !o.skipped && !o.ok) || requestedButSkipped;
console.log('\n=== summary ===');
console.log(line('SQLite', sqlite));
console.log(line('PostgreSQL', postgres));
console.log(`TESTS ${failed ? 'FAILED' : 'PASSED'}: sqlite ${sqlite.skipped ? 'SKIPPED' : sqlite.ok ? 'PASS' : 'FAIL'}, postgres ${postgres.skipped ? 'SKIPPED' : postgres.ok ? 'PASS' : 'FAIL'}`);
process.exit(failed ? 1 : 0);
