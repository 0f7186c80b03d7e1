/**
 * Loading a big dataset at start, as a client sees it: the port answers at once, INFO
 * persistence shows loading:1 with Redis 7.0's loading_* progress fields, commands get
 * LOADING, and then the data is all there. Also the once-a-second progress log.
 */
import { after, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseArgDirectives } from '../../src/config/load.js';
import { DataNode } from '../../src/node.js';
import { channels, type LogEvent } from '../../src/observe/events.js';
import { LoadingProgress } from '../../src/persistence/loading.js';
import { freePort, startDssm } from '../helpers/servers.js';
import { RawClient, plain, type Reply } from '../helpers/resp.js';

const KEYS = 300_000;
const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dssm-loading-'));
  dirs.push(d);
  return d;
}
/** Servers still running if a test failed half-way: stopped after all tests. */
const running = new Set<() => Promise<void>>();
function stopLater(stop: () => Promise<void>): () => Promise<void> {
  const once = async () => {
    if (!running.delete(once)) return;
    await stop();
  };
  running.add(once);
  return once;
}
after(async () => {
  for (const stop of [...running]) await stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Write keys k<i> → a 40-byte value naming i, for every `step`-th i < KEYS, in pipelined MSETs. */
async function fill(c: RawClient, step = 1): Promise<void> {
  const batch = 1000 * step;
  for (let i = 0; i < KEYS; i += batch * 20) {
    const replies: Promise<Reply>[] = [];
    for (let j = i; j < Math.min(KEYS, i + batch * 20); j += batch) {
      const args: string[] = ['MSET'];
      for (let k = j; k < j + batch; k += step) args.push(`k${k}`, `value-${k}`.padEnd(40, '.'));
      replies.push(c.call(...args));
    }
    for (const r of await Promise.all(replies)) assert.equal(plain(r), 'OK');
  }
}

function infoFields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

const LOADING_FIELDS = ['loading_start_time', 'loading_total_bytes', 'loading_rdb_used_mem', 'loading_loaded_bytes', 'loading_loaded_perc', 'loading_eta_seconds'];

interface Observed {
  /** INFO persistence replies that said loading:1. */
  loadingInfos: Map<string, string>[];
  /** Replies to GET while loading:1 was reported. */
  getErrors: string[];
  final: Map<string, string>;
}

/**
 * Start a node on `dir` without waiting for its load, and poll it (INFO persistence, GET)
 * from a client until it reports loading:0.
 */
async function startAndPoll(dir: string, directives: string[]): Promise<{ stop: () => Promise<void>; client: RawClient; seen: Observed }> {
  const port = await freePort();
  const { store } = loadConfig(null, parseArgDirectives(['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...directives]));
  const node = new DataNode(store);
  const stop = stopLater(() => node.shutdown({}));
  const started = node.start();
  let client: RawClient | null = null;
  for (let i = 0; client === null; i++) {
    try {
      client = await RawClient.connect(port);
    } catch (err) {
      if (i > 200) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const seen: Observed = { loadingInfos: [], getErrors: [], final: new Map() };
  for (;;) {
    const info = infoFields(plain(await client.call('INFO', 'persistence')) as string);
    if (info.get('loading') === '0') {
      seen.final = info;
      break;
    }
    seen.loadingInfos.push(info);
    const r = await client.call('GET', 'k1');
    if (r.t === 'error') seen.getErrors.push(r.v);
  }
  await started;
  return { stop, client, seen };
}

function assertProgress(seen: Observed, totalBytes: number): void {
  assert.ok(seen.loadingInfos.length > 0, 'INFO answered loading:1 at least once during the load');
  const now = Math.floor(Date.now() / 1000);
  let lastLoaded = 0;
  for (const info of seen.loadingInfos) {
    for (const f of LOADING_FIELDS) assert.ok(info.has(f), `${f} is printed while loading`);
    assert.equal(info.get('async_loading'), '0');
    assert.equal(Number(info.get('loading_total_bytes')), totalBytes);
    const start = Number(info.get('loading_start_time'));
    assert.ok(start <= now && start > now - 120, `loading_start_time is a recent unix time: ${start}`);
    const loaded = Number(info.get('loading_loaded_bytes'));
    assert.ok(loaded >= lastLoaded && loaded <= totalBytes, `loaded bytes advance within the total: ${loaded}`);
    lastLoaded = loaded;
    assert.match(info.get('loading_loaded_perc')!, /^\d+\.\d\d$/);
    assert.equal(info.get('loading_loaded_perc'), ((loaded / totalBytes) * 100).toFixed(2));
    assert.match(info.get('loading_eta_seconds')!, /^\d+$/);
    // Redis prints them last, after the AOF fields.
    const keys = [...info.keys()];
    assert.deepEqual(keys.slice(-LOADING_FIELDS.length), LOADING_FIELDS);
  }
  assert.ok(
    seen.loadingInfos.some((i) => Number(i.get('loading_loaded_bytes')) > 0),
    'some INFO reply during the load shows bytes loaded',
  );
  assert.ok(seen.getErrors.length > 0, 'GET was answered during the load');
  for (const e of seen.getErrors) assert.equal(e, 'LOADING Redis is loading the dataset in memory');
  // Idle, Redis prints only loading and async_loading.
  assert.equal(seen.final.get('loading'), '0');
  assert.equal(seen.final.get('async_loading'), '0');
  for (const f of LOADING_FIELDS) assert.ok(!seen.final.has(f), `${f} is not printed once loaded`);
}

async function assertAllThere(c: RawClient): Promise<void> {
  assert.equal(plain(await c.call('DBSIZE')), KEYS);
  for (const i of [0, 1, 12345, KEYS - 1]) assert.equal(plain(await c.call('GET', `k${i}`)), `value-${i}`.padEnd(40, '.'));
}

describe('loading a big dataset at start', () => {
  test('from dump.rdb: INFO shows loading:1 with progress, commands get LOADING, then every key is there', async () => {
    const dir = tempDir();
    const a = await startDssm([], { dir, keepDir: true });
    const stopA = stopLater(() => a.stop());
    await fill(await a.client());
    assert.equal(plain(await (await a.client()).call('SAVE')), 'OK');
    await stopA();
    const size = fs.statSync(path.join(dir, 'dump.rdb')).size;

    const { stop, client, seen } = await startAndPoll(dir, []);
    try {
      assertProgress(seen, size);
      for (const info of seen.loadingInfos) {
        // dssm writes used-mem into its RDB files, as Redis does.
        assert.ok(Number(info.get('loading_rdb_used_mem')) > 0 || Number(info.get('loading_loaded_bytes')) === 0);
        assert.ok(Number(info.get('rdb_last_load_keys_loaded')) <= KEYS);
      }
      assert.equal(seen.final.get('rdb_last_load_keys_loaded'), String(KEYS));
      assert.equal(seen.final.get('rdb_last_load_keys_expired'), '0');
      await assertAllThere(client);
    } finally {
      client.close();
      await stop();
    }
  });

  test('from the AOF (RDB base and incr file): the same progress over all files, then every key is there', async () => {
    const dir = tempDir();
    const a = await startDssm(['--appendonly', 'yes'], { dir, keepDir: true });
    const stopA = stopLater(() => a.stop());
    const c = await a.client();
    await fill(c);
    // The data goes into an RDB base; then every other key is written again, as commands in the incr file.
    const rewrites = Number(infoFields(plain(await c.call('INFO', 'persistence')) as string).get('aof_rewrites'));
    assert.equal(plain(await c.call('BGREWRITEAOF')), 'Background append only file rewriting started');
    for (let i = 0; ; i++) {
      const info = infoFields(plain(await c.call('INFO', 'persistence')) as string);
      if (info.get('aof_rewrite_in_progress') === '0' && Number(info.get('aof_rewrites')) === rewrites + 1) break;
      assert.ok(i < 1500, 'the rewrite ends');
      await new Promise((r) => setTimeout(r, 20));
    }
    await fill(c, 2);
    await stopA();
    const aofDir = path.join(dir, 'appendonlydir');
    const files = fs.readdirSync(aofDir).filter((f) => !f.endsWith('.manifest'));
    assert.ok(files.some((f) => f.endsWith('.base.rdb')) && files.some((f) => f.endsWith('.incr.aof')));
    const size = files.reduce((n, f) => n + fs.statSync(path.join(aofDir, f)).size, 0);

    const { stop, client, seen } = await startAndPoll(dir, ['--appendonly', 'yes']);
    try {
      assertProgress(seen, size);
      for (const info of seen.loadingInfos) assert.equal(info.get('aof_enabled'), '1');
      await assertAllThere(client);
    } finally {
      client.close();
      await stop();
    }
  });
});

describe('loading progress log', () => {
  test('a line every second with bytes, percent and keys, none after the load ends', () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 });
    const lines: LogEvent[] = [];
    const listen = (m: unknown) => lines.push(m as LogEvent);
    channels.log.subscribe(listen);
    try {
      const p = new LoadingProgress();
      let keys = 0;
      p.start('RDB', 1000, () => keys);
      p.loadedBytes = 250;
      keys = 25;
      mock.timers.tick(1000);
      p.loadedBytes = 500;
      keys = 50;
      mock.timers.tick(1000);
      p.finish();
      mock.timers.tick(5000);
      const progress = lines.filter((l) => l.msg.startsWith('Loading RDB'));
      assert.equal(progress.length, 2);
      assert.equal(progress[0]!.msg, 'Loading RDB: 25.00% done');
      assert.deepEqual(
        { loadedBytes: progress[0]!.loadedBytes, totalBytes: progress[0]!.totalBytes, percent: progress[0]!.percent, keys: progress[0]!.keys },
        { loadedBytes: 250, totalBytes: 1000, percent: 25, keys: 25 },
      );
      assert.equal(progress[1]!.msg, 'Loading RDB: 50.00% done');
      assert.equal(progress[1]!.keys, 50);
      // Two seconds in with half done: about two seconds left (Redis's formula).
      assert.equal(progress[1]!.etaSeconds, Math.floor((2 * 500) / 501));
    } finally {
      channels.log.unsubscribe(listen);
      mock.timers.reset();
    }
  });
});

describe('a replica loading a full sync', () => {
  test('INFO shows loading:1 with the loading_* progress of the transferred RDB, then rdb_last_load_keys_loaded', async () => {
    const p = await startDssm(['--repl-diskless-sync-delay', '0']);
    const stopP = stopLater(() => p.stop());
    await fill(await p.client());
    const r = await startDssm([]);
    const stopR = stopLater(() => r.stop());
    try {
      const c = await r.client();
      assert.equal(plain(await c.call('REPLICAOF', '127.0.0.1', String(p.port))), 'OK');
      const loadingInfos: Map<string, string>[] = [];
      for (let i = 0; ; i++) {
        const info = infoFields(plain(await c.call('INFO', 'persistence')) as string);
        if (info.get('loading') === '1') loadingInfos.push(info);
        else if (loadingInfos.length > 0) break;
        else await new Promise((res) => setTimeout(res, 2));
        assert.ok(i < 20000, 'the full sync loads');
      }
      let total = 0;
      for (const info of loadingInfos) {
        for (const f of LOADING_FIELDS) assert.ok(info.has(f), `${f} is printed while loading`);
        total ||= Number(info.get('loading_total_bytes'));
        assert.equal(Number(info.get('loading_total_bytes')), total);
        assert.ok(Number(info.get('loading_loaded_bytes')) <= total);
      }
      assert.ok(total > KEYS * 10, `the transferred RDB's size: ${total}`);
      assert.ok(Number(loadingInfos[0]!.get('loading_start_time')) > 0);
      assert.ok(
        loadingInfos.some((i) => Number(i.get('loading_loaded_bytes')) > 0),
        'some INFO reply during the load shows bytes loaded',
      );
      const final = infoFields(plain(await c.call('INFO', 'persistence')) as string);
      for (const f of LOADING_FIELDS) assert.ok(!final.has(f), `${f} is not printed once loaded`);
      assert.equal(final.get('rdb_last_load_keys_loaded'), String(KEYS));
      await assertAllThere(c);
    } finally {
      await stopR();
      await stopP();
    }
  });
});
