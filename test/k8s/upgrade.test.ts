/**
 * `dssm upgrade` on a running `dssm up` deployment in synchronous mode, under a writer:
 * every data node runs a new process afterwards, the primary has moved, and no acknowledged
 * write is lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freeRange, startUp } from '../integration/up-fixture.js';
import { lost, Writer } from './writer.js';

const BIN = new URL('../../bin/dssm.js', import.meta.url).pathname;
const run = promisify(execFile);

test('dssm upgrade restarts every data node onto the current build under a sync-mode writer without losing an acknowledged write', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dssm-upgrade-'));
  const base = await freeRange(3);
  const sport = await freeRange(3);
  const up = startUp(dir, base, sport, ['--sync-replicas', '1', '--down-after', '1000']);
  let client: Redis | null = null;
  try {
    await up.waitEvent((e) => e.event === 'ready', 60_000);
    const tlsDir = join(dir, 'tls');
    const tls = { ca: readFileSync(join(tlsDir, 'dssm-ca.crt')), cert: readFileSync(join(tlsDir, 'client.crt')), key: readFileSync(join(tlsDir, 'client.key')) };
    const settings = JSON.parse(readFileSync(join(dir, 'up.json'), 'utf8')) as { sentinelTls: boolean };
    client = new Redis({
      sentinels: [0, 1, 2].map((i) => ({ host: '127.0.0.1', port: sport + i })),
      name: 'dssm',
      tls,
      ...(settings.sentinelTls ? { sentinelTLS: tls, enableTLSForSentinelMode: true } : {}),
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
      maxRetriesPerRequest: null,
      retryStrategy: () => 100,
    }).on('error', () => {});
    const writer = new Writer(client, 'upgrade');
    while (writer.acked.length < 50) await new Promise((r) => setTimeout(r, 50));

    const { stdout } = await run(process.execPath, [BIN, 'upgrade', '--dir', dir, '--json'], { timeout: 200_000 });
    const r = JSON.parse(stdout) as { from: string; to: string; nodes: { before: { addr: string; pid: number; runId: string }; after: { pid: number; runId: string } }[]; switchMs: number };
    const before = writer.acked.length;
    while (writer.acked.length < before + 50) await new Promise((res) => setTimeout(res, 50));
    await writer.stop();

    // Every data node was restarted once (a new process), and the primary moved.
    assert.equal(r.nodes.length, 3);
    assert.deepEqual(new Set(r.nodes.map((n) => n.before.addr)).size, 3);
    for (const n of r.nodes) {
      assert.notEqual(n.after.runId, n.before.runId);
      assert.notEqual(n.after.pid, n.before.pid);
    }
    assert.notEqual(r.from, r.to);
    const missing = await lost(client, writer.acked);
    process.stdout.write(
      `# dssm upgrade: acknowledged=${writer.acked.length} lost=${missing} errors=${writer.errors} longest write pause=${writer.longestPauseMs.toFixed(0)} ms (switchover held writes ${r.switchMs.toFixed(0)} ms)\n`,
    );
    assert.equal(missing, 0);
  } finally {
    client?.disconnect();
    up.proc.kill('SIGTERM');
    await up.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
