import type { Page, PageQuery } from '../models.js';
import type { Command, CommandDirection, CommandStatus, CommandTransport, DataSession, Device, UsageDelta, Zone } from './device-models.js';

// The repositories of what SIMs do; part of the Store port (ports.ts).

export interface CommandFilter {
  accountSid: string;
  simSid?: string;
  status?: CommandStatus;
  direction?: CommandDirection;
  transport?: CommandTransport;
  /** Only Commands created at or after this instant (epoch milliseconds). */
  createdSince?: number;
}

export type CommandChanges = Partial<Pick<Command, 'status' | 'error_code' | 'error_message' | 'date_updated'>>;

export interface CommandRepo {
  insert(command: Command): Promise<void>;
  get(sid: string): Promise<Command | undefined>;
  list(filter: CommandFilter, page: PageQuery): Promise<Page<Command>>;
  /** The SIDs of a Sim's to_sim Commands still queued, oldest first. */
  queuedFor(simSid: string): Promise<string[]>;
  /** Changes a Command only if it is still in status `from`; returns whether it did. */
  transition(sid: string, from: CommandStatus, changes: CommandChanges): Promise<boolean>;
  delete(sid: string): Promise<void>;
  /** Deletes up to `limit` Commands created before `before`; returns how many. */
  pruneCreatedBefore(before: number, limit: number): Promise<number>;
}

export interface DataSessionFilter {
  simSid: string;
  /** Sessions that overlap [start, end] (inclusive, epoch milliseconds). */
  start?: number;
  end?: number;
}

export interface DataSessionRepo {
  insert(session: DataSession): Promise<void>;
  /** Many at once (imports and load tests); the usage they carry is added separately. */
  insertMany(sessions: DataSession[]): Promise<void>;
  list(filter: DataSessionFilter, page: PageQuery): Promise<Page<DataSession>>;
}

export type DeviceChanges = Partial<Omit<Device, 'sim_sid'>>;

export interface DeviceRepo {
  get(simSid: string): Promise<Device | undefined>;
  /** Inserts the device, or replaces every field of the stored one. */
  put(device: Device): Promise<void>;
}

/** Sums of one scope's usage per bucket (the bucket's first hour), zone and country. */
export interface UsageSumRow {
  bucket: number;
  zone: Zone;
  country: string;
  data_upload: number;
  data_download: number;
  commands_to_sim: number;
  commands_from_sim: number;
}

export interface UsageRepo {
  /** Adds to the hourly aggregates of a scope (a SIM sid or an account sid); deltas of one key are summed. */
  add(scopeSid: string, deltas: UsageDelta[]): Promise<void>;
  /**
   * Sums a scope's usage over hours in [from, to), grouped by zone and country and, when `step`
   * is given, by bucket of `step` milliseconds (bucket = hour - hour % step; else `from`).
   */
  sum(scopeSid: string, from: number, to: number, step: number | null): Promise<UsageSumRow[]>;
}
