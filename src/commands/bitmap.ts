import type { CommandSpec } from './spec.js';

export const bitmapCommands: CommandSpec[] = [];
