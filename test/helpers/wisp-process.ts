import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Launch } from './mount-namespace.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `wisp` (src/main.ts) as its own process until it exits; returns its exit code and stderr. */
export function runWispToExit(env: Record<string, string>, timeoutMs = 60_000, launch: Launch = { command: process.execPath, args: ['--import', 'tsx', 'src/main.ts'] }): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(launch.command, launch.args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', WISP_DEMO: '0', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}
