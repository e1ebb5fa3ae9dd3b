import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import type { UsageDelta } from '../../src/domain/devices/device-models.js';
import { DAY, HOUR } from '../../src/domain/devices/usage-periods.js';

const T0 = Date.parse('2025-01-31T22:00:00Z');
const delta = (hour: number, up: number, extra: Partial<UsageDelta> = {}): UsageDelta => ({
  hour,
  zone: 'home',
  country: '',
  data_upload: up,
  data_download: 2 * up,
  commands_to_sim: 0,
  commands_from_sim: 0,
  ...extra,
});

describe('The hourly usage aggregates in the store', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('adds to existing hours, sums repeated keys in one call, and groups by bucket, zone and country', async () => {
    const { store } = server.wisp;
    const scope = 'DE' + '1'.repeat(32);
    await store.usage.add(scope, [delta(T0, 1), delta(T0, 2), delta(T0 + HOUR, 4)]);
    await store.transaction((tx) =>
      tx.usage.add(scope, [
        delta(T0 + HOUR, 8),
        delta(T0 + 2 * HOUR, 16, { zone: 'international_roaming', country: 'MEX', commands_from_sim: 1 }),
        delta(T0 + 2 * HOUR, 32, { zone: 'international_roaming', country: 'CAN' }),
        delta(T0 + 2 * HOUR, 64, { zone: 'national_roaming', commands_to_sim: 3 }),
      ]),
    );
    await store.usage.add('DE' + '2'.repeat(32), [delta(T0, 1000)]);

    const all = await store.usage.sum(scope, T0, T0 + 3 * HOUR, null);
    const key = (r: { zone: string; country: string }) => `${r.zone}/${r.country}`;
    assert.deepEqual(
      all.map((r) => [key(r), r.bucket, r.data_upload, r.data_download, r.commands_to_sim, r.commands_from_sim]).sort(),
      [
        ['home/', T0, 15, 30, 0, 0],
        ['international_roaming/CAN', T0, 32, 64, 0, 0],
        ['international_roaming/MEX', T0, 16, 32, 0, 1],
        ['national_roaming/', T0, 64, 128, 3, 0],
      ].sort(),
    );
    const hourly = await store.usage.sum(scope, T0, T0 + 2 * HOUR, HOUR);
    assert.deepEqual(hourly.map((r) => [r.bucket, r.data_upload]).sort(), [[T0, 3], [T0 + HOUR, 12]]);
    const daily = await store.usage.sum(scope, T0, T0 + 3 * HOUR, DAY);
    // 22:00 and 23:00 fall on January 31; 00:00 is February 1.
    assert.deepEqual(
      daily.map((r) => [key(r), new Date(r.bucket).toISOString(), r.data_upload]).sort(),
      [
        ['home/', '2025-01-31T00:00:00.000Z', 15],
        ['international_roaming/CAN', '2025-02-01T00:00:00.000Z', 32],
        ['international_roaming/MEX', '2025-02-01T00:00:00.000Z', 16],
        ['national_roaming/', '2025-02-01T00:00:00.000Z', 64],
      ],
    );
    assert.deepEqual(await store.usage.sum(scope, T0 + 3 * HOUR, T0 + 4 * HOUR, null), []);
  });
});
