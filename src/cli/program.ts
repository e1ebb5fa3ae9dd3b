import { Command, CommanderError } from 'commander';
import { VERSION } from '../lib/version.js';
import { EXIT, failure, target, type GlobalOptions, type Io, type Target } from './io.js';
import { startCommand } from './start.js';
import { importCommand } from './import.js';
import { simsCommand } from './sims.js';
import { clockCommand, networkCommand } from './time-network.js';
import { callbacksCommand, jobsCommand } from './queues.js';
import { resetCommand, seedCommand, snapshotCommand } from './state.js';

// The `wisp` command: `wisp start` runs a server; every other command talks to a running one
// over HTTP (--url or WISP_URL), printing tables for people and JSON with --json.


/** Runs one command against `target`; returns its exit code. */
export type Action = (t: Target, io: Io, ...args: unknown[]) => Promise<number | void>;

export interface Context {
  io: Io;
  /** Wraps a command's action: the exit code it returns, or the one its error maps to. */
  act(action: Action): (...args: unknown[]) => Promise<void>;
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command('wisp')
    .description('Wisp: a wireless SIM platform that speaks Twilio\'s Programmable Wireless API')
    .version(VERSION)
    .option('--url <origin>', 'the Wisp to talk to (WISP_URL; default http://127.0.0.1:4000)')
    .option('--admin-token <token>', 'bearer token of the admin API (WISP_ADMIN_TOKEN)')
    .option('--account-sid <sid>', 'account for the Twilio API (WISP_ACCOUNT_SID)')
    .option('--auth-token <token>', 'its auth token (WISP_AUTH_TOKEN)')
    .option('--json', 'print JSON for scripts instead of tables')
    .addHelpText('after', '\nExit codes: 0 done, 1 refused by the server (or rows rejected), 2 bad arguments, 3 server unreachable.')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });

  const ctx: Context = {
    io,
    act: (action) => async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      try {
        code = (await action(target(globals, io), io, ...args)) ?? EXIT.ok;
      } catch (error) {
        code = failure(error, io, globals.json === true);
      }
    },
  };

  startCommand(program, ctx);
  importCommand(program, ctx);
  simsCommand(program, ctx);
  clockCommand(program, ctx);
  networkCommand(program, ctx);
  callbacksCommand(program, ctx);
  jobsCommand(program, ctx);
  seedCommand(program, ctx);
  snapshotCommand(program, ctx);
  resetCommand(program, ctx);
  // Subcommands share the root's way of reporting usage errors.
  for (const command of program.commands) inherit(command, program);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return code;
}

function inherit(command: Command, root: Command): void {
  command.exitOverride().showHelpAfterError().configureOutput(root.configureOutput());
  for (const sub of command.commands) inherit(sub, root);
}
