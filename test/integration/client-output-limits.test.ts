/**
 * Client output buffer limits, unauthenticated clients, honest omem, and maxclients under a
 * low open-file limit: each scenario runs against a dssm process and against redis-server
 * 7.0.15 with the same configuration and load, and both must give the same outcome
 * (disconnected or not, the maxclients value, the replies). Memory bounds are limits on
 * the server process's resident memory (VmRSS of the child), not timings.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeCommand, RawClient, type Reply } from '../helpers/resp.js';
import { freePort, redisServerPath, skipWithoutRedis, waitForPort } from '../helpers/servers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dssm.js');
const MB = 1024 * 1024;

type Kind = 'dssm' | 'redis';

interface Proc {
  kind: Kind;
  port: number;
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const noRedis = skipWithoutRedis();
if (noRedis) console.log(`# ${noRedis}: the redis-server half of each scenario is skipped`);
const kinds: Kind[] = noRedis ? ['dssm'] : ['dssm', 'redis'];

/** Start dssm or redis-server as a child process with the same directives (optionally under `ulimit -n`). */
async function start(kind: Kind, args: string[], opts: { ulimit?: number; dssmArgs?: string[] } = {}): Promise<Proc> {
  const dir = mkdtempSync(join(tmpdir(), `limits-${kind}-`));
  const port = await freePort();
  const base = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args];
  const argv = kind === 'dssm' ? [process.execPath, BIN, 'server', ...base, ...(opts.dssmArgs ?? [])] : [redisServerPath()!, ...base];
  const proc =
    opts.ulimit === undefined
      ? spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -n ${opts.ulimit} && exec "$@"`, 'bash', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  await waitForPort(port);
  return {
    kind,
    port,
    proc,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (proc.exitCode !== null || proc.signalCode !== null) return done();
        proc.once('exit', done);
        proc.kill('SIGKILL');
      }),
  };
}

/** Resident memory of a process (VmRSS), or its peak so far (VmHWM), in bytes. */
function rss(pid: number, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const m = new RegExp(`${which}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

function text(r: Reply): string {
  if (r.t === 'bulk' || r.t === 'simple' || r.t === 'verbatim') return String(r.v);
  throw new Error(`unexpected reply ${JSON.stringify(r)}`);
}

/**
 * A command and its reply, waiting up to a minute: the machine running the tests may be
 * loaded, and the servers are busy with the scenario's traffic.
 */
function ask(c: RawClient, ...args: string[]): Promise<Reply> {
  const reply = c.read(60_000);
  c.writeRaw(encodeCommand(args));
  return reply;
}

async function connectAuthed(port: number, password?: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  if (password !== undefined) assert.equal(text(await ask(c, 'AUTH', password)), 'OK');
  return c;
}

/** A connection that sends and never reads (its kernel receive buffer fills, then the server's queue). */
async function nonReader(port: number): Promise<net.Socket> {
  const s = await new Promise<net.Socket>((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' }, () => resolve(sock));
    sock.once('error', reject);
  });
  s.on('error', () => {});
  s.pause();
  return s;
}

/** The CLIENT LIST line of the connection whose local port is `port`, or null when it is gone. */
async function clientLine(ctl: RawClient, port: number): Promise<string | null> {
  const list = text(await ask(ctl, 'CLIENT', 'LIST'));
  return list.split('\n').find((l) => l.includes(`addr=127.0.0.1:${port} `)) ?? null;
}

function field(line: string, name: string): number {
  const m = new RegExp(`(?:^| )${name}=(\\d+)`).exec(line);
  assert.ok(m, `${name} in ${line}`);
  return Number(m[1]);
}

/**
 * Poll until `done()` holds; returns the server's peak resident memory so far (the kernel's
 * high-water mark, so a short peak between two polls counts too). The deadline only
 * keeps a broken build from hanging the run; nothing is asserted about how long it took.
 */
async function watch(pid: number, done: () => Promise<boolean>, deadlineMs = 120_000): Promise<{ reached: boolean; peakRss: number }> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await done()) return { reached: true, peakRss: rss(pid, 'VmHWM') };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { reached: false, peakRss: rss(pid, 'VmHWM') };
}

