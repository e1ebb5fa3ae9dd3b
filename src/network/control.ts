import type { Store } from '../store/store.js';
import type { Clock } from '../domain/clock.js';
import type { NetworkSettings } from '../domain/outbox.js';
import type { NetworkChange } from './settings.js';

/**
 * Changes the simulated operator's settings. When the operator is available afterwards, every
 * change that waited for it is due again at once, in the order it was requested, and the Sims
 * that showed `scheduled` show `updating`; in the same transaction, so none is left behind.
 */
export async function updateNetwork(store: Store, clock: Clock, change: NetworkChange): Promise<{ settings: NetworkSettings; resumed: number }> {
  return store.transaction(async (tx) => {
    const now = clock.now();
    const settings = await tx.network.update({ ...change, date_updated: now });
    if (!settings.available) return { settings, resumed: 0 };
    const resumed = await tx.jobs.wakeWaiting(now);
    await tx.sims.resumeScheduled(now);
    return { settings, resumed };
  });
}
