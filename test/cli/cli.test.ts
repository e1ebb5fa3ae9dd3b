import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type AddressInfo } from 'node:net';
import { freshIccid, type TestServer } from '../helpers/server.js';
import { settledAt, simAt, startFastServer } from '../helpers/lifecycle.js';
import { runCli } from '../../src/cli/program.js';

// Each command against a real server, through the same entry as the `wisp` binary.

interface Run {
  code: number;
  out: string;
  err: string;
  json(): any;
}

describe('the wisp command', () => {
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;
  const wisp = async (...argv: string[]): Promise<Run> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: { ...env }, interactive: false });
    return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
  };

  before(async () => {
    server = await startFastServer();
    dir = mkdtempSync(join(tmpdir(), 'wisp-cli-'));
    env = { WISP_URL: server.url, WISP_ADMIN_TOKEN: server.adminToken, WISP_ACCOUNT_SID: server.accountSid, WISP_AUTH_TOKEN: server.authToken };
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--help for the root and every command, and exit 2 for an unknown one', async () => {
    const root = await wisp('--help');
    assert.equal(root.code, 0);
    for (const name of ['start', 'import', 'sims', 'clock', 'network', 'callbacks', 'jobs', 'seed', 'snapshot', 'reset']) {
      assert.match(root.out, new RegExp(`\\b${name}\\b`));
      const help = await wisp(name, '--help');
      assert.equal(help.code, 0, name);
      assert.match(help.out, /Usage: wisp/);
    }
    assert.equal((await wisp('sims', 'update', '--help')).code, 0);
    assert.equal((await wisp('fly')).code, 2);
    // Checked before the server starts.
    const badSetting = await wisp('start', '--set', 'port=1');
    assert.equal(badSetting.code, 2);
    assert.match(badSetting.err, /--set takes NAME=VALUE/);
    assert.equal((await wisp('--version')).out, '0.2.0');
  });

  it('sims list, get and update, as tables and as JSON', async () => {
    const { sid } = await simAt(server, 'active');
    const list = await wisp('sims', 'list', '--json', '--status', 'active');
    assert.equal(list.code, 0, list.err);
    assert.ok(list.json().some((s: { sid: string }) => s.sid === sid));
    const table = await wisp('sims');
    assert.equal(table.code, 0);
    assert.match(table.out, new RegExp(sid));
    const updated = await wisp('sims', 'update', sid, '--unique-name', 'cli-1', '--status', 'suspended', '--json');
    assert.equal(updated.code, 0, updated.err);
    assert.equal(updated.json().unique_name, 'cli-1');
    await settledAt(server, sid, 'suspended');
    const got = await wisp('sims', 'get', 'cli-1', '--json');
    assert.deepEqual([got.code, got.json().sid, got.json().status], [0, sid, 'suspended']);
    const missing = await wisp('sims', 'get', 'DE' + '0'.repeat(32), '--json');
    assert.equal(missing.code, 1);
    assert.equal(missing.json().code, 20404);
    assert.equal((await wisp('sims', 'update', sid)).code, 2);
    const noCredentials = await runCli(['sims', 'list'], { out: () => {}, err: () => {}, env: { WISP_URL: server.url }, interactive: false });
    assert.equal(noCredentials, 2);
  });

  it('clock and network', async () => {
    const before = (await wisp('clock', '--json')).json();
    const advanced = await wisp('clock', 'advance', '72h', '--json');
    assert.equal(advanced.code, 0, advanced.err);
    assert.equal(advanced.json().offset_ms - before.offset_ms, 72 * 3_600_000);
    assert.equal((await wisp('clock', 'advance', 'soon')).code, 2);
    assert.equal((await wisp('clock', 'set', '2001-01-01T00:00:00Z')).code, 1);
    const set = await wisp('clock', 'set', '2099-01-01T00:00:00Z', '--json');
    assert.equal(set.json().now.slice(0, 10), '2099-01-01');

    assert.equal((await wisp('network', 'down', '--json')).json().available, false);
    assert.equal((await wisp('network', 'up', '--json')).json().available, true);
    assert.equal((await wisp('network', 'latency', '7ms', '--json')).json().latency_ms, 7);
    assert.equal((await wisp('network', 'failure-rate', '0.1', '--json')).json().failure_rate, 0.1);
    assert.equal((await wisp('network', 'failure-rate', '2')).code, 2);
    const shown = await wisp('network');
    assert.equal(shown.code, 0);
    assert.match(shown.out, /failure_rate/);
    await wisp('network', 'failure-rate', '0');
    await wisp('network', 'latency', '5ms');
  });

  it('callbacks and jobs: list, replay, retry', async () => {
    const jobs = await wisp('jobs', '--json', '--limit', '5');
    assert.equal(jobs.code, 0);
    assert.ok(jobs.json().jobs.length > 0);
    assert.equal((await wisp('jobs', 'list', '--state', 'bogus')).code, 1);
    // Only a dead job can be retried.
    const retry = await wisp('jobs', 'retry', String(jobs.json().jobs[0].id), '--json');
    assert.equal(retry.code, 1);
    assert.equal(retry.json().code, 'conflict');
    assert.equal((await wisp('jobs', 'retry', 'x')).code, 2);
    const callbacks = await wisp('callbacks', '--json');
    assert.equal(callbacks.code, 0);
    assert.deepEqual(callbacks.json().callbacks, []);
    const replay = await wisp('callbacks', 'replay', '999999', '--json');
    assert.equal(replay.code, 1);
    assert.equal(replay.json().code, 'not_found');
  });

  it('import: a summary, the rejected rows in a file, exit 1 when any were rejected', async () => {
    const good = [freshIccid(), freshIccid(), freshIccid()];
    const file = join(dir, 'cards.csv');
    writeFileSync(file, `iccid,registration_code\n${good[0]},CODE-1\n${good[1]},CODE-2\n12345,CODE-3\n${good[2]},x\n`);
    const first = await wisp('import', file, '--json');
    assert.equal(first.code, 1, first.err);
    assert.deepEqual(first.json(), { rows: 4, imported: 2, unchanged: 0, rejected: 2, rejected_file: `${file}.rejected.csv` });
    const rejected = readFileSync(`${file}.rejected.csv`, 'utf8').trim().split('\n');
    assert.equal(rejected[0], 'at,iccid,registration_code,reason');
    assert.match(rejected[1], /^line 4,12345,CODE-3,iccid must be/);
    assert.match(rejected[2], new RegExp(`^line 5,${good[2]},x,"registration_code must be`));

    const json = join(dir, 'cards.json');
    writeFileSync(json, JSON.stringify([{ iccid: good[0], registration_code: 'CODE-1' }, { iccid: good[2], registrationCode: 'CODE-3' }]));
    const second = await wisp('import', json);
    assert.equal(second.code, 0, second.err);
    assert.equal(second.out, '2 rows: 1 imported, 1 unchanged, 0 rejected');
    assert.equal((await wisp('import', join(dir, 'none.csv'))).code, 2);
  });

  it('seed, snapshot save/list/restore/delete and reset', async () => {
    const iccid = freshIccid();
    const seed = join(dir, 'seed.yaml');
    writeFileSync(seed, `ratePlans:\n  - uniqueName: cli-plan\nsims:\n  - iccid: "${iccid}"\n    uniqueName: seeded\n    ratePlan: cli-plan\n    status: active\n`);
    const seeded = await wisp('seed', seed, '--json');
    assert.equal(seeded.code, 0, seeded.err);
    assert.equal(seeded.json().sims, 1);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'sims:\n  - iccid: "89012600000000000011"\n    status: flying\n');
    const refused = await wisp('seed', bad);
    assert.equal(refused.code, 1);
    assert.match(refused.err, new RegExp(`${bad}:3: sims\\[0\\]\\.status: must be one of`));

    assert.equal((await wisp('snapshot', 'save', 'cli-base', '--json')).json().name, 'cli-base');
    assert.ok((await wisp('snapshot', '--json')).json().some((s: { name: string }) => s.name === 'cli-base'));
    const reset = await wisp('reset', '--json');
    assert.deepEqual([reset.code, reset.json()], [0, { reset: true }]);
    assert.equal((await wisp('sims', 'get', 'seeded')).code, 1);
    assert.equal((await wisp('snapshot', 'restore', 'cli-base')).code, 0);
    assert.equal((await wisp('sims', 'get', 'seeded', '--json')).json().status, 'active');
    assert.equal((await wisp('snapshot', 'delete', 'cli-base')).code, 0);
    assert.equal((await wisp('snapshot', 'restore', 'cli-base')).code, 1);
  });

  it('exit 3 when the server cannot be reached, 2 without an admin token', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await wisp('--url', `http://127.0.0.1:${port}`, 'clock');
    assert.equal(unreachable.code, 3);
    assert.match(unreachable.err, /cannot reach the server: ECONNREFUSED/);
    assert.equal((await runCli(['clock'], { out: () => {}, err: () => {}, env: { WISP_URL: server.url }, interactive: false })), 2);
    assert.equal((await wisp('--url', 'not a url', 'clock')).code, 2);
  });

  it('runs as a program: the bin entry prints JSON and exits with the code', async () => {
    // Asynchronously: the server answering it runs in this process.
    const run = promisify(execFile);
    const options = { env: { ...process.env, ...env }, encoding: 'utf8' as const };
    const result = await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'clock', '--json'], options);
    assert.equal(typeof JSON.parse(result.stdout).offset_ms, 'number');
    const failed = await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'sims', 'get', 'nope'], options).then(
      () => assert.fail('a refused request must exit non-zero'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /not found/);
  });
});