const GET_K = '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n';

/** A client pipelining `n` GETs of k and never reading: returns whether the server dropped it, and RSS growth. */
async function slowReader(p: Proc, ctl: RawClient, n: number): Promise<{ dropped: boolean; growth: number }> {
  const before = rss(p.proc.pid!);
  const victim = await nonReader(p.port);
  const localPort = victim.localPort!;
  victim.write(GET_K.repeat(n));
  const r = await watch(p.proc.pid!, async () => (await clientLine(ctl, localPort)) === null);
  victim.destroy();
  return { dropped: r.reached, growth: r.peakRss - before };
}

describe('output backpressure (dssm only: redis-server has none and grows with the output)', () => {
  it('a client without limits that stops reading is held at 64 MB of output, and gets every reply once it reads', async () => {
    const p = await start('dssm', []);
    try {
      const ctl = await connectAuthed(p.port);
      await ask(ctl, 'SET', 'k', 'v'.repeat(10 * 1024));
      const before = rss(p.proc.pid!);
      const client = await nonReader(p.port);
      const localPort = client.localPort!;
      const n = 30_000; // 300 MB of replies
      client.write(GET_K.repeat(n));
      // Held: the output stops at the threshold and the rest of the pipeline waits, unparsed.
      let line = '';
      const held = await watch(p.proc.pid!, async () => {
        line = (await clientLine(ctl, localPort)) ?? '';
        return line !== '' && field(line, 'omem') >= 60 * MB && field(line, 'qbuf') > 0;
      });
      assert.equal(held.reached, true, line);
      await new Promise((r) => setTimeout(r, 1000));
      line = (await clientLine(ctl, localPort)) ?? '';
      assert.ok(field(line, 'omem') + field(line, 'obl') < 80 * MB, line);
      const growth = rss(p.proc.pid!, 'VmHWM') - before;
      console.log(`# dssm: held client, peak RSS growth ${(growth / MB).toFixed(1)} MB for ${((n * 10250) / MB).toFixed(0)} MB of replies`);
      assert.ok(growth < 200 * MB, `RSS grew by ${growth} bytes`);
      // Reading resumes the requests: every reply arrives, in order, nothing is lost.
      const expected = n * 10250; // "$10240\r\n" + value + "\r\n"
      let received = 0;
      let head = Buffer.alloc(0);
      const done = new Promise<void>((resolve, reject) => {
        client.on('data', (d: Buffer) => {
          if (head.length < 8) head = Buffer.concat([head, d]).subarray(0, 8);
          received += d.length;
          if (received >= expected) resolve();
        });
        client.on('close', () => reject(new Error(`closed after ${received} bytes`)));
      });
      client.resume();
      await done;
      assert.equal(received, expected);
      assert.equal(head.toString('latin1'), '$10240\r\n');
      assert.equal(text(await ask(ctl, 'PING')), 'PONG');
      client.destroy();
      ctl.close();
    } finally {
      await p.stop();
    }
  });
});

