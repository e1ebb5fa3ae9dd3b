import type { Kysely } from 'kysely';
import { type Dialect, seqColumn, timeType } from './columns.js';

// Commands, data sessions, simulated devices and the hourly usage aggregates.
export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const big = timeType(dialect);

    await db.schema
      .createTable('commands')
      .addColumn('seq', seqColumn(dialect).type, seqColumn(dialect).build)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('sim_sid', 'text', (c) => c.notNull())
      .addColumn('command', 'text', (c) => c.notNull())
      .addColumn('command_mode', 'text', (c) => c.notNull())
      .addColumn('transport', 'text', (c) => c.notNull())
      .addColumn('delivery_receipt_requested', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('callback_url', 'text')
      .addColumn('callback_method', 'text', (c) => c.notNull())
      .addColumn('error_code', 'integer')
      .addColumn('error_message', 'text')
      .addColumn('date_created', big, (c) => c.notNull())
      .addColumn('date_updated', big, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('commands_account').on('commands').columns(['account_sid', 'seq']).execute();
    await db.schema.createIndex('commands_account_status').on('commands').columns(['account_sid', 'status', 'seq']).execute();
    await db.schema.createIndex('commands_sim').on('commands').columns(['sim_sid', 'seq']).execute();
    await db.schema.createIndex('commands_sim_status').on('commands').columns(['sim_sid', 'status', 'seq']).execute();

    await db.schema
      .createTable('data_sessions')
      .addColumn('seq', seqColumn(dialect).type, seqColumn(dialect).build)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('sim_sid', 'text', (c) => c.notNull())
      .addColumn('zone', 'text', (c) => c.notNull())
      .addColumn('radio_link', 'text', (c) => c.notNull())
      .addColumn('operator_mcc', 'text', (c) => c.notNull())
      .addColumn('operator_mnc', 'text', (c) => c.notNull())
      .addColumn('operator_country', 'text', (c) => c.notNull())
      .addColumn('operator_name', 'text', (c) => c.notNull())
      .addColumn('cell_id', 'text')
      .addColumn('cell_lat', 'double precision')
      .addColumn('cell_lon', 'double precision')
      .addColumn('imei', 'text')
      .addColumn('bytes_uploaded', big, (c) => c.notNull())
      .addColumn('bytes_downloaded', big, (c) => c.notNull())
      .addColumn('packets_uploaded', big, (c) => c.notNull())
      .addColumn('packets_downloaded', big, (c) => c.notNull())
      .addColumn('start_time', big, (c) => c.notNull())
      .addColumn('end_time', big, (c) => c.notNull())
      .addColumn('last_updated', big, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('data_sessions_sim').on('data_sessions').columns(['sim_sid', 'seq']).execute();
    await db.schema.createIndex('data_sessions_sim_start').on('data_sessions').columns(['sim_sid', 'start_time']).execute();

    await db.schema
      .createTable('devices')
      .addColumn('sim_sid', 'text', (c) => c.primaryKey())
      .addColumn('online', 'integer', (c) => c.notNull())
      .addColumn('acknowledge_commands', 'integer', (c) => c.notNull())
      .addColumn('radio_link', 'text', (c) => c.notNull())
      .addColumn('operator_mcc', 'text', (c) => c.notNull())
      .addColumn('operator_mnc', 'text', (c) => c.notNull())
      .addColumn('operator_country', 'text', (c) => c.notNull())
      .addColumn('operator_name', 'text', (c) => c.notNull())
      .addColumn('cell_id', 'text')
      .addColumn('imei', 'text')
      .addColumn('data_bytes_total', big, (c) => c.notNull())
      .addColumn('commands_total', 'integer', (c) => c.notNull())
      .addColumn('first_used_at', big)
      .addColumn('date_updated', big, (c) => c.notNull())
      .execute();

    // Usage queries read this table only: a range of hours of one scope is one index range.
    await db.schema
      .createTable('usage_hourly')
      .addColumn('scope_sid', 'text', (c) => c.notNull())
      .addColumn('hour', big, (c) => c.notNull())
      .addColumn('zone', 'text', (c) => c.notNull())
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('data_upload', big, (c) => c.notNull())
      .addColumn('data_download', big, (c) => c.notNull())
      .addColumn('commands_to_sim', big, (c) => c.notNull())
      .addColumn('commands_from_sim', big, (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_hourly_pk', ['scope_sid', 'hour', 'zone', 'country'])
      .execute();
  };
}
