import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Servers under test run in their own processes, so the memory we report is theirs alone.

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface Running {
  child: ChildProcess;
  pid: number;
  /** The first match of the ready pattern on stdout. */
  ready: RegExpExecArray;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node args…` and resolves once a stdout line matches `ready`. */
export async function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 120_000, cwd = ROOT): Promise<Running> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${ready.source}" within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before it was ready:\n${output}`));
    });
  });
  // Keep draining its output so a chatty server never blocks on a full pipe.
  return {
    child,
    pid: child.pid as number,
    ready: match,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident set size of a process in bytes (Linux /proc; 0 where unavailable). */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A process's /proc/PID/stat fields after its command name (which may hold spaces), or null. */
function statOf(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const ticksToMs = (ticks: number) => (ticks * 1000) / 100;

/** CPU time (user + system) a process has used so far, in milliseconds (Linux /proc; 0 elsewhere). */
export function cpuMsOf(pid: number): number {
  const fields = statOf(pid);
  return fields ? ticksToMs(Number(fields[11]) + Number(fields[12])) : 0;
}

/**
 * CPU time the PostgreSQL server on this machine has used so far, in milliseconds: every one of
 * its processes (backends, WAL writer, autovacuum…), and the backends that have exited, which
 * the server's parent process reaps into its children's times. Counting only the backends alive
 * at two moments lost the CPU of every connection a pool closed in between. Whatever else uses
 * the server meanwhile counts too, so measure on a quiet one.
 */
export function postgresServerCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (command !== 'postgres') continue;
    const fields = statOf(Number(entry));
    if (!fields) continue;
    total += Number(fields[11]) + Number(fields[12]);
    // The server's parent process (its own parent is not PostgreSQL): add its reaped children.
    const parent = Number(fields[1]);
    let parentCommand = '';
    try {
      parentCommand = readFileSync(`/proc/${parent}/comm`, 'utf8').trim();
    } catch {
      // The parent is gone or unreadable: not PostgreSQL's.
    }
    if (parentCommand !== 'postgres') total += Number(fields[13]) + Number(fields[14]);
  }
  return ticksToMs(total);
}

export interface MemoryReport {
  startMB: number;
  endMB: number;
  maxMB: number;
  /** [seconds since start, MB] */
  samples: [number, number][];
}

/** CPU time of several processes together, in milliseconds. */
export function cpuMsOfAll(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
}

/** Samples the RSS of processes (added up) until stopped. */
export function watchMemory(pids: number[], everyMs: number): { stop(): MemoryReport } {
  const started = Date.now();
  const samples: [number, number][] = [];
  const sample = () => samples.push([Math.round((Date.now() - started) / 100) / 10, mb(pids.reduce((sum, pid) => sum + rssOf(pid), 0))]);
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const values = samples.map(([, v]) => v);
      return { startMB: values[0], endMB: values[values.length - 1], maxMB: Math.max(...values), samples };
    },
  };
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
