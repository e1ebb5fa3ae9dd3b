import { loadConfig, ConfigError } from './config.js';
import { createWisp, type Wisp } from './app.js';
import { StoreStartError } from './store/connect.js';
import { bannerFacts, startBanner } from './banner.js';
import { SeedFileError } from './seed-file.js';
import { SeedError } from './domain/seed.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const wisp = await createWisp(config);
  installStop(wisp);
  if (config.role === 'worker') {
    // A worker serves no HTTP: it runs the job outbox against the shared database.
    process.stdout.write(`Wisp worker started (WISP_ROLE=worker): running jobs from ${config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : 'PostgreSQL'}\n`);
    reportSecrets(wisp);
    return;
  }
  const address = await wisp.app.listen({ port: config.port, host: config.host }).catch(async (error: unknown) => {
    await wisp.close().catch(() => undefined);
    throw listenError(error, config.host, config.port);
  });
  const origin = config.publicUrl ?? address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
  process.stdout.write(startBanner(bannerFacts(config, origin, wisp)));
  reportSecrets(wisp);
}

/** How the auth tokens are kept at rest, said once at start (docs/security.md). */
function reportSecrets({ secrets }: Wisp): void {
  const { accounts, snapshots } = secrets.resealed;
  if (accounts + snapshots > 0) {
    const how = secrets.keyId ? `sealed with WISP_SECRET_KEY (key id ${secrets.keyId})` : 'stored unencrypted, as no WISP_SECRET_KEY is set';
    process.stdout.write(`wisp: the auth tokens of ${accounts} account(s) and ${snapshots} snapshot(s) are now ${how}\n`);
  }
  if (!secrets.keyId) {
    process.stderr.write('wisp: warning: WISP_SECRET_KEY is not set: account auth tokens are stored unencrypted in the database; set it to 64 random hex digits (openssl rand -hex 32) to encrypt them (docs/security.md)\n');
  }
}

/** A start-up fault an operator fixes by changing a setting: one line, no stack trace. */
class StartError extends Error {}

function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as { code?: string } | null)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') return new StartError(`cannot listen on ${where}: the port is already in use; set PORT to a free port, or stop what holds it`);
  if (code === 'EACCES') return new StartError(`cannot listen on ${where}: permission denied; set PORT to 1024 or above, or run with the right to bind it`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new StartError(`cannot listen on ${where}: this machine has no such address; set HOST to one of its addresses, or 0.0.0.0`);
  return error instanceof Error ? error : new Error(String(error));
}

/** SIGTERM/SIGINT: stop taking requests, finish the jobs in hand (see Wisp.close), exit. */
function installStop(wisp: Wisp): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    wisp.app.log.info({ signal }, 'stopping');
    try {
      await wisp.close();
    } catch (error) {
      wisp.app.log.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StoreStartError || error instanceof StartError || error instanceof SeedFileError || error instanceof SeedError) {
    process.stderr.write(`wisp: ${error.message}\n`);
  } else {
    process.stderr.write(`wisp: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
