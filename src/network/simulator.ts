import type { NetworkRepo } from '../domain/ports.js';
import type { NetworkSettings } from '../domain/models.js';
import { type Operator, type OperatorChange, OperatorRejected, OperatorUnavailable } from './operator.js';

/** Twilio's "Transition invalid": the network refused to move the SIM. */
export const REJECTION_CODE = 33105;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The default operator: a simulation whose latency, availability and failure rate live in the
 * database (network_state), so the admin API changes them for every process at once.
 */
export class SimulatedOperator implements Operator {
  constructor(
    private readonly network: NetworkRepo,
    private readonly random: () => number = Math.random,
  ) {}

  async apply(change: OperatorChange): Promise<void> {
    await this.call(`cannot move SIM ${change.iccid} to ${change.status}`);
  }

  async reset(sim: { simSid: string; iccid: string }): Promise<void> {
    await this.call(`cannot reset the connectivity of SIM ${sim.iccid}`);
  }

  private async call(refusal: string): Promise<void> {
    const before = await this.network.get();
    if (!before.available) throw new OperatorUnavailable();
    if (before.latency_ms > 0) await sleep(before.latency_ms);
    // An outage that starts while the request is on its way also loses it.
    const after: NetworkSettings = before.latency_ms > 0 ? await this.network.get() : before;
    if (!after.available) throw new OperatorUnavailable();
    if (after.failure_rate > 0 && this.random() < after.failure_rate) {
      throw new OperatorRejected(REJECTION_CODE, `The operator rejected the request: ${refusal}`);
    }
  }
}
