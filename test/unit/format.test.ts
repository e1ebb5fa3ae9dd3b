import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isoDate } from '../../src/http/format.js';

describe('isoDate', () => {
  it('writes whole seconds in UTC, the same for repeated and alternating values', () => {
    const a = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const b = 4_102_444_800_123;
    const expected = [[a, '2026-01-02T03:04:05Z'], [a, '2026-01-02T03:04:05Z'], [b, '2100-01-01T00:00:00Z'], [a, '2026-01-02T03:04:05Z'], [0, '1970-01-01T00:00:00Z']] as const;
    for (const [ms, iso] of expected) assert.equal(isoDate(ms), iso);
  });
});
