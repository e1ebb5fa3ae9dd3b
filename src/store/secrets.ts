import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { SecretBox } from '../lib/secret-box.js';
import { resealAccounts } from './repos/accounts.js';
import { resealSnapshotData } from './repos/state.js';

// Keeps every auth token at rest as the current WISP_SECRET_KEY would seal it: at start, and
// after a snapshot is restored. This is how tokens stored plain (before a key was set) are
// encrypted, how a rotation moves them to the new key, and how they are opened again when
// encryption is turned off (the old key in WISP_SECRET_KEY_PREVIOUS, none in WISP_SECRET_KEY).

/** Snapshots whose tokens were sealed otherwise than the current key would, sealed again. */
async function resealSnapshots(db: Kysely<Database>, secrets: SecretBox): Promise<number> {
  const current = secrets.currentKeyId;
  const stale = await db
    .selectFrom('snapshots')
    .select('name')
    .where((eb) => (current === null ? eb('secrets_key_id', 'is not', null) : eb.or([eb('secrets_key_id', 'is', null), eb('secrets_key_id', '!=', current)])))
    .execute();
  for (const { name } of stale) {
    const { data } = await db.selectFrom('snapshots').select('data').where('name', '=', name).executeTakeFirstOrThrow();
    await db.updateTable('snapshots').set({ data: resealSnapshotData(data, secrets), secrets_key_id: current }).where('name', '=', name).execute();
  }
  return stale.length;
}

/** At start: every auth token, in the accounts and in the snapshots, as the current key would store it. */
export async function resealSecrets(db: Kysely<Database>, secrets: SecretBox): Promise<{ accounts: number; snapshots: number }> {
  return db.transaction().execute(async (trx) => ({ accounts: await resealAccounts(trx, secrets), snapshots: await resealSnapshots(trx, secrets) }));
}
