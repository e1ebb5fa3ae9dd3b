import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A process with a disk of its own: run in a mount namespace (unshare, from util-linux) where a
// small tmpfs, or a read-only view of a folder, is mounted before it starts. Only that process
// sees the mount; the test reaches it through /proc/<pid>/root. Needs root, or unprivileged user
// namespaces (then `--map-root-user`).

export interface Launch {
  command: string;
  args: string[];
}

/** `command args`, run after `setup` (shell commands, as root in the namespace). */
export function inMountNamespace(setup: string, command: string, args: string[]): Launch {
  const asUser = process.getuid?.() === 0 ? [] : ['--map-root-user'];
  return { command: 'unshare', args: [...asUser, '--mount', '--propagation', 'private', 'sh', '-e', '-c', `${setup}\nexec "$@"`, 'wisp', command, ...args] };
}

/** A folder for a mount point, removed by `cleanup`. */
export function mountPoint(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wisp-mount-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A tmpfs of `kib` KiB on `dir`. */
export const smallDisk = (dir: string, kib: number) => `mount -t tmpfs -o size=${kib}k wisp-disk '${dir}'`;

/** `dir` itself, read-only from then on. */
export const readOnly = (dir: string) => `mount --bind '${dir}' '${dir}'\nmount -o remount,bind,ro '${dir}'`;

/** Where a process's view of `path` is reached from outside its namespace. */
export const seenBy = (pid: number, path: string) => `/proc/${pid}/root${path}`;
