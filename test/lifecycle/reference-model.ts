// A small reference model of the SIM lifecycle in docs/lifecycle.md, written from the docs rather than from
// the code: the request table, asynchronous changes through an operator that may be down or
// refuse, and the timers. The property test drives it and a real Wisp side by side.

export type Status = 'new' | 'ready' | 'active' | 'suspended' | 'deactivated' | 'canceled';
type Shown = Status | 'updating' | 'scheduled';

const REQUESTABLE = ['ready', 'active', 'suspended', 'deactivated'];
const YES = 'yes';
const TABLE: Record<Status, Record<string, 'yes' | 'no' | 'no-op'>> = {
  new: { ready: YES, active: YES, suspended: 'no', deactivated: YES },
  ready: { ready: 'no-op', active: YES, suspended: YES, deactivated: YES },
  active: { ready: 'no', active: 'no-op', suspended: YES, deactivated: YES },
  suspended: { ready: 'no', active: YES, suspended: 'no-op', deactivated: YES },
  deactivated: { ready: 'no', active: 'no', suspended: 'no', deactivated: 'no-op' },
  canceled: { ready: 'no', active: 'no', suspended: 'no', deactivated: 'no' },
};

const HOUR = 3_600_000;

function plusMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const daysInTarget = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), daysInTarget));
  return target.getTime();
}

type Change = Record<string, { previous: unknown; updated: unknown }>;

interface Timer {
  kind: 'activate' | 'cancel' | 'fee';
  due: number;
  held: boolean;
}

export interface ModelSim {
  status: Status;
  shown: Shown;
  plan: string | null;
  flight: { from: Status; to: Status | null; plan: { to: string | null } | null; waiting: boolean } | null;
  resetting: boolean;
  timers: Timer[];
  fees: number;
  events: Change[];
}

export interface Outcome {
  /** 200, or the HTTP status and Twilio code of the refusal. */
  status: number;
  code?: number;
  /** On success, the Sim as the answer shows it. */
  sim?: { status: Shown; plan: string | null; resetting: boolean };
}

export class LifecycleModel {
  sims: ModelSim[] = [];
  available = true;
  failing = false;

  constructor(public now: number) {}

  addSim(): void {
    this.sims.push({ status: 'new', shown: 'new', plan: null, flight: null, resetting: false, timers: [], fees: 0, events: [] });
  }

  private answer(sim: ModelSim): Outcome {
    return { status: 200, sim: { status: sim.shown, plan: sim.plan, resetting: sim.resetting } };
  }

  /** A customer's update with Status and/or RatePlan ('' removes the plan). */
  update(i: number, to: string | undefined, plan: string | undefined): Outcome {
    const sim = this.sims[i];
    if (sim.flight) return { status: 409, code: 33010 };
    let nextPlan = sim.plan;
    if (plan !== undefined) {
      nextPlan = plan === '' ? null : plan;
      if (nextPlan === null && sim.plan !== null) {
        if (to === 'suspended') return { status: 400, code: 33121 };
        if (sim.status === 'ready' || sim.status === 'active') return { status: 400, code: 33101 }; // twilio.com/docs/api/errors/33101
      }
    }
    let newStatus: Status | null = null;
    if (to !== undefined) {
      if (!REQUESTABLE.includes(to)) return { status: 400, code: 33105 };
      const cell = TABLE[sim.status][to];
      if (cell === 'no') return { status: 400, code: 33105 };
      if (cell === YES) {
        if ((to === 'ready' || to === 'active') && nextPlan === null) return { status: 400, code: 33104 };
        newStatus = to as Status;
      }
    }
    const planChanges = plan !== undefined && nextPlan !== sim.plan;
    if (newStatus !== null || planChanges) {
      sim.flight = { from: sim.status, to: newStatus, plan: planChanges ? { to: nextPlan } : null, waiting: false };
      sim.shown = this.available ? 'updating' : 'scheduled';
      for (const t of sim.timers) t.held = true;
    }
    return this.answer(sim);
  }

  reset(i: number): Outcome {
    const sim = this.sims[i];
    if (sim.flight) return { status: 409, code: 33010 };
    if (sim.resetting) return { status: 409, code: 33120 };
    if (sim.status !== 'ready' && sim.status !== 'active') return { status: 400, code: 33119 };
    sim.resetting = true;
    return this.answer(sim);
  }

  setNetwork(available: boolean, failing: boolean): void {
    this.available = available;
    this.failing = failing;
    if (!available) return;
    // Back (or still) up: whatever waited is due again, and shows `updating`.
    for (const sim of this.sims) {
      if (sim.flight) sim.flight.waiting = false;
      if (sim.shown === 'scheduled') sim.shown = 'updating';
    }
  }

  /** Moves the clock forward and runs everything that falls due. */
  advance(ms: number): void {
    this.now += ms;
    for (const sim of this.sims) this.runDue(sim);
  }

  private enter(sim: ModelSim, status: Status, at: number): void {
    sim.timers = [];
    sim.status = status;
    sim.shown = status;
    if (status === 'ready') sim.timers.push({ kind: 'activate', due: plusMonths(at, 3), held: false });
    if (status === 'deactivated') sim.timers.push({ kind: 'cancel', due: at + 72 * HOUR, held: false });
    if (status === 'suspended') sim.timers.push({ kind: 'fee', due: plusMonths(at, 3), held: false });
  }

  private runDue(sim: ModelSim): void {
    const flight = sim.flight;
    if (flight && !flight.waiting) {
      if (!this.available) {
        flight.waiting = true;
        sim.shown = 'scheduled';
      } else {
        sim.flight = null;
        for (const t of sim.timers) t.held = false;
        if (this.failing) {
          sim.shown = sim.status;
        } else {
          const status = flight.to ?? flight.from;
          const change: Change = {};
          if (status !== flight.from) change.status = { previous: flight.from, updated: status };
          if (flight.plan && flight.plan.to !== sim.plan) change.rate_plan_sid = { previous: sim.plan, updated: flight.plan.to };
          if (Object.keys(change).length > 0) sim.events.push(change);
          if (flight.plan) sim.plan = flight.plan.to;
          if (status !== flight.from) this.enter(sim, status, this.now);
          else sim.shown = sim.status;
        }
      }
    }
    if (sim.resetting && this.available) sim.resetting = false;
    for (;;) {
      const timer = sim.timers.filter((t) => !t.held && t.due <= this.now).sort((a, b) => a.due - b.due)[0];
      if (!timer) return;
      sim.timers = sim.timers.filter((t) => t !== timer);
      if (timer.kind === 'fee') {
        sim.fees += 1;
        sim.timers.push({ kind: 'fee', due: plusMonths(timer.due, 1), held: false });
      } else {
        const to: Status = timer.kind === 'activate' ? 'active' : 'canceled';
        sim.events.push({ status: { previous: sim.status, updated: to } });
        this.enter(sim, to, timer.due);
      }
    }
  }
}
