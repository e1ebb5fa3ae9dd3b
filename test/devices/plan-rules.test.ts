import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRatePlan, type RatePlanInput } from '../../src/domain/rate-plans.js';
import {
  ACTIVATION_DATA_BYTES,
  HOME_NETWORK,
  MB,
  THROTTLED_BYTES_PER_SECOND,
  commandRefusal,
  dataAllowance,
  dataRefusal,
  fitToAllowance,
  reachesActivation,
  zoneOf,
} from '../../src/domain/devices/plan-rules.js';
import { MAX_BINARY_BYTES, MAX_TEXT_CHARS, MAX_TEXT_WITH_SID, buildMessage, decodeBinary } from '../../src/domain/devices/command-payload.js';
import type { SimStatus } from '../../src/domain/models.js';

const plan = (input: RatePlanInput = {}) => buildRatePlan('AC' + '0'.repeat(32), input, 0);
const ATT = { operator_mcc: '310', operator_mnc: '410', operator_country: 'USA', operator_name: 'AT&T' };
const VODAFONE_UK = { operator_mcc: '234', operator_mnc: '15', operator_country: 'GBR', operator_name: 'Vodafone UK' };

describe('zones', () => {
  it('tells the home network, other US networks and networks abroad apart', () => {
    assert.equal(zoneOf(HOME_NETWORK), 'home');
    assert.equal(zoneOf(ATT), 'national_roaming');
    assert.equal(zoneOf({ ...ATT, operator_mcc: '311', operator_mnc: '480' }), 'national_roaming');
    assert.equal(zoneOf(VODAFONE_UK), 'international_roaming');
  });
});

describe('what the plan allows', () => {
  const attached: SimStatus[] = ['ready', 'active'];
  const detached: SimStatus[] = ['new', 'suspended', 'deactivated', 'canceled'];

  it('only ready and active SIMs use data or Commands; in-flight ones are marked as such', () => {
    for (const s of attached) {
      assert.equal(dataRefusal(s, plan(), 'home'), null);
      assert.equal(commandRefusal(s, plan(), 'home'), null);
    }
    for (const s of detached) {
      assert.equal(dataRefusal(s, plan(), 'home')?.reason, 'sim_status');
      assert.equal(commandRefusal(s, plan(), 'home')?.reason, 'sim_status');
      assert.equal(commandRefusal(s, plan(), 'home')?.errorCode, 30003);
    }
    for (const s of ['updating', 'scheduled'] as SimStatus[]) assert.equal(commandRefusal(s, plan(), 'home')?.reason, 'sim_updating');
    assert.equal(commandRefusal('active', undefined, 'home')?.reason, 'no_rate_plan');
  });

  it('data_enabled blocks data and nothing else', () => {
    const p = plan({ dataEnabled: false });
    assert.equal(dataRefusal('active', p, 'home')?.reason, 'data_disabled');
    assert.equal(commandRefusal('active', p, 'home'), null);
  });

  it('messaging_enabled blocks Commands and nothing else', () => {
    const p = plan({ messagingEnabled: false });
    assert.equal(commandRefusal('active', p, 'home')?.reason, 'messaging_disabled');
    assert.equal(commandRefusal('active', p, 'home')?.errorCode, 30004);
    assert.equal(dataRefusal('active', p, 'home'), null);
  });

  it('national roaming off blocks other US networks, not the home one', () => {
    const p = plan({ nationalRoamingEnabled: false });
    assert.equal(dataRefusal('active', p, 'national_roaming')?.reason, 'national_roaming_disabled');
    assert.equal(commandRefusal('active', p, 'national_roaming')?.reason, 'national_roaming_disabled');
    assert.equal(dataRefusal('active', p, 'home'), null);
    assert.equal(dataRefusal('active', plan(), 'national_roaming'), null);
  });

  it('international roaming allows exactly the services it lists', () => {
    assert.equal(dataRefusal('active', plan(), 'international_roaming')?.reason, 'international_data_disabled');
    assert.equal(commandRefusal('active', plan(), 'international_roaming')?.reason, 'international_messaging_disabled');
    const dataOnly = plan({ internationalRoaming: ['data'], internationalRoamingDataLimit: 10 });
    assert.equal(dataRefusal('active', dataOnly, 'international_roaming'), null);
    assert.equal(commandRefusal('active', dataOnly, 'international_roaming')?.reason, 'international_messaging_disabled');
    const messagingOnly = plan({ internationalRoaming: ['messaging'] });
    assert.equal(commandRefusal('active', messagingOnly, 'international_roaming'), null);
    assert.equal(dataRefusal('active', messagingOnly, 'international_roaming')?.reason, 'international_data_disabled');
  });
});

