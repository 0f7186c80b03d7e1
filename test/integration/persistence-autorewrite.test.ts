/**
 * The automatic AOF rewrite (auto-aof-rewrite-percentage / auto-aof-rewrite-min-size), as a
 * user relies on it: the file is compacted by itself while clients keep being answered,
 * the manifest moves to a new base, and a restart finds exactly the acknowledged data.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDssm, type TestServer } from '../helpers/servers.js';
import { plain, type RawClient } from '../helpers/resp.js';
import { parseManifest } from '../../src/persistence/aof.js';

const KEYS = 100_000;
const BATCH = 500;
const dirs: string[] = [];
const running = new Set<TestServer>();
after(async () => {
  for (const s of running) await s.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function start(dir: string, directives: string[]): Promise<TestServer> {
  const s = await startDssm(directives, { dir, keepDir: true });
  running.add(s);
  return s;
}
async function stop(s: TestServer): Promise<void> {
  running.delete(s);
  await s.stop();
}

function infoFields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

async function persistenceInfo(c: RawClient): Promise<Map<string, string>> {
  return infoFields(plain(await c.call('INFO', 'persistence')) as string);
}

const value = (round: number, i: number) => `round-${round}-key-${i}`.padEnd(32, '.');

/** Overwrite every key with this round's value, one MSET of BATCH keys at a time; calls onAck after each reply. */
async function writeRound(c: RawClient, round: number, onAck: () => void): Promise<void> {
  for (let i = 0; i < KEYS; i += BATCH) {
    const args = ['MSET'];
    for (let k = i; k < i + BATCH; k++) args.push(`key:${k}`, value(round, k));
    assert.equal(plain(await c.call(...args)), 'OK');
    onAck();
  }
}

test('the AOF is rewritten by itself past auto-aof-rewrite-percentage while clients are served, and reloads exact', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dssm-autorewrite-'));
  dirs.push(dir);
  const directives = ['--appendonly', 'yes', '--auto-aof-rewrite-percentage', '100', '--auto-aof-rewrite-min-size', '4mb', '--enable-debug-command', 'yes'];
  const a = await start(dir, directives);
  const writer = await a.client();
  const observer = await a.client();
  const aofDir = path.join(dir, 'appendonlydir');
  const manifestFile = path.join(aofDir, 'appendonly.aof.manifest');
  const before = parseManifest(fs.readFileSync(manifestFile, 'latin1'), manifestFile);
  assert.ok(before.base, 'the first start wrote a base');
  // Creating the first base on start is not a rewrite (Redis counts none either).
  assert.equal((await persistenceInfo(observer)).get('aof_rewrites'), '0');

  // The observer polls INFO while the writer overwrites every key, round after round
  // (each round adds ~5 MB of commands), until an automatic rewrite has finished.
  let rewriting = false;
  let sawRewriting = 0;
  let acksWhileRewriting = 0;
  let done = false;
  const polling = (async () => {
    while (!done) {
      const info = await persistenceInfo(observer);
      rewriting = info.get('aof_rewrite_in_progress') === '1';
      if (rewriting) sawRewriting++;
      if (info.get('aof_rewrites') !== '0' && !rewriting) done = true;
    }
  })();
  let round = 0;
  while (!done) {
    round++;
    assert.ok(round <= 20, 'an automatic rewrite happened within 20 rounds of writes');
    await writeRound(writer, round, () => {
      if (rewriting) acksWhileRewriting++;
    });
  }
  await polling;
  assert.ok(sawRewriting > 0, 'INFO showed aof_rewrite_in_progress:1');
  assert.ok(acksWhileRewriting > 0, 'writes were acknowledged while the rewrite ran');

  // No more automatic rewrites from here, so the files stay as they are; then one more round.
  assert.equal(plain(await writer.call('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '0')), 'OK');
  round++;
  await writeRound(writer, round, () => {});
  const info = await persistenceInfo(observer);
  assert.equal(info.get('aof_last_bgrewrite_status'), 'ok');
  assert.ok(Number(info.get('aof_rewrites')) >= 1);

  // The manifest names a newer base and one incr file, and the directory holds exactly those.
  const m = parseManifest(fs.readFileSync(manifestFile, 'latin1'), manifestFile);
  assert.ok(m.base && m.base.seq > before.base!.seq, `a new base: ${m.base?.file}`);
  assert.equal(m.incrs.length, 1);
  assert.equal(m.history.length, 0);
  assert.deepEqual(fs.readdirSync(aofDir).sort(), [m.base.file, m.incrs[0]!.file, 'appendonly.aof.manifest'].sort());
  // The base holds the data as of the rewrite: far less than the commands it replaced.
  assert.ok(fs.statSync(path.join(aofDir, m.base.file)).size < 4 * 1024 * 1024 * round);

  const digest = plain(await writer.call('DEBUG', 'DIGEST'));
  assert.equal(plain(await writer.call('DBSIZE')), KEYS);
  await stop(a);

  const b = await start(dir, directives);
  const c = await b.client();
  assert.equal(plain(await c.call('DBSIZE')), KEYS);
  assert.equal(plain(await c.call('DEBUG', 'DIGEST')), digest);
  for (let i = 0; i < KEYS; i += 997) assert.equal(plain(await c.call('GET', `key:${i}`)), value(round, i));
  await stop(b);
});
