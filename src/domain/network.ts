import type { Clock } from './clock.js';
import type { NetworkSettings } from './models.js';
import type { Repos } from './ports.js';
import { resumeScheduled } from './sims/moves.js';

/** What an operator may change about the simulated network. */
export type NetworkChange = Partial<Pick<NetworkSettings, 'available' | 'latency_ms' | 'failure_rate'>>;

/** The simulated operator's settings, shared by every process through the database. */
export class NetworkService {
  constructor(
    private readonly store: Repos<'network' | 'jobs' | 'sims'>,
    private readonly clock: Clock,
  ) {}

  get(): Promise<NetworkSettings> {
    return this.store.network.get();
  }

  /**
   * Changes the settings. When the operator is available afterwards, every change that waited
   * for it is due again at once, in the order it was requested, and the Sims that showed
   * `scheduled` show `updating`; in the same transaction, so none is left behind.
   */
  update(change: NetworkChange): Promise<{ settings: NetworkSettings; resumed: number }> {
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const settings = await tx.network.update({ ...change, date_updated: now });
      if (!settings.available) return { settings, resumed: 0 };
      const resumed = await tx.jobs.wakeWaiting(now);
      await resumeScheduled(tx, now);
      return { settings, resumed };
    });
  }
}
