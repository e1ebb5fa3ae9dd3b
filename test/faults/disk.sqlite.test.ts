import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { connect } from '../../src/store/connect.js';
import { runWispToExit } from '../helpers/wisp-process.js';
import { ACCOUNT_SID, AUTH_TOKEN, WISP_COMMAND, startWispProcess, stopProcess, type WispProcess } from '../helpers/processes.js';
import { inMountNamespace, mountPoint, readOnly, seenBy, smallDisk } from '../helpers/mount-namespace.js';

// The SQLite file on a disk that is read-only, or full, for real: a mount of the process's own
// (mount-namespace.ts). A read-only database stops the start with one line naming the cause and
// DATABASE_URL; a disk that fills while Wisp runs fails writes with a Twilio 503, logs the cause
// once, not once per request, loses nothing it acknowledged, and recovers when space is freed.

const wrapped = (setup: string) => inMountNamespace(setup, WISP_COMMAND.command, WISP_COMMAND.args);
const BASIC = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');

describe('a read-only database at start', () => {
  it('an existing database: one line naming the cause and DATABASE_URL, exit 1', async () => {
    const mount = mountPoint();
    try {
      const { db } = await connect(`sqlite:${mount.dir}/wisp.db`);
      await db.destroy();
      const { code, stderr } = await runWispToExit({ DATABASE_URL: `sqlite:${mount.dir}/wisp.db` }, 60_000, wrapped(readOnly(mount.dir)));
      assert.equal(code, 1, stderr);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, /^wisp: cannot use the SQLite database at .*wisp\.db: .* is on a read-only file system: the database is read-only; .* or point DATABASE_URL elsewhere/);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    } finally {
      mount.cleanup();
    }
  });

  it('a database still to be created in a read-only folder: the same', async () => {
    const mount = mountPoint();
    try {
      const { code, stderr } = await runWispToExit({ DATABASE_URL: `sqlite:${mount.dir}/wisp.db` }, 60_000, wrapped(readOnly(mount.dir)));
      assert.equal(code, 1, stderr);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, /is on a read-only file system: the database is read-only; .*DATABASE_URL/);
    } finally {
      mount.cleanup();
    }
  });
});

describe('a full disk at start', () => {
  it('one line naming the cause and DATABASE_URL, exit 1', async () => {
    const mount = mountPoint();
    try {
      // Room for the database file to be opened, not for its schema to be written.
      const { code, stderr } = await runWispToExit({ DATABASE_URL: `sqlite:${mount.dir}/wisp.db` }, 60_000, wrapped(smallDisk(mount.dir, 16)));
      assert.equal(code, 1, stderr);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, /^wisp: .*disk.* is full; free space there, or point DATABASE_URL elsewhere/);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    } finally {
      mount.cleanup();
    }
  });
});

describe('a disk that fills while Wisp runs', () => {
  const mount = mountPoint();
  let wisp: WispProcess;
  let filler = '';
  before(async () => {
    wisp = await startWispProcess(`sqlite:${mount.dir}/wisp.db`, { LOG_LEVEL: 'warn' }, wrapped(smallDisk(mount.dir, 4096)));
    filler = seenBy(wisp.child.pid as number, `${mount.dir}/filler`);
  });
  after(async () => {
    await stopProcess(wisp);
    mount.cleanup();
  });

  const createPlan = async (name: string) => {
    const res = await fetch(`${wisp.url}/v1/RatePlans`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ UniqueName: name }).toString(),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
  };
  const planNames = async () => {
    const res = await fetch(`${wisp.url}/v1/RatePlans?PageSize=1000`, { headers: { authorization: BASIC } });
    assert.equal(res.status, 200, 'reads go on while the disk is full');
    return ((await res.json()) as { rate_plans: { unique_name: string }[] }).rate_plans.map((p) => p.unique_name).sort();
  };

  /** Fills the process's disk to the last byte. */
  function fill(): void {
    const fd = openSync(filler, 'w');
    try {
      for (const size of [1024 * 1024, 4096, 1]) {
        const chunk = Buffer.alloc(size);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (error) {
          if ((error as { code?: string }).code !== 'ENOSPC') throw error;
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  it('answers writes 503 with code 33004, logs the cause once, keeps what it acknowledged, and recovers', async () => {
    assert.equal((await createPlan('before')).status, 201);
    fill();
    const refused = [];
    for (let i = 0; i < 40; i++) refused.push(await createPlan(`while-full-${i}`));
    for (const res of refused) {
      assert.equal(res.status, 503, JSON.stringify(res.body));
      // 33004, Wireless's "Service is unavailable" (20503 outside Wireless).
      assert.deepEqual(res.body, {
        code: 33004,
        message: 'Service Unavailable: the database cannot be used right now; try again shortly',
        more_info: 'https://www.twilio.com/docs/errors/33004',
        status: 503,
      });
      assert.equal(res.retryAfter, '1');
    }
    assert.deepEqual(await planNames(), ['before']);

    rmSync(filler);
    const first = await createPlan('after');
    assert.equal(first.status, 201, 'the first write after space is freed succeeds');
    assert.deepEqual(await planNames(), ['after', 'before'], 'nothing refused was half written');
    assert.equal(wisp.child.exitCode, null);

    // 40 refused requests and the worker's own writes meanwhile: one line, naming the cause and
    // the setting (another only if the test ran past the 10 s interval), and nothing else.
    const lines = wisp.output().split('\n').filter((l) => l.startsWith('{'));
    const faults = lines.filter((l) => l.includes('database fault'));
    assert.ok(faults.length >= 1 && faults.length <= 2, `the fault is logged once, not per request:\n${lines.join('\n')}`);
    const [line] = faults.map((l) => JSON.parse(l) as { msg: string; fault: string; hint: string });
    assert.equal(line.msg, 'database fault: the database disk is full');
    assert.equal(line.fault, 'disk_full');
    assert.match(line.hint, /DATABASE_URL/);
    assert.deepEqual(lines.filter((l) => !l.includes('database fault')), [], 'no other line: no stack trace, no line per request');
  });
});
