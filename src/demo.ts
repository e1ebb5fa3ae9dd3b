import type { Services } from './domain/services.js';
import type { Account, SimStatus } from './domain/models.js';
import type { Caller } from './domain/caller.js';
import { withCheckDigit } from './domain/iccid.js';

// A small living fleet for a newcomer: rate plans, a subaccount and a few dozen SIMs spread
// over the statuses. Only seeded into an empty database, and never when WISP_DEMO=0.

const PLANS = [
  { uniqueName: 'starter', friendlyName: 'Starter 100 MB', dataLimit: 100 },
  { uniqueName: 'fleet', friendlyName: 'Fleet 1 GB', dataLimit: 1000, nationalRoamingEnabled: true },
  { uniqueName: 'global', friendlyName: 'Global 5 GB', dataLimit: 5000, internationalRoaming: ['data', 'messaging'], internationalRoamingDataLimit: 500 },
];

/** Status paths through the lifecycle table, each ending at the status it names. */
const PATHS: Record<string, SimStatus[]> = {
  new: [],
  ready: ['ready'],
  active: ['active'],
  suspended: ['active', 'suspended'],
  deactivated: ['active', 'deactivated'],
};

/**
 * `settle` runs the work the updates hand to the operator; the SIMs move in rounds, one step of
 * each path at a time, because a SIM accepts no new status while its last change is applied.
 */
export async function seedDemo(services: Services, master: Account, settle: () => Promise<void>): Promise<void> {
  const caller: Caller = { account: master, credentialAccount: master, keySid: null };
  const plans = [];
  for (const plan of PLANS) plans.push(await services.ratePlans.create(caller, plan));

  const cards = Array.from({ length: 36 }, (_, i) => ({
    iccid: withCheckDigit(`890126000000000${String(i).padStart(4, '0')}`),
    registration_code: `DEMO${String(i).padStart(4, '0')}`,
  }));
  // A few more cards stay unregistered, for trying registration by hand.
  const spare = Array.from({ length: 6 }, (_, i) => ({
    iccid: withCheckDigit(`890126000000001${String(i).padStart(4, '0')}`),
    registration_code: `SPARE${i}`,
  }));
  await services.inventory.import([...cards, ...spare]);

  const statuses = Object.keys(PATHS);
  const paths: { sid: string; steps: SimStatus[] }[] = [];
  for (const [i, card] of cards.entries()) {
    const sim = await services.sims.register(caller, card.iccid, card.registration_code);
    const status = statuses[i % statuses.length];
    await services.sims.update(caller, sim.sid, {
      friendlyName: `Demo tracker ${String(i + 1).padStart(2, '0')}`,
      uniqueName: `tracker-${String(i + 1).padStart(2, '0')}`,
      ratePlan: status === 'new' && i % 2 === 0 ? undefined : plans[i % plans.length].sid,
    });
    paths.push({ sid: sim.sid, steps: PATHS[status] });
  }
  await settle();
  for (let step = 0; paths.some((p) => p.steps.length > step); step++) {
    for (const path of paths) if (path.steps[step]) await services.sims.update(caller, path.sid, { status: path.steps[step] });
    await settle();
  }
  await services.accounts.create(caller, 'Demo customer');
}
