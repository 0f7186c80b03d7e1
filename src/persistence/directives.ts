/**
 * Persistence directives, with Redis 7.0's names and defaults.
 */
import { registerDirectives } from '../config/schema.js';

registerDirectives([
  { name: 'appendonly', type: 'bool', default: 'no', mutable: true },
  { name: 'appendfilename', type: 'string', default: 'appendonly.aof', mutable: false },
  { name: 'appenddirname', type: 'string', default: 'appendonlydir', mutable: false },
  { name: 'appendfsync', type: 'enum', default: 'everysec', mutable: true, values: ['always', 'everysec', 'no'] },
  { name: 'auto-aof-rewrite-percentage', type: 'int', default: '100', mutable: true, min: 0 },
  { name: 'auto-aof-rewrite-min-size', type: 'memory', default: '67108864', mutable: true, min: 0 },
  { name: 'aof-load-truncated', type: 'bool', default: 'yes', mutable: true },
  { name: 'aof-use-rdb-preamble', type: 'bool', default: 'yes', mutable: true },
  { name: 'aof-timestamp-enabled', type: 'bool', default: 'no', mutable: true },
  { name: 'no-appendfsync-on-rewrite', type: 'bool', default: 'no', mutable: true },
  { name: 'aof-rewrite-incremental-fsync', type: 'bool', default: 'yes', mutable: true },
  { name: 'dbfilename', type: 'string', default: 'dump.rdb', mutable: true },
  { name: 'rdbcompression', type: 'bool', default: 'yes', mutable: true },
  { name: 'rdbchecksum', type: 'bool', default: 'yes', mutable: false },
  { name: 'stop-writes-on-bgsave-error', type: 'bool', default: 'yes', mutable: true },
  { name: 'rdb-save-incremental-fsync', type: 'bool', default: 'yes', mutable: true },
  { name: 'sanitize-dump-payload', type: 'enum', default: 'no', mutable: true, values: ['no', 'yes', 'clients'] },
]);
