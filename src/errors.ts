/**
 * Every error reply dssm sends, in one table.
 *
 * The first word of an error (ERR, WRONGTYPE, NOAUTH, READONLY, ...) is part of the
 * protocol: clients branch on it. Texts are Redis 7.0's, byte for byte, so that clients
 * and tools written against Redis behave the same against dssm. Entries that take
 * arguments are functions; everything else is a constant string without the leading '-'.
 */
export const Err = {
  WRONGTYPE: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  SYNTAX: 'ERR syntax error',
  NOT_INTEGER: 'ERR value is not an integer or out of range',
  NOT_FLOAT: 'ERR value is not a valid float',
  OVERFLOW: 'ERR increment or decrement would overflow',
  NAN_OR_INF: 'ERR increment would produce NaN or Infinity',
  NO_SUCH_KEY: 'ERR no such key',
  INDEX_OUT_OF_RANGE: 'ERR index out of range',
  INVALID_DB_INDEX: 'ERR DB index is out of range',
  SAME_OBJECT: 'ERR source and destination objects are the same',
  NOAUTH: 'NOAUTH Authentication required.',
  WRONGPASS: 'WRONGPASS invalid username-password pair or user is disabled.',
  AUTH_NOT_CONFIGURED: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  STRING_TOO_LONG: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  BIT_OFFSET: 'ERR bit offset is not an integer or out of range',
  BIT_VALUE: 'ERR bit is not an integer or out of range',
  OFFSET_OUT_OF_RANGE: 'ERR offset is out of range',
  INVALID_EXPIRE: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  WRONG_ARITY: (cmd: string) => `ERR wrong number of arguments for '${cmd}' command`,
  UNKNOWN_SUBCOMMAND: (sub: string, cmd: string) => `ERR unknown subcommand '${truncate(sub, 128)}'. Try ${cmd.toUpperCase()} HELP.`,
  NOT_ALLOWED_IN_SUBSCRIBE: (cmd: string) => `ERR Can't execute '${cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  MULTI_NESTED: 'ERR MULTI calls can not be nested',
  EXEC_WITHOUT_MULTI: 'ERR EXEC without MULTI',
  DISCARD_WITHOUT_MULTI: 'ERR DISCARD without MULTI',
  WATCH_IN_MULTI: 'ERR WATCH inside MULTI is not allowed',
  EXECABORT: 'EXECABORT Transaction discarded because of previous errors.',
  NOT_ALLOWED_IN_MULTI: (_cmd: string) => `ERR Command not allowed inside a transaction`,
  READONLY: "READONLY You can't write against a read only replica.",
  LOADING: 'LOADING Redis is loading the dataset in memory',
  OOM: "OOM command not allowed when used memory > 'maxmemory'.",
  PROTOCOL_VERSION: 'NOPROTO unsupported protocol version',
  TIMEOUT_NOT_FLOAT: 'ERR timeout is not a float or out of range',
  TIMEOUT_NEGATIVE: 'ERR timeout is negative',
  DEBUG_DISABLED: (cmd: string) =>
    `ERR ${cmd} command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`,
} as const;

/** Redis's unknown-command text: the name and the first arguments, each cut to fit 128 bytes. */
export function unknownCommand(argv: readonly string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i]!.slice(0, 128 - args.length)}' `;
  }
  return `ERR unknown command '${truncate(argv[0] ?? '', 128)}', with args beginning with: ${args}`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

/**
 * Thrown by argument parsers and handlers to abort a command with an error reply.
 * The dispatcher catches it, replies, and counts the error; nothing else is changed,
 * because handlers validate everything before they mutate the keyspace.
 */
export class CommandError extends Error {
  constructor(readonly reply: string) {
    super(reply);
  }
}
