import type { CommandSpec } from './spec.js';

export const pubsubCommands: CommandSpec[] = [];
