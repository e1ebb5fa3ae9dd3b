import type { Kysely } from 'kysely';
import { type Dialect, seqColumn, timeType } from './columns.js';

export function up(dialect: Dialect) {
  return async (db: Kysely<unknown>): Promise<void> => {
    const time = timeType(dialect);

    await db.schema
      .createTable('accounts')
      .addColumn('seq', seqColumn(dialect).type, seqColumn(dialect).build)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('owner_account_sid', 'text', (c) => c.notNull())
      .addColumn('friendly_name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('auth_token', 'text', (c) => c.notNull())
      .addColumn('date_created', time, (c) => c.notNull())
      .addColumn('date_updated', time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('accounts_owner').on('accounts').columns(['owner_account_sid', 'seq']).execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('seq', seqColumn(dialect).type, seqColumn(dialect).build)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('friendly_name', 'text')
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('date_created', time, (c) => c.notNull())
      .addColumn('date_updated', time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('api_keys_account').on('api_keys').columns(['account_sid', 'seq']).execute();

    await db.schema
      .createTable('rate_plans')
      .addColumn('seq', seqColumn(dialect).type, seqColumn(dialect).build)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('unique_name', 'text')
      .addColumn('friendly_name', 'text')
      .addColumn('data_enabled', 'integer', (c) => c.notNull())
      .addColumn('data_metering', 'text', (c) => c.notNull())
      .addColumn('data_limit', 'integer', (c) => c.notNull())
      .addColumn('data_limit_strategy', 'text', (c) => c.notNull())
      .addColumn('messaging_enabled', 'integer', (c) => c.notNull())
      .addColumn('voice_enabled', 'integer', (c) => c.notNull())
      .addColumn('national_roaming_enabled', 'integer', (c) => c.notNull())
      .addColumn('national_roaming_data_limit', 'integer', (c) => c.notNull())
      .addColumn('international_roaming', 'text', (c) => c.notNull())
      .addColumn('international_roaming_data_limit', 'integer', (c) => c.notNull())
      .addColumn('date_created', time, (c) => c.notNull())
      .addColumn('date_updated', time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rate_plans_account').on('rate_plans').columns(['account_sid', 'seq']).execute();
    await db.schema.createIndex('rate_plans_unique_name').on('rate_plans').columns(['account_sid', 'unique_name']).unique().execute();

    await db.schema
      .createTable('sim_inventory')
      .addColumn('iccid', 'text', (c) => c.primaryKey())
      .addColumn('registration_code', 'text', (c) => c.notNull())
      .addColumn('e_id', 'text')
      .addColumn('sim_sid', 'text')
      .addColumn('imported_at', time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('sims')
      .addColumn('seq', seqColumn(dialect).type, seqColumn(dialect).build)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('unique_name', 'text')
      .addColumn('friendly_name', 'text')
      .addColumn('iccid', 'text', (c) => c.notNull().unique())
      .addColumn('e_id', 'text')
      .addColumn('registration_code', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reset_status', 'text')
      .addColumn('rate_plan_sid', 'text')
      .addColumn('commands_callback_url', 'text')
      .addColumn('commands_callback_method', 'text', (c) => c.notNull())
      .addColumn('sms_url', 'text')
      .addColumn('sms_method', 'text', (c) => c.notNull())
      .addColumn('sms_fallback_url', 'text')
      .addColumn('sms_fallback_method', 'text', (c) => c.notNull())
      .addColumn('voice_url', 'text')
      .addColumn('voice_method', 'text', (c) => c.notNull())
      .addColumn('voice_fallback_url', 'text')
      .addColumn('voice_fallback_method', 'text', (c) => c.notNull())
      .addColumn('ip_address', 'text')
      .addColumn('date_created', time, (c) => c.notNull())
      .addColumn('date_updated', time, (c) => c.notNull())
      .execute();
    // Keyset paging walks (account_sid, seq), optionally narrowed by one filter column.
    await db.schema.createIndex('sims_account').on('sims').columns(['account_sid', 'seq']).execute();
    await db.schema.createIndex('sims_account_status').on('sims').columns(['account_sid', 'status', 'seq']).execute();
    await db.schema.createIndex('sims_account_plan').on('sims').columns(['account_sid', 'rate_plan_sid', 'seq']).execute();
    await db.schema.createIndex('sims_rate_plan').on('sims').column('rate_plan_sid').execute();
    await db.schema.createIndex('sims_unique_name').on('sims').columns(['account_sid', 'unique_name']).unique().execute();
    await db.schema.createIndex('sims_account_eid').on('sims').columns(['account_sid', 'e_id']).execute();
    await db.schema.createIndex('sims_registration_code').on('sims').columns(['account_sid', 'registration_code']).execute();
  };
}
