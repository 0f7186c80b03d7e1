/**
 * Named diagnostics channels. Core modules publish here and never import a logging or
 * metrics library; observe/log.ts and (later) observe/metrics.ts subscribe.
 *
 * Publishing costs nothing when nobody listens: callers test `hasSubscribers` first on
 * hot paths.
 */
import diagnostics_channel from 'node:diagnostics_channel';

export interface LogEvent {
  level: 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  msg: string;
  [field: string]: unknown;
}

export const channels = {
  /** Anything an operator should see in the logs. */
  log: diagnostics_channel.channel('dssm:log'),
  /** { id, addr, tls } on accept. */
  clientConnected: diagnostics_channel.channel('dssm:client:connected'),
  /** { id, addr, reason } when a connection ends. */
  clientClosed: diagnostics_channel.channel('dssm:client:closed'),
  /** { port, tls, address } when a listener is ready. */
  listening: diagnostics_channel.channel('dssm:server:listening'),
  /** { name, durationMicros, error } after each command (subscribe only to debug). */
  command: diagnostics_channel.channel('dssm:command'),
  /** { db, key } when a key is expired by lazy or active expiry. */
  expired: diagnostics_channel.channel('dssm:keyspace:expired'),
  /** { db, key, bytes } when a key is evicted because of maxmemory. */
  evicted: diagnostics_channel.channel('dssm:keyspace:evicted'),
} as const;

/** Publish a log line through the log channel. */
export function log(level: LogEvent['level'], msg: string, fields?: Record<string, unknown>): void {
  if (channels.log.hasSubscribers) channels.log.publish({ level, msg, ...fields });
}
