/**
 * `dssm server` as a child process: directives from a config file and as --arguments,
 * configuration errors that name the file/line/directive, maxclients, timeout, SIGTERM.
 * Needs `npm run build` first (the child runs dist/).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RawClient, plain } from '../helpers/resp.js';
import { freePort, waitForPort } from '../helpers/servers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dssm.js');
const built = existsSync(join(import.meta.dirname, '..', '..', 'dist'));

function runServer(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [BIN, 'server', ...args], { encoding: 'utf8', timeout: 15000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('dssm server directives', { skip: built ? false : 'run npm run build first' }, () => {
  test('an unknown directive in the file exits non-zero naming the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dssm-cli-'));
    const file = join(dir, 'bad.conf');
    writeFileSync(file, '# comment\nport 0\nnosuchdirective 1\n');
    const r = runServer([file]);
    assert.notEqual(r.status, 0);
    assert.match(r.out, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, line 3`));
    assert.match(r.out, /nosuchdirective/);
  });

  test('a bad value names the directive, from a file and from arguments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dssm-cli-'));
    const file = join(dir, 'bad.conf');
    writeFileSync(file, 'maxclients abc\n');
    const r = runServer([file]);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /maxclients/);
    const r2 = runServer(['--port', '0', '--timeout', '-5']);
    assert.notEqual(r2.status, 0);
    assert.match(r2.out, /timeout/);
  });

  test('directives from a file and --args are in force; args win; SIGTERM exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dssm-cli-'));
    const file = join(dir, 'ok.conf');
    writeFileSync(
      file,
      'requirepass secret\ndatabases 4\nproto-max-bulk-len 2mb\nclient-query-buffer-limit 1mb\n' +
        'client-output-buffer-limit normal 1mb 512kb 10\nenable-debug-command yes\nnotify-keyspace-events KEA\nmaxclients 50\ntimeout 100\n',
    );
    const port = await freePort();
    const proc = spawn(process.execPath, [BIN, 'server', file, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--maxclients', '3', '--timeout', '1'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const s = { port, dir, stop: async () => (proc.kill('SIGTERM'), exited) };
    await waitForPort(port);
    try {
      const c = await RawClient.connect(s.port);
      assert.deepEqual(plain(await c.call('GET', 'x')), { error: 'NOAUTH Authentication required.' });
      assert.deepEqual(plain(await c.call('AUTH', 'secret')), 'OK');
      const cfg = plain(
        await c.call(
          'CONFIG',
          'GET',
          'databases',
          'proto-max-bulk-len',
          'client-query-buffer-limit',
          'client-output-buffer-limit',
          'enable-debug-command',
          'notify-keyspace-events',
          'maxclients',
          'timeout',
          'port',
          'bind',
          'dir',
        ),
      ) as string[];
      const m = new Map<string, string>();
      for (let i = 0; i < cfg.length; i += 2) m.set(cfg[i]!, cfg[i + 1]!);
      assert.equal(m.get('databases'), '4');
      assert.equal(m.get('proto-max-bulk-len'), '2097152');
      assert.equal(m.get('client-query-buffer-limit'), '1048576');
      assert.equal(m.get('client-output-buffer-limit'), 'normal 1048576 524288 10 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
      assert.equal(m.get('enable-debug-command'), 'yes');
      assert.equal(m.get('notify-keyspace-events'), 'AKE');
      assert.equal(m.get('maxclients'), '3');
      assert.equal(m.get('timeout'), '1');
      assert.equal(m.get('port'), String(s.port));
      assert.equal(m.get('bind'), '127.0.0.1');
      assert.equal(m.get('dir'), s.dir);
      assert.deepEqual(plain(await c.call('SELECT', '4')), { error: 'ERR DB index is out of range' });
      assert.deepEqual(plain(await c.call('DEBUG', 'SLEEP', '0')), 'OK');
      // maxclients 3: the fourth connection is refused with Redis's error.
      const c2 = await RawClient.connect(s.port);
      const c3 = await RawClient.connect(s.port);
      const c4 = await RawClient.connect(s.port);
      assert.deepEqual(plain(await c4.read()), { error: 'ERR max number of clients reached' });
      // timeout 1: an idle client is closed by the server.
      assert.equal(await c3.waitClosed(5000), true);
      c.close();
      c2.close();
      c4.close();
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });
});
