import type { SimStatus } from '../domain/models.js';

// The upstream operator: the mobile network that really provisions SIMs. Wisp asks it to apply
// a status or rate plan and to reset a SIM's connectivity; it may be slow, down, or refuse.

export interface OperatorChange {
  simSid: string;
  iccid: string;
  /** The status the SIM should have on the network. */
  status: SimStatus;
  ratePlanSid: string | null;
}

export interface Operator {
  /** Applies a SIM's status and rate plan. Idempotent: applying the same change twice is harmless. */
  apply(change: OperatorChange): Promise<void>;
  /** Detaches the SIM from the network so that it attaches afresh. */
  reset(sim: { simSid: string; iccid: string }): Promise<void>;
}

/** The operator cannot be reached; the request should wait until it is back. */
export class OperatorUnavailable extends Error {
  constructor(message = 'The operator network is unavailable') {
    super(message);
    this.name = 'OperatorUnavailable';
  }
}

/** The operator refused the request; trying again would not help. */
export class OperatorRejected extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'OperatorRejected';
  }
}
