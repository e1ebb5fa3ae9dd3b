import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '../helpers/server.js';
import { startFastServer } from '../helpers/lifecycle.js';
import { runCli } from '../../src/cli/program.js';
import { activeSims, statuses } from '../bulk/helpers.js';

// `wisp sims bulk` and `wisp sims batch` against a real server.

describe('wisp sims bulk', () => {
  let server: TestServer;
  let dir: string;
  const wisp = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = { WISP_URL: server.url, WISP_ACCOUNT_SID: server.accountSid, WISP_AUTH_TOKEN: server.authToken };
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env, interactive: false });
    return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
  };
  before(async () => {
    server = await startFastServer();
    dir = mkdtempSync(join(tmpdir(), 'wisp-bulk-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('previews with --dry-run, then changes every SIM a filter selects and follows it with --wait', async () => {
    const sims = await activeSims(server, 3);
    const dry = await wisp('--json', 'sims', 'bulk', '--filter', 'status=active', '--set', 'status=suspended', '--dry-run');
    assert.equal(dry.code, 0, dry.err);
    assert.equal(dry.json().total, 3);
    assert.equal(dry.json().would_apply, 3);
    assert.deepEqual(await statuses(server, sims), ['active', 'active', 'active']);
    const run = await wisp('sims', 'bulk', '--filter', 'status=active', '--set', 'status=suspended', '--wait');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^WB[0-9a-f]{32} completed: 3 applied, 0 refused, 0 skipped, 0 pending of 3$/);
    const command = await wisp('--json', 'sims', 'bulk', '--filter', 'status=suspended', '--command', 'reboot', '--dry-run');
    assert.equal(command.code, 0, command.err);
    assert.deepEqual(command.json().action, { Command: 'reboot' });
    assert.equal(command.json().refusals[0].code, 33104, 'a suspended SIM takes no Command');
    const list = await wisp('--json', 'sims', 'batch');
    assert.equal(list.json()[0].status, 'completed');
  });

  it('takes SIMs from a file, schedules with --start-at, lists refused items and cancels', async () => {
    const sims = await activeSims(server, 2);
    const file = join(dir, 'sims.txt');
    writeFileSync(file, `${sims[0].sid}\n${sims[1].sid}\nno-such-sim\n`);
    const clock = await server.admin('GET', '/admin/v1/Clock');
    const later = new Date(Date.parse(clock.body.now) + 3600_000).toISOString();
    const created = await wisp('--json', 'sims', 'bulk', '--file', file, '--set', 'status=deactivated', '--start-at', later);
    assert.equal(created.code, 0, created.err);
    const batch = created.json();
    assert.equal(batch.status, 'queued');
    const refused = await wisp('--json', 'sims', 'batch', batch.sid, '--items', 'refused');
    assert.deepEqual(refused.json().map((i: any) => [i.sim, i.error_code]), [['no-such-sim', 20404]]);
    const canceled = await wisp('--json', 'sims', 'batch', batch.sid, '--cancel');
    assert.equal(canceled.json().status, 'canceled');
    assert.equal(canceled.json().counts.skipped, 2);
    assert.deepEqual(await statuses(server, sims), ['active', 'active']);
    const again = await wisp('sims', 'batch', batch.sid, '--cancel');
    assert.equal(again.code, 1);
    assert.match(again.err, /Twilio error 20409/);
  });

  it('refuses bad arguments with exit 2 and sends nothing', async () => {
    assert.equal((await wisp('sims', 'bulk', '--set', 'status=suspended')).code, 2);
    assert.equal((await wisp('sims', 'bulk', '--filter', 'status=active')).code, 2);
    assert.equal((await wisp('sims', 'bulk', '--filter', 'colour=red', '--set', 'status=suspended')).code, 2);
    assert.equal((await wisp('sims', 'bulk', '--filter', 'status=active', '--set', 'mood')).code, 2);
    assert.equal((await wisp('sims', 'bulk', '--file', join(dir, 'missing.txt'), '--set', 'status=suspended')).code, 2);
    const bad = await wisp('sims', 'bulk', '--filter', 'status=active', '--set', 'status=asleep');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /Twilio error 20001/);
  });
});
