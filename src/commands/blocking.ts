/**
 * Blocking commands' machinery (BLPOP, BLMOVE, BZPOPMIN, ...), after Redis's blocked.c:
 * a client blocks on keys with a timeout; when a key may have become ready (a push), it is
 * signalled, and after the current command the blocked clients on it are served in the
 * order they blocked (first blocked, first served).
 *
 * (Contract only: the list command group owns this file and implements it. Other groups,
 * e.g. sorted sets for BZPOPMIN, use exactly these two functions.)
 */
import type { Database } from '../keyspace/keyspace.js';
import type { Client } from './context.js';

/**
 * Block c on keys (in c.db) for timeoutMs (0 = forever). When one of the keys is signalled,
 * tryServe(key) is called; it returns true when it served the client (replied and changed
 * the keyspace), which unblocks it. onTimeout() replies when the time runs out.
 */
export function blockClient(
  c: Client,
  keys: string[],
  timeoutMs: number,
  tryServe: (key: string) => boolean,
  onTimeout: () => void,
): void {
  void c;
  void keys;
  void timeoutMs;
  void tryServe;
  void onTimeout;
  throw new Error('blocking is not implemented yet');
}

/** Tell blocked clients that key may now satisfy them (called by pushes and adds). */
export function signalKeyAsReady(db: Database, key: string): void {
  void db;
  void key;
}