describe('data limits', () => {
  it('carries everything under the limit', () => {
    assert.deepEqual(dataAllowance(plan({ dataLimit: 2 }), 'home', MB, MB, 60), { bytes: MB, throttled: false });
  });

  it('block: cuts the session at the limit, then refuses the next one', () => {
    const p = plan({ dataLimit: 1 });
    assert.deepEqual(dataAllowance(p, 'home', MB - 100, 1000, 60), { bytes: 100, throttled: false });
    const refused = dataAllowance(p, 'home', MB, 1, 60);
    assert.ok('reason' in refused && refused.reason === 'data_limit_reached');
  });

  it('throttle: past the limit, carries at most 64 kbit/s for the session duration', () => {
    const p = plan({ dataLimit: 1, dataLimitStrategy: 'throttle' });
    assert.deepEqual(dataAllowance(p, 'home', MB, 10 * MB, 10), { bytes: 10 * THROTTLED_BYTES_PER_SECOND, throttled: true });
    assert.deepEqual(dataAllowance(p, 'home', MB - 100, 100_000, 1), { bytes: 100 + THROTTLED_BYTES_PER_SECOND, throttled: true });
    assert.deepEqual(dataAllowance(p, 'home', MB, 1000, 10), { bytes: 1000, throttled: true });
  });

  it('each zone is metered against its own limit', () => {
    const p = plan({ dataLimit: 1, nationalRoamingDataLimit: 3, internationalRoaming: ['data'], internationalRoamingDataLimit: 0 });
    assert.ok('reason' in dataAllowance(p, 'home', MB, 1, 60));
    assert.deepEqual(dataAllowance(p, 'national_roaming', MB, MB, 60), { bytes: MB, throttled: false });
    assert.ok('reason' in dataAllowance(p, 'international_roaming', 0, 1, 60), 'a zero limit abroad carries nothing');
  });

  it('shares a cut between upload and download in proportion', () => {
    assert.deepEqual(fitToAllowance(300, 700, 500), { upload: 150, download: 350 });
    assert.deepEqual(fitToAllowance(1, 2, 10), { upload: 1, download: 2 });
    const big = fitToAllowance(2 ** 49, 2 ** 49, 2 ** 48);
    assert.equal(big.upload + big.download, 2 ** 48);
  });
});

describe('usage-driven activation', () => {
  it('happens at 250 KB of data or the fifth Command', () => {
    assert.equal(ACTIVATION_DATA_BYTES, 256_000);
    assert.equal(reachesActivation({ data_bytes_total: 255_999, commands_total: 4 }), false);
    assert.equal(reachesActivation({ data_bytes_total: 256_000, commands_total: 0 }), true);
    assert.equal(reachesActivation({ data_bytes_total: 0, commands_total: 5 }), true);
  });
});

describe('Command messages', () => {
  const sid = 'DC' + 'a'.repeat(32);

  it('text: up to 160 single-byte characters', () => {
    assert.equal(buildMessage('text', 'x'.repeat(MAX_TEXT_CHARS), 'none', sid), 'x'.repeat(160));
    assert.equal(buildMessage('text', 'caf\u00e9', 'none', sid), 'caf\u00e9');
    assert.throws(() => buildMessage('text', 'x'.repeat(161), 'none', sid), /at most 160/);
    assert.throws(() => buildMessage('text', 'snow \u2603', 'none', sid), /single-byte/);
    assert.throws(() => buildMessage('text', '', 'none', sid), /empty/);
  });

  it('IncludeSid puts the SID at the start or the end; the text may then be 128 characters', () => {
    assert.equal(buildMessage('text', 'wake', 'start', sid), `${sid} wake`);
    assert.equal(buildMessage('text', 'wake', 'end', sid), `wake ${sid}`);
    assert.ok(buildMessage('text', 'x'.repeat(MAX_TEXT_WITH_SID), 'end', sid).endsWith(sid));
    assert.throws(() => buildMessage('text', 'x'.repeat(129), 'start', sid), /at most 128/);
    assert.throws(() => buildMessage('binary', 'AQID', 'start', sid), /text mode only/);
  });

  it('binary: canonical base64 of 1 to 140 bytes', () => {
    const bytes = Buffer.from(Array.from({ length: MAX_BINARY_BYTES }, (_, i) => (i * 37) % 256));
    assert.deepEqual(decodeBinary(bytes.toString('base64')), bytes);
    assert.equal(buildMessage('binary', 'AAEC/w==', 'none', sid), 'AAEC/w==');
    assert.throws(() => decodeBinary(Buffer.alloc(141).toString('base64')), /at most 140 bytes/);
    assert.throws(() => decodeBinary('AAEC/w'), /base64/);
    assert.throws(() => decodeBinary('not base64!'), /base64/);
    assert.throws(() => decodeBinary('AAF='), /canonical/);
  });
});