describe('client output buffer limits (dssm and redis-server side by side)', () => {
  for (const kind of kinds) {
    it(`${kind}: a client pipelining 200k GETs of a 10 KB value without reading is disconnected under "normal 64mb 32mb 5", and the server grows by less than 200 MB`, async () => {
      const metricsPort = await freePort();
      const p = await start(kind, ['--client-output-buffer-limit', 'normal 64mb 32mb 5'], { dssmArgs: ['--metrics-port', String(metricsPort)] });
      try {
        const ctl = await connectAuthed(p.port);
        await ask(ctl, 'SET', 'k', 'v'.repeat(10 * 1024));
        const r = await slowReader(p, ctl, 200_000);
        console.log(`# ${kind}: slow reader dropped=${r.dropped}, RSS growth ${(r.growth / MB).toFixed(1)} MB`);
        assert.equal(r.dropped, true);
        assert.ok(r.growth < 200 * MB, `RSS grew by ${r.growth} bytes`);
        assert.equal(text(await ask(ctl, 'PING')), 'PONG');
        if (kind === 'dssm') {
          assert.match(p.output(), /scheduled to be closed ASAP for overcoming of output buffer limits\./);
          const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          assert.match(metrics, /^dssm_client_output_buffer_limit_disconnections_total 1$/m);
        }
        ctl.close();
      } finally {
        await p.stop();
      }
    });

    it(`${kind}: an unauthenticated client pipelining 200k commands without reading under requirepass is disconnected with no limit configured`, async () => {
      const p = await start(kind, ['--requirepass', 's3cret']);
      try {
        const ctl = await connectAuthed(p.port, 's3cret');
        const r = await slowReader(p, ctl, 200_000);
        console.log(`# ${kind}: unauthenticated slow reader dropped=${r.dropped}, RSS growth ${(r.growth / MB).toFixed(1)} MB`);
        assert.equal(r.dropped, true);
        assert.ok(r.growth < 200 * MB, `RSS grew by ${r.growth} bytes`);
        ctl.close();
      } finally {
        await p.stop();
      }
    });

    it(`${kind}: an unauthenticated client is answered up to 16 KB of pending replies and closed past it`, async () => {
      const p = await start(kind, ['--requirepass', 's3cret']);
      try {
        // "-NOAUTH Authentication required.\r\n" is 34 bytes: 481 of them fit in 16384, 482 do not.
        const fits = await RawClient.connect(p.port);
        const got = await fits.rawExchange(GET_K.repeat(481));
        assert.equal(got.length, 481 * 34);
        assert.equal(fits.closed, false);
        fits.close();
        const over = await RawClient.connect(p.port);
        const none = await over.rawExchange(GET_K.repeat(482));
        assert.equal(none.length, 0);
        assert.equal(await over.waitClosed(), true);
        // An authenticated client has no such cap.
        const ok = await connectAuthed(p.port, 's3cret');
        const many = await ok.rawExchange(GET_K.repeat(2000));
        assert.equal(many.length, 2000 * 5); // $-1\r\n
        ok.close();
      } finally {
        await p.stop();
      }
    });

    it(`${kind}: CLIENT LIST shows the queued output in omem and INFO counts it`, async () => {
      const p = await start(kind, []);
      try {
        const ctl = await connectAuthed(p.port);
        await ask(ctl, 'SET', 'k', 'v'.repeat(10 * 1024));
        const victim = await nonReader(p.port);
        const localPort = victim.localPort!;
        victim.write(GET_K.repeat(2000)); // 20 MB of replies: more than the kernel buffers hold
        let line = '';
        const r = await watch(p.proc.pid!, async () => {
          line = (await clientLine(ctl, localPort)) ?? '';
          return line !== '' && field(line, 'omem') > 4 * MB;
        });
        assert.equal(r.reached, true, line);
        assert.ok(field(line, 'tot-mem') >= field(line, 'omem'), line);
        assert.match(line, /events=rw/);
        const info = text(await ask(ctl, 'INFO'));
        const num = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)![1]);
        assert.ok(num('mem_clients_normal') > 4 * MB, info);
        // Sampled by the cron: wait for it to have seen the client.
        const seen = await watch(p.proc.pid!, async () => {
          const i = text(await ask(ctl, 'INFO', 'clients'));
          return Number(/client_recent_max_output_buffer:(\d+)/.exec(i)![1]) > 4 * MB;
        });
        assert.equal(seen.reached, true);
        victim.destroy();
        ctl.close();
      } finally {
        await p.stop();
      }
    });

    it(`${kind}: a soft limit exceeded for longer than its seconds disconnects; exceeded briefly, it does not`, async () => {
      const p = await start(kind, ['--client-output-buffer-limit', 'normal 0 1mb 5']);
      try {
        const ctl = await connectAuthed(p.port);
        await ask(ctl, 'SET', 'k', 'v'.repeat(10 * 1024));

        // Briefly: the client lets 4 MB pile up (seen in omem), then reads everything.
        const brief = await RawClient.connect(p.port);
        const localPort = brief.socket.localPort!;
        brief.socket.pause();
        const replies = Array.from({ length: 1000 }, () => brief.read(60_000));
        brief.writeRaw(GET_K.repeat(1000));
        const over = await watch(p.proc.pid!, async () => {
          const line = await clientLine(ctl, localPort);
          return line !== null && field(line, 'omem') >= MB;
        });
        assert.equal(over.reached, true, 'the output went over the soft limit');
        brief.socket.resume();
        for (const r of await Promise.all(replies)) assert.equal(r.t, 'bulk');
        // Longer than the soft seconds, below the limit: still connected.
        await new Promise((r) => setTimeout(r, 6500));
        assert.equal(text(await ask(brief, 'PING')), 'PONG');
        brief.close();

        // Continuously: a client that never reads is dropped once the seconds have passed.
        const r = await slowReader(p, ctl, 1000);
        assert.equal(r.dropped, true);
        ctl.close();
      } finally {
        await p.stop();
      }
    });

    it(`${kind}: a replica that stops reading is dropped by the replica limit`, async () => {
      const p = await start(kind, ['--client-output-buffer-limit', 'replica 4mb 2mb 60']);
      try {
        const ctl = await connectAuthed(p.port);
        const replica = await RawClient.connect(p.port);
        assert.equal(text(await ask(replica, 'REPLCONF', 'listening-port', '1')), 'OK');
        // Full sync, then never read again.
        replica.writeRaw('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
        const synced = await watch(p.proc.pid!, async () => /connected_slaves:1/.test(text(await ask(ctl, 'INFO', 'replication'))));
        assert.equal(synced.reached, true);
        replica.socket.pause();
        const value = 'x'.repeat(200 * 1024);
        for (let i = 0; i < 100; i++) await ask(ctl, 'SET', `big:${i}`, value); // 20 MB of stream
        const dropped = await watch(p.proc.pid!, async () => /connected_slaves:0/.test(text(await ask(ctl, 'INFO', 'replication'))));
        assert.equal(dropped.reached, true);
        if (kind === 'dssm') assert.match(p.output(), /flags=S .*scheduled to be closed ASAP for overcoming of output buffer limits\./);
        replica.close();
        ctl.close();
      } finally {
        await p.stop();
      }
    });

    it(`${kind}: under ulimit -n 64, maxclients is lowered to 32 with a warning and extra clients are refused, not reset`, async () => {
      const p = await start(kind, [], { ulimit: 64 });
      try {
        const ctl = await connectAuthed(p.port);
        const got = await ask(ctl, 'CONFIG', 'GET', 'maxclients');
        assert.deepEqual(got.t === 'array' && got.v ? got.v.map(text) : got, ['maxclients', '32']);
        assert.match(p.output(), /maxclients has been reduced to 32 to compensate for low ulimit/);
        const outcomes = new Map<string, number>();
        const extra: RawClient[] = [];
        for (let i = 0; i < 45; i++) {
          const c = await RawClient.connect(p.port);
          extra.push(c);
          const out = (await c.rawExchange('PING\r\n', 50)).toString('latin1');
          const key = out === '' && c.closed ? '(reset)' : out.trim();
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }
        // 31 more clients fit beside ctl; the other 14 get the error, none a bare reset.
        assert.deepEqual(Object.fromEntries(outcomes), { '+PONG': 31, '-ERR max number of clients reached': 14 });
        assert.equal(text(await ask(ctl, 'PING')), 'PONG');
        // Raising it past what the descriptors allow is refused, and changes nothing.
        const refused = await ask(ctl, 'CONFIG', 'SET', 'maxclients', '1000');
        assert.deepEqual(refused, {
          t: 'error',
          v: "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with 32",
        });
        const after = await ask(ctl, 'CONFIG', 'GET', 'maxclients');
        assert.deepEqual(after.t === 'array' && after.v ? after.v.map(text) : after, ['maxclients', '32']);
        assert.equal(text(await ask(ctl, 'CONFIG', 'SET', 'maxclients', '20')), 'OK');
        for (const c of extra) c.close();
        ctl.close();
      } finally {
        await p.stop();
      }
    });
  }
});
