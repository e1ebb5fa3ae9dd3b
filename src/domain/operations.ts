import type { Clock, SharedClock } from './clock.js';
import type { Repos, CallbackListFilter } from './ports.js';
import type { CallbackDelivery } from './callbacks.js';
import { enqueueDelivery } from './callbacks.js';
import type { WispJob, WispJobKind, WispTasks } from './tasks.js';
import type { JobListFilter } from '../engine/index.js';
import { DomainError, notFound } from './errors.js';

// What the operator running Wisp inspects and steers (the admin API): the callback log, the
// job queue and emulated time.

export class CallbackLog {
  constructor(
    private readonly store: Repos<'callbacks' | 'jobs'>,
    private readonly clock: Clock,
  ) {}

  /** Newest first. */
  list(filter: CallbackListFilter): Promise<CallbackDelivery[]> {
    return this.store.callbacks.list(filter);
  }

  async get(id: number): Promise<CallbackDelivery> {
    const delivery = await this.store.callbacks.get(id);
    if (!delivery) throw notFound(`Callback ${id} was not found`);
    return delivery;
  }

  /** Sends a recorded callback again, as a new delivery that names the original. */
  replay(id: number): Promise<CallbackDelivery> {
    return this.store.transaction(async (tx) => {
      const original = await tx.callbacks.get(id);
      if (!original) throw notFound(`Callback ${id} was not found`);
      const target = { url: original.url, method: original.method };
      const fields = { simSid: original.sim_sid, accountSid: original.account_sid, target, params: original.params, replayOf: original.id };
      const replay = await tx.callbacks.get(await enqueueDelivery(tx, fields, this.clock.now()));
      if (!replay) throw new Error(`the replay of callback ${id} was not stored`);
      return replay;
    });
  }
}

export class JobLog {
  constructor(
    private readonly store: Repos<'jobs'>,
    private readonly clock: Clock,
  ) {}

  /** Newest first. A kind Wisp does not have matches no job. */
  list(filter: Omit<JobListFilter<WispTasks>, 'kind'> & { kind?: string }): Promise<WispJob[]> {
    return this.store.jobs.list({ ...filter, kind: filter.kind as WispJobKind | undefined });
  }

  /** A dead job runs again now, with a fresh count of attempts. */
  async retry(id: number): Promise<WispJob> {
    if (!(await this.store.jobs.revive(id, this.clock.now()))) {
      const job = await this.store.jobs.get(id);
      if (!job) throw notFound(`Job ${id} was not found`);
      throw new DomainError('not_retryable', `Job ${id} is ${job.state}; only a dead job (whose key no newer job holds) can be retried`);
    }
    const job = await this.store.jobs.get(id);
    if (!job) throw notFound(`Job ${id} was not found`);
    return job;
  }
}

/** Emulated time: moving it runs, before it answers, every job that falls due. */
export class TimeService {
  constructor(
    readonly clock: SharedClock,
    private readonly runDue: () => Promise<{ ran: number; finished: boolean }>,
  ) {}

  async now(): Promise<number> {
    await this.clock.refresh(true);
    return this.clock.now();
  }

  async advance(seconds: number): Promise<{ ran: number; finished: boolean }> {
    await this.clock.advance(seconds);
    return this.runDue();
  }

  async set(target: number): Promise<{ ran: number; finished: boolean }> {
    await this.clock.set(target);
    return this.runDue();
  }
}
