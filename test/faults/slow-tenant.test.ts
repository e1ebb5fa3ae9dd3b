import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startFastServer, startReceiver, until, type Receiver } from '../helpers/lifecycle.js';
import { registerSims, subaccount } from '../helpers/sims.js';
import type { TestServer } from '../helpers/server.js';
import { startFirehose, startLoris, type Loris } from '../helpers/slow-receivers.js';

// One account's callback receivers are slow (they trickle their answer a byte at a time) or
// hostile (an endless answer). Another account's changes and callbacks go on as usual: the
// operator's work, timers and callbacks have slots of their own, and callbacks are shared out
// by account. An answer is read up to 64 KB and the connection closed.

describe('a slow or hostile callback tenant', () => {
  let server: TestServer;
  let loris: Loris;
  let hook: Receiver;

  before(async () => {
    server = await startFastServer({
      WISP_WORKER_CONCURRENCY: '4',
      WISP_CALLBACK_CONCURRENCY: '4',
      WISP_CALLBACK_PER_ACCOUNT: '2',
      WISP_CALLBACK_TIMEOUT_MS: '30000',
      WISP_CALLBACK_MAX_ATTEMPTS: '1',
    });
    loris = await startLoris();
    hook = await startReceiver();
  });
  after(async () => {
    await loris.close();
    await hook.close();
    await server.close();
  });

  const callbacksOf = async (accountSid: string) => {
    const { body } = await server.admin('GET', '/admin/v1/Callbacks?limit=1000');
    return (body.callbacks as { account_sid: string; state: string }[]).filter((c) => c.account_sid === accountSid);
  };

  it("does not delay another account's status change and callback", async () => {
    const slow = await subaccount(server, 'slow receivers');
    const fine = await subaccount(server, 'fine receivers');
    const slowSims = await registerSims(server, 10, slow);
    const [fineSim] = await registerSims(server, 1, fine);
    for (const sim of slowSims) {
      const res = await server.request('POST', `/v1/Sims/${sim.sid}`, { form: { Status: 'deactivated', CallbackUrl: `${loris.url}/${sim.sid}` } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    // The slow account holds its share of the callback slots, and no more.
    await until('the slow receivers are trickling', async () => loris.open, (n) => n === 2, { tries: 500 });

    const res = await server.request('POST', `/v1/Sims/${fineSim.sid}`, { form: { Status: 'deactivated', CallbackUrl: `${hook.url}/fine` } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [callback] = await hook.waitFor('/fine', 1);
    assert.equal(callback.params.SimStatus, 'deactivated');
    assert.equal(callback.params.AccountSid, fine.sid);
    // The attempt is recorded once the receiver's answer is in.
    await until('the fine callback is recorded delivered', () => callbacksOf(fine.sid), (list) => list.length === 1 && list[0].state === 'delivered');

    // Meanwhile the slow account's callbacks are all still stuck or waiting their turn.
    const slowCallbacks = await callbacksOf(slow.sid);
    assert.equal(slowCallbacks.length, slowSims.length);
    assert.ok(slowCallbacks.every((c) => c.state === 'pending'), JSON.stringify(slowCallbacks.map((c) => c.state)));
    assert.equal(loris.most, 2, 'never more than the per-account limit at once');
  });

  it('reads at most 64 KB of an endless answer and closes the connection', async (t) => {
    const limit = 256 * 1024 * 1024;
    const firehose = await startFirehose(limit);
    try {
      const owner = await subaccount(server, 'firehose');
      const [sim] = await registerSims(server, 1, owner);
      const rssBefore = process.memoryUsage().rss;
      const res = await server.request('POST', `/v1/Sims/${sim.sid}`, { form: { Status: 'deactivated', CallbackUrl: `${firehose.url}/big` } });
      assert.equal(res.status, 200);
      const [delivery] = await until('the callback is delivered', () => callbacksOf(owner.sid), (list) => list.length === 1 && list[0].state === 'delivered', { tries: 500 });
      const { body } = await server.admin('GET', `/admin/v1/Callbacks/${(delivery as unknown as { id: number }).id}`);
      assert.equal(body.response.status, 200);
      assert.ok(body.response.body.length <= 2000, `the stored answer is capped (${body.response.body.length})`);
      await until('the receiver sees the connection closed', async () => firehose.written(), (n) => n > 0);
      assert.ok(firehose.written() < limit, `the connection was closed early (${firehose.written()} of ${limit} bytes written)`);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      t.diagnostic(`RSS change while the answer was cut off: ${Math.round((process.memoryUsage().rss - rssBefore) / 1048576)} MB`);
    } finally {
      await firehose.close();
    }
  });
});
