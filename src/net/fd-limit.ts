/**
 * maxclients and the open-file limit, as redis-server's adjustOpenFilesLimit (server.c)
 * does at start: every client is a descriptor, and 32 more (CONFIG_MIN_RESERVED_FDS) are
 * kept for the server's own files, so when RLIMIT_NOFILE is below maxclients + 32,
 * maxclients is lowered to the limit - 32 with Redis's warnings, and CONFIG GET maxclients
 * shows the lowered value. Connections beyond it then get "-ERR max number of clients
 * reached" instead of failing in accept() for lack of descriptors.
 *
 * Redis first tries to raise the limit with setrlimit(); Node has no such call, but it
 * raises the soft limit to the hard one itself at start-up, so the soft limit read here is
 * already the best this process can have.
 */
import { readFileSync } from 'node:fs';
import type { NodeHost } from '../commands/host.js';
import { log } from '../observe/events.js';

/** Descriptors Redis keeps for itself beyond its clients (CONFIG_MIN_RESERVED_FDS). */
export const RESERVED_FDS = 32;

/** The soft RLIMIT_NOFILE of this process (Linux /proc/self/limits), or null when unknown. */
export function openFilesLimit(): number | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m) return null;
  return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}

/**
 * The maxclients this process can serve under `limit` open files, and the warnings to log
 * when that is less than `requested`; `fatal` when not even one client fits.
 */
export function maxClientsFor(requested: number, limit: number): { maxclients: number; warnings: string[]; fatal: string | null } {
  const needed = requested + RESERVED_FDS;
  if (limit >= needed) return { maxclients: requested, warnings: [], fatal: null };
  if (limit <= RESERVED_FDS) {
    return {
      maxclients: requested,
      warnings: [],
      fatal: `Your current 'ulimit -n' of ${limit} is not enough for the server to start. Please increase your open file limit to at least ${needed}. Exiting.`,
    };
  }
  const maxclients = limit - RESERVED_FDS;
  return {
    maxclients,
    warnings: [
      `You requested maxclients of ${requested} requiring at least ${needed} max file descriptors.`,
      `Server can't set maximum open files to ${needed}: the process's hard limit is ${limit}.`,
      `Current maximum open files is ${limit}. maxclients has been reduced to ${maxclients} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.`,
    ],
    fatal: null,
  };
}

/** At start: lower maxclients to what the open-file limit allows, with Redis's warnings. */
export function installOpenFilesLimit(node: NodeHost): void {
  const limit = openFilesLimit();
  if (limit === null) return;
  const { maxclients, warnings, fatal } = maxClientsFor(node.config.int('maxclients'), limit);
  if (fatal !== null) {
    // Refuse to serve, from start() (which the CLI reports and exits on).
    node.startupTasks.unshift(() => Promise.reject(new Error(fatal)));
    return;
  }
  for (const w of warnings) log('warn', w, { openFilesLimit: limit, maxclients });
  if (maxclients !== node.config.int('maxclients')) node.config.setRaw('maxclients', String(maxclients));
  node.dispatch.hooks.guards.push(refuseMaxClientsBeyondLimit);
}

/**
 * CONFIG SET maxclients beyond what the open-file limit allows fails as in Redis
 * (config.c updateMaxclients), naming the most it can take; the value stays as it was.
 */
function refuseMaxClientsBeyondLimit(_c: unknown, spec: { fullName: string }, argv: string[]): string | null {
  if (spec.fullName !== 'config|set') return null;
  for (let i = 2; i + 1 < argv.length; i += 2) {
    if (argv[i]!.toLowerCase() !== 'maxclients' || !/^\d+$/.test(argv[i + 1]!)) continue;
    const limit = openFilesLimit();
    if (limit === null) return null;
    const { maxclients } = maxClientsFor(Number(argv[i + 1]), limit);
    if (maxclients < Number(argv[i + 1])) {
      return `ERR CONFIG SET failed (possibly related to argument '${argv[i]}') - The operating system is not able to handle the specified number of clients, try with ${maxclients}`;
    }
  }
  return null;
}
