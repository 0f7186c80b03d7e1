/**
 * The layering of src/ (see docs/architecture.md and .dependency-cruiser.cjs): no import
 * circles, and no arrow pointing up a layer. Fails the suite on the first violation.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

test('src/ has no import circle and no import against its layers', () => {
  const bin = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [bin, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `dependency rules violated:\n${r.stdout}${r.stderr}`);
});
