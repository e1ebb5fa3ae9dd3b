import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canRemoveRatePlan, checkTransition } from '../../src/domain/sims/lifecycle.js';
import { DomainError } from '../../src/domain/errors.js';
import type { SimStatus } from '../../src/domain/models.js';

// The customer-requested transitions of docs/lifecycle.md, cell by cell. 'plan' marks the cells that
// are allowed only when the SIM has a rate plan.
type Cell = 'yes' | 'plan' | 'no-op' | 'no';
const TABLE: Record<string, Record<'ready' | 'active' | 'suspended' | 'deactivated', Cell>> = {
  new: { ready: 'plan', active: 'plan', suspended: 'no', deactivated: 'yes' },
  ready: { ready: 'no-op', active: 'plan', suspended: 'yes', deactivated: 'yes' },
  active: { ready: 'no', active: 'no-op', suspended: 'yes', deactivated: 'yes' },
  suspended: { ready: 'no', active: 'plan', suspended: 'no-op', deactivated: 'yes' },
  deactivated: { ready: 'no', active: 'no', suspended: 'no', deactivated: 'no-op' },
  canceled: { ready: 'no', active: 'no', suspended: 'no', deactivated: 'no' },
};

function outcome(from: string, to: string, hasPlan: boolean): string {
  try {
    return checkTransition(from as SimStatus, to, hasPlan);
  } catch (error) {
    assert.ok(error instanceof DomainError, `a refusal is a DomainError, got ${String(error)}`);
    assert.ok(error.message.length > 10, 'a refusal says why');
    return error.code;
  }
}

describe('the SIM lifecycle table', () => {
  for (const [from, row] of Object.entries(TABLE)) {
    for (const [to, cell] of Object.entries(row)) {
      it(`${from} -> ${to}: ${cell}`, () => {
        const withPlan = outcome(from, to, true);
        const withoutPlan = outcome(from, to, false);
        switch (cell) {
          case 'yes':
            assert.equal(withPlan, 'allowed');
            assert.equal(withoutPlan, 'allowed');
            break;
          case 'plan':
            assert.equal(withPlan, 'allowed');
            assert.equal(withoutPlan, 'rate_plan_required');
            break;
          case 'no-op':
            assert.equal(withPlan, 'no-op');
            assert.equal(withoutPlan, 'no-op');
            break;
          case 'no':
            assert.equal(withPlan, 'invalid_transition');
            assert.equal(withoutPlan, 'invalid_transition');
            break;
        }
      });
    }
  }

  it('names both statuses when it refuses a move', () => {
    assert.throws(() => checkTransition('active', 'ready', true), /active to ready/);
  });

  it('never returns a SIM to new, from any status', () => {
    for (const from of Object.keys(TABLE)) {
      assert.throws(() => checkTransition(from as SimStatus, 'new', true), (e: DomainError) => e.code === 'invalid_transition' && /never return to status new/.test(e.message));
    }
  });

  it('refuses to request the transient and final statuses', () => {
    for (const to of ['updating', 'scheduled', 'canceled', 'bogus']) {
      for (const from of Object.keys(TABLE)) assert.equal(outcome(from, to, true), 'invalid_transition', `${from} -> ${to}`);
    }
  });

  it('refuses every request while a change is in flight', () => {
    for (const from of ['updating', 'scheduled']) {
      for (const to of ['ready', 'active', 'suspended', 'deactivated', 'new']) {
        assert.equal(outcome(from, to, true), 'update_in_progress', `${from} -> ${to}`);
      }
    }
  });

  it('lets only a SIM that cannot attach lose its rate plan', () => {
    const removable: Record<string, boolean> = { new: true, ready: false, active: false, suspended: true, deactivated: true, canceled: true };
    for (const [status, expected] of Object.entries(removable)) {
      assert.equal(canRemoveRatePlan(status as SimStatus), expected, status);
    }
  });
});
