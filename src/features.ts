/**
 * Subsystems installed into every data node: each installer receives the node and wires
 * itself (INFO sections, cron tasks, hooks, ext fields). Adding a subsystem is one line here.
 */
import type { DataNode } from './node.js';
import { installCoreInfo } from './observe/info.js';

type Installer = (node: DataNode) => void;

const installers: Installer[] = [installCoreInfo];

export function installServerFeatures(node: DataNode): void {
  for (const install of installers) install(node);
}
