import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CANCEL_AFTER_MS, addMonths, isIntermediate, timerFor } from '../../src/domain/sims/lifecycle.js';
import { backoffMs, jitteredBackoffMs } from '../../src/engine/index.js';
import { callbackParams } from '../../src/domain/callbacks.js';
import type { Sim } from '../../src/domain/models.js';

const at = (iso: string) => Date.parse(iso);

describe('lifecycle timing rules', () => {
  it('adds calendar months in UTC, keeping the time of day and clamping to the month end', () => {
    assert.equal(addMonths(at('2024-01-15T10:20:30.400Z'), 3), at('2024-04-15T10:20:30.400Z'));
    assert.equal(addMonths(at('2023-11-30T00:00:00Z'), 3), at('2024-02-29T00:00:00Z'), 'leap year');
    assert.equal(addMonths(at('2022-11-30T00:00:00Z'), 3), at('2023-02-28T00:00:00Z'));
    assert.equal(addMonths(at('2024-10-31T23:59:59Z'), 1), at('2024-11-30T23:59:59Z'));
    assert.equal(addMonths(at('2024-12-31T12:00:00Z'), 3), at('2025-03-31T12:00:00Z'), 'across a year');
  });

  it('starts the timer of each status', () => {
    const t = at('2024-01-31T08:00:00Z');
    assert.deepEqual(timerFor('ready', t), { kind: 'activate', runAt: at('2024-04-30T08:00:00Z') });
    assert.deepEqual(timerFor('deactivated', t), { kind: 'cancel', runAt: t + CANCEL_AFTER_MS });
    assert.equal(CANCEL_AFTER_MS, 72 * 3600 * 1000);
    assert.deepEqual(timerFor('suspended', t), { kind: 'suspended-fee', runAt: at('2024-04-30T08:00:00Z') });
    for (const status of ['new', 'active', 'canceled', 'updating', 'scheduled'] as const) assert.equal(timerFor(status, t), null);
  });

  it('knows which moves end at an intermediate status (called back twice)', () => {
    assert.equal(isIntermediate('new', 'ready'), true);
    for (const from of ['new', 'ready', 'active', 'suspended'] as const) assert.equal(isIntermediate(from, 'deactivated'), true);
    assert.equal(isIntermediate('new', 'active'), false);
    assert.equal(isIntermediate('ready', 'active'), false);
    assert.equal(isIntermediate('active', 'suspended'), false);
    assert.equal(isIntermediate('deactivated', 'deactivated'), false);
  });

  it('backs off exponentially up to the bound', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 100].map((n) => backoffMs(n, 1000, 10_000)), [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('spreads retries: a jittered backoff lies between half the backoff and all of it', () => {
    assert.equal(jitteredBackoffMs(3, 1000, 10_000, () => 0), 2000);
    assert.equal(jitteredBackoffMs(3, 1000, 10_000, () => 1), 4000);
    const spread = new Set(Array.from({ length: 50 }, () => jitteredBackoffMs(4, 1000, 10_000)));
    assert.ok([...spread].every((ms) => ms >= 4000 && ms <= 8000));
    assert.ok(spread.size > 1, 'retries of jobs that failed together do not all fall due at once');
  });

  it('builds the seven callback parameters', () => {
    const sim = { sid: 'DE1', account_sid: 'AC1', unique_name: null, status: 'active' } as Sim;
    assert.deepEqual(callbackParams(sim, null), { AccountSid: 'AC1', ApiVersion: 'v1', ErrorCode: '', ErrorMessage: '', SimSid: 'DE1', SimStatus: 'active', SimUniqueName: '' });
    assert.deepEqual(callbackParams({ ...sim, unique_name: 'x' }, { code: 33105, message: 'no' }), {
      AccountSid: 'AC1',
      ApiVersion: 'v1',
      ErrorCode: '33105',
      ErrorMessage: 'no',
      SimSid: 'DE1',
      SimStatus: 'active',
      SimUniqueName: 'x',
    });
  });
});
