/**
 * The codebase stays clean under the linter and formatter (Biome, biome.jsonc): `npm run
 * format` fixes what it can, `npm run lint` shows the rest.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

test('src, test, bench and scripts pass the linter and the formatter', () => {
  const bin = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
  const r = spawnSync(process.execPath, [bin, 'check', '--max-diagnostics=50'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `biome check failed (npm run format fixes formatting):\n${r.stdout}${r.stderr}`);
});
