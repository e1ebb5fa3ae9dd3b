import type { Command } from 'commander';
import { UsageError } from './io.js';
import type { Context } from './program.js';

// `wisp start`: the server itself (src/main.ts), its settings from flags named after the
// environment variables they set (README's table lists them all).

const FLAGS: [flag: string, variable: string, description: string][] = [
  ['--port <port>', 'PORT', 'TCP port (0 picks a free one)'],
  ['--host <address>', 'HOST', 'address to listen on'],
  ['--database-url <url>', 'DATABASE_URL', 'sqlite:<path>, sqlite::memory: or postgres://…'],
  ['--public-url <origin>', 'WISP_PUBLIC_URL', 'origin that absolute urls are built on'],
  ['--account-sid <sid>', 'WISP_ACCOUNT_SID', 'master account SID for an empty database'],
  ['--auth-token <token>', 'WISP_AUTH_TOKEN', 'its auth token'],
  ['--admin-token <token>', 'WISP_ADMIN_TOKEN', 'bearer token of the admin API'],
  ['--seed <file>', 'WISP_SEED', 'seed file (JSON or YAML) for an empty database, instead of the demo fleet'],
  ['--log-level <level>', 'LOG_LEVEL', 'fatal, error, warn, info, debug or trace'],
  ['--role <role>', 'WISP_ROLE', 'api, worker or all'],
];

const variableOf = (flag: string) => flag.split(' ')[0].slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function startCommand(program: Command, ctx: Context): void {
  const command = program.command('start').description('serve Wisp (settings from flags, else from the environment)');
  // The root's --account-sid, --auth-token and --admin-token mean the same settings here.
  for (const [flag, variable, description] of FLAGS) {
    if (!program.options.some((o) => o.long === flag.split(' ')[0])) command.option(flag, `${description} (${variable})`);
  }
  command
    .option('--no-demo', 'do not seed the demo fleet (WISP_DEMO=0)')
    .option('--set <NAME=VALUE...>', 'any other setting by its environment variable, e.g. --set WISP_OPERATOR_LATENCY_MS=0')
    .action(
      ctx.act(async (_t, io, ...args) => {
        const command = args[args.length - 1] as Command;
        const options = command.optsWithGlobals<Record<string, unknown>>();
        for (const [flag, variable] of FLAGS) {
          const value = options[variableOf(flag)];
          if (typeof value === 'string') io.env[variable] = value;
        }
        if (options.demo === false) io.env.WISP_DEMO = '0';
        for (const pair of (options.set as string[] | undefined) ?? []) {
          const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
          if (!match) throw new UsageError(`--set takes NAME=VALUE, got "${pair}"`);
          io.env[match[1]] = match[2];
        }
        Object.assign(process.env, io.env);
        // The server's own entry point: it reads the environment, serves and prints its banner.
        await import('../main.js');
      }),
    );
}
