/**
 * Subsystems installed into every data node: each installer receives the node and wires
 * itself (INFO sections, cron tasks, hooks, ext fields). Adding a subsystem is one line here.
 */
import type { NodeHost } from './commands/host.js';
import { installCoreInfo } from './observe/info.js';
import { installPubSub } from './pubsub/install.js';
import { installTransactions } from './commands/transaction.js';
import { installBlocking } from './commands/blocking.js';

import { installSlowlog } from './observe/slowlog.js';
import { installLatency } from './observe/latency.js';
import { installDebugGuard } from './commands/debug.js';
import { installPersistence } from './persistence/install.js';
import { installReplication } from './replication/install.js';
import { installSecurity } from './security/install.js';
import { installMetrics } from './observe/metrics.js';
import { installMaxmemory } from './commands/maxmemory.js';
import { installOutputLimits } from './net/output-limits.js';
import { installOpenFilesLimit } from './net/fd-limit.js';

type Installer = (node: NodeHost) => void;

const installers: Installer[] = [
  installLatency,
  installSlowlog,
  installDebugGuard,
  installCoreInfo,
  installOpenFilesLimit,
  installOutputLimits,
  installBlocking,
  installPubSub,
  installTransactions,
  installPersistence,
  installSecurity,
  installReplication,
  installMaxmemory,
  installMetrics,
];

export function installServerFeatures(node: NodeHost): void {
  for (const install of installers) install(node);
}
