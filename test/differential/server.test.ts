/**
 * Server, connection and introspection commands against the real redis-server: error
 * texts, reply shapes, and every dssm command's COMMAND INFO (arity, flags, key positions)
 * compared with Redis 7.0's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { usePair } from '../helpers/differential.js';
import { plain, type Reply } from '../helpers/resp.js';
import { skipWithoutRedis } from '../helpers/servers.js';

describe('server commands match redis-server', { skip: skipWithoutRedis() }, () => {
  const p = usePair();

  /**
   * The whole command table against Redis 7.0.15, in RESP3 so that map, set, simple and bulk
   * types count: every COMMAND INFO field (arity, flags, key positions, ACL categories, tips,
   * key specs) of every command and subcommand, and COMMAND DOCS (summary, since, group,
   * complexity, doc flags, deprecation, history; dssm generates no `arguments`, so Redis's are
   * left out). Subcommands are compared as a set (Redis lists them in hash order).
   */
  test('COMMAND INFO and COMMAND DOCS of the whole table match Redis 7.0 exactly', async () => {
    const a = await p.dssm.client();
    const b = await p.redis.client();
    await a.call('HELLO', '3');
    await b.call('HELLO', '3');
    const mismatches: string[] = [];
    const missingSubs: string[] = [];
    const str = (r: Reply) => (r.t === 'simple' || r.t === 'bulk' ? r.v : null);
    const subsOf = (r: Reply) => (r.t === 'array' && r.v ? r.v : []);
    const compareInfo = (ours: Reply, theirs: Reply, name: string) => {
      if (ours.t !== 'array' || theirs.t !== 'array' || !ours.v || !theirs.v) {
        mismatches.push(`${name}: COMMAND INFO dssm ${JSON.stringify(ours)} redis ${JSON.stringify(theirs)}`);
        return;
      }
      const fields = ['name', 'arity', 'flags', 'first', 'last', 'step', 'acl', 'tips', 'key specs'];
      for (let i = 0; i < 9; i++) {
        const x = JSON.stringify(ours.v[i]);
        const y = JSON.stringify(theirs.v[i]);
        if (x !== y) mismatches.push(`${name} ${fields[i]}: dssm ${x} redis ${y}`);
      }
      const oursSubs = new Map(subsOf(ours.v[9]!).map((s) => [str((s as { v: Reply[] }).v[0]!), s]));
      for (const ts of subsOf(theirs.v[9]!)) {
        const subName = str((ts as { v: Reply[] }).v[0]!)!;
        const os = oursSubs.get(subName);
        if (os) compareInfo(os, ts, subName);
        else missingSubs.push(subName);
        oursSubs.delete(subName);
      }
      for (const extra of oursSubs.keys()) mismatches.push(`${extra}: not a Redis 7.0 subcommand`);
    };
    /** COMMAND DOCS entry without `arguments` (at every level), subcommands sorted by name. */
    const docsShape = (r: Reply): unknown => {
      if (r.t !== 'map') return r;
      const entries = r.v
        .filter(([k]) => str(k) !== 'arguments')
        .map(([k, v]) => {
          if (str(k) !== 'subcommands' || v.t !== 'map') return [k, v];
          const subs = v.v.filter(([sk]) => !missingSubs.includes(str(sk)!)).map(([sk, sv]) => [sk, docsShape(sv)]);
          return [k, subs.sort((x, y) => JSON.stringify(x[0]).localeCompare(JSON.stringify(y[0])))];
        });
      return { t: 'map', v: entries };
    };
    const ours = await a.call('COMMAND');
    assert.equal(ours.t, 'array');
    const names = (ours.v ?? []).map((e) => str((e as { v: Reply[] }).v[0]!)!);
    for (const name of names) {
      const oi = await a.call('COMMAND', 'INFO', name);
      const ti = await b.call('COMMAND', 'INFO', name);
      const t = (ti as { v: Reply[] }).v[0]!;
      if (t.t === 'null' || (t.t === 'array' && t.v === null)) {
        mismatches.push(`${name}: not a Redis 7.0 command`);
        continue;
      }
      compareInfo((oi as { v: Reply[] }).v[0]!, t, name);
      const od = await a.call('COMMAND', 'DOCS', name);
      const td = await b.call('COMMAND', 'DOCS', name);
      const x = JSON.stringify(docsShape((od as { v: [Reply, Reply][] }).v[0]![1]));
      const y = JSON.stringify(docsShape((td as { v: [Reply, Reply][] }).v[0]![1]));
      if (x !== y) mismatches.push(`${name} docs: dssm ${x} redis ${y}`);
    }
    assert.deepEqual(mismatches, []);

    // What Redis 7.0 has and dssm lacks answers as Redis answers an unknown (sub)command.
    const all = await b.call('COMMAND');
    const theirNames = ((all as { v: Reply[] }).v ?? []).map((e) => str((e as { v: Reply[] }).v[0]!)!);
    const lacking = theirNames.filter((n) => !names.includes(n));
    for (const name of lacking) {
      const r = await a.call(name, 'x');
      assert.deepEqual(r, { t: 'error', v: `ERR unknown command '${name}', with args beginning with: 'x' ` });
    }
    for (const full of missingSubs) {
      const [parent, sub] = full.split('|') as [string, string];
      const r = await a.call(parent, sub);
      assert.deepEqual(r, { t: 'error', v: `ERR unknown subcommand '${sub}'. Try ${parent.toUpperCase()} HELP.` }, full);
    }
    // Later Redis versions' commands answer as 7.0.15 does.
    await p.both(['CLIENT', 'SETINFO', 'lib-name', 'x']);
    await p.both(['CLIENT', 'SETINFO', 'lib-ver', '1.0']);
    await p.both(['COMMAND', 'INFO', 'client|setinfo']);
    a.close();
    b.close();
  });

  test('COMMAND COUNT/INFO/DOCS/LIST/GETKEYS shapes and errors', async () => {
    await p.both(['COMMAND', 'INFO', 'get', 'nosuchcommand', 'client|list', 'config|set', 'ping']);
    await p.both(['COMMAND', 'INFO', 'GET']);
    await p.both(['COMMAND', 'DOCS', 'nosuch']);
    await p.both(['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config*'], { unordered: true });
    await p.both(['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x']);
    await p.both(['COMMAND', 'LIST', 'FILTERBY', 'foo', 'x']);
    await p.both(['COMMAND', 'LIST', 'x']);
    await p.both(['COMMAND', 'GETKEYS', 'set', 'a', 'b']);
    await p.both(['COMMAND', 'GETKEYS', 'mset', 'a', 'b', 'c', 'd']);
    await p.both(['COMMAND', 'GETKEYS', 'nosuch', 'a', 'b']);
    await p.both(['COMMAND', 'GETKEYS', 'get', 'a', 'b']);
    await p.both(['COMMAND', 'GETKEYS', 'ping', 'a', 'b']);
    await p.both(['COMMAND', 'GETKEYS', 'get']);
    // Key flags come from the key spec that found each key (variable ones from the arguments).
    for (const cmd of [
      'setnx k v',
      'set k v',
      'set k v get',
      'set k v GET ex 1',
      'mset a 1 b 2',
      'rename a b',
      'lmove a b left right',
      'zunionstore d 2 a b',
      'georadius g 1 2 3 km store d storedist e',
      'blmpop 0 2 a b left',
      'copy a b',
      'bitop and d a b',
      'getex k',
      'del a b',
      'pfmerge d a b',
      'smove a b m',
      'zrangestore d s 0 -1',
      'geosearchstore d s frommember m byradius 1 km',
      'zinterstore d 2 a b weights 1 2',
      'lmpop 2 a b left',
      'zdiff 2 a b',
      'incr k',
      'bitfield k get u8 0',
      'bitfield k overflow wrap get u8 0',
      'bitfield k incrby u8 0 1',
    ]) {
      await p.both(['COMMAND', 'GETKEYSANDFLAGS', ...cmd.split(' ')]);
    }
    await p.both(['COMMAND', 'HELP']);
    await p.both(['COMMAND', 'foo']);
    await p.both(['COMMAND', 'COUNT', 'x']);
  });

  test('CLIENT subcommand errors and simple replies', async () => {
    for (const args of [
      ['CLIENT'],
      ['CLIENT', 'foo'],
      ['CLIENT', 'KILL', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'ID', '99999'],
      ['CLIENT', 'KILL', 'foo', 'bar'],
      ['CLIENT', 'KILL', 'ID', 'x'],
      ['CLIENT', 'KILL', 'TYPE', 'foo'],
      ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
      ['CLIENT', 'KILL', 'ADDR', '1.1.1.1:1'],
      ['CLIENT', 'KILL', 'USER', 'nobody'],
      ['CLIENT', 'KILL', 'ID', '1', 'TYPE'],
      ['CLIENT', 'PAUSE'],
      ['CLIENT', 'PAUSE', 'x'],
      ['CLIENT', 'PAUSE', '-1'],
      ['CLIENT', 'PAUSE', '10', 'foo'],
      ['CLIENT', 'REPLY', 'foo'],
      ['CLIENT', 'SETNAME', 'a b'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'myname'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'NO-EVICT', 'x'],
      ['CLIENT', 'NO-EVICT', 'on'],
      ['CLIENT', 'NO-EVICT', 'off'],
      ['CLIENT', 'LIST', 'TYPE', 'foo'],
      ['CLIENT', 'LIST', 'ID', 'x'],
      ['CLIENT', 'LIST', 'ID', '0'],
      ['CLIENT', 'LIST', 'foo'],
      ['CLIENT', 'UNPAUSE'],
      ['CLIENT', 'HELP'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'UNBLOCK', '99999'],
      ['CLIENT', 'UNBLOCK', '99999', 'foo'],
    ]) {
      await p.both(args);
    }
  });

  test('CLIENT LIST and CLIENT INFO have Redis 7.0 field names in order', async () => {
    const [a, b] = await p.send(['CLIENT', 'INFO']);
    const keys = (r: unknown) =>
      String(plain(r as never))
        .trim()
        .split(' ')
        .map((kv) => kv.split('=')[0]);
    assert.deepEqual(keys(a), keys(b));
    const [la, lb] = await p.send(['CLIENT', 'LIST']);
    assert.deepEqual(keys(la), keys(lb));
  });

  test('CONFIG errors', async () => {
    for (const args of [
      ['CONFIG', 'GET'],
      ['CONFIG', 'SET', 'port'],
      ['CONFIG', 'SET', 'foo', 'bar'],
      ['CONFIG', 'SET', 'maxmemory', 'abc'],
      ['CONFIG', 'SET', 'daemonize', 'yes'],
      ['CONFIG', 'SET', 'maxmemory', '1', 'maxmemory', '2'],
      ['CONFIG', 'SET', 'hz', 'abc'],
      ['CONFIG', 'SET', 'hz', '-1'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'foo'],
      ['CONFIG', 'SET', 'save', 'abc'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Q'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'foo 1 2 3'],
      ['CONFIG', 'SET', 'databases', '3'],
      ['CONFIG', 'SET', 'timeout', '-1'],
      ['CONFIG', 'SET', 'maxclients', '0'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '10'],
      ['CONFIG', 'SET', 'client-query-buffer-limit', '10'],
      ['CONFIG', 'SET', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'maxmemory', '0', 'hz', 'abc'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'REWRITE'],
      ['CONFIG', 'HELP'],
      ['CONFIG', 'foo'],
    ]) {
      await p.both(args);
    }
    for (const v of ['KEA', 'Emn', 'gx', '', 'AKEd', 'lsE']) {
      await p.both(['CONFIG', 'SET', 'notify-keyspace-events', v]);
      await p.both(['CONFIG', 'GET', 'notify-keyspace-events']);
    }
    await p.both(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 2mb 3']);
    await p.both(['CONFIG', 'GET', 'client-output-buffer-limit']);
    await p.both(['CONFIG', 'SET', 'maxmemory', '1gb', 'maxmemory-policy', 'allkeys-lru']);
    await p.both(['CONFIG', 'GET', 'maxmemory', 'maxmemory-policy', 'nosuch'], { unorderedPairs: true });
    await p.both(['CONFIG', 'GET', '*ziplist*'], { unorderedPairs: true });
    await p.both(['CONFIG', 'SET', 'maxmemory', '0']);
  });

  test('SLOWLOG, LATENCY, MEMORY, DEBUG, SHUTDOWN, misc errors', async () => {
    for (const args of [
      ['SLOWLOG', 'GET', 'x'],
      ['SLOWLOG', 'GET', '-2'],
      ['SLOWLOG', 'foo'],
      ['SLOWLOG', 'HELP'],
      ['SLOWLOG', 'RESET'],
      ['LATENCY', 'LATEST'],
      ['LATENCY', 'HISTORY', 'x'],
      ['LATENCY', 'RESET'],
      ['LATENCY', 'DOCTOR'],
      ['LATENCY', 'HELP'],
      ['MEMORY', 'USAGE', 'nokey'],
      ['MEMORY', 'foo'],
      ['MEMORY', 'HELP'],
      ['MEMORY', 'USAGE'],
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'FLUSH', 'ASYNC'],
      ['FUNCTION', 'FLUSH', 'sync'],
      ['FUNCTION', 'FLUSH', 'bogus'],
      ['FUNCTION', 'FLUSH', 'a', 'b'],
      ['FUNCTION'],
      ['DEBUG'],
      ['DEBUG', 'SLEEP', '0'],
      ['DEBUG', 'foo'],
      ['SHUTDOWN', 'ABORT'],
      ['SHUTDOWN', 'SAVE', 'NOSAVE'],
      ['SHUTDOWN', 'foo'],
      ['SHUTDOWN', 'NOW', 'ABORT'],
      ['MONITOR', 'x'],
      ['LASTSAVE', 'x'],
      ['TIME', 'x'],
      ['ECHO'],
      ['ECHO', 'a', 'b'],
      ['PING', 'a', 'b'],
      ['SELECT', 'x'],
      ['SELECT', '-1'],
      ['SELECT', '16'],
      ['AUTH', 'x'],
      ['AUTH', 'a', 'b'],
      ['AUTH', 'a', 'b', 'c'],
      ['HELLO', 'x'],
      ['HELLO', '4'],
      ['HELLO', '1'],
      ['HELLO', '2', 'foo'],
      ['HELLO', '2', 'AUTH', 'a'],
      ['HELLO', '2', 'SETNAME', 'a b'],
    ]) {
      await p.both(args);
    }
    for (const [k, v] of [
      ['k', 'v'],
      ['n', '123'],
      ['big', 'a'.repeat(62)],
      ['e', ''],
      ['neg', '-5'],
      ['mid', 'x'.repeat(44)],
      ['long', 'y'.repeat(300)],
    ] as const) {
      await p.both(['SET', k, v]);
      await p.both(['MEMORY', 'USAGE', k]);
    }
    await p.both(['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x']);
    await p.both(['MEMORY', 'USAGE', 'k', 'foo']);
    await p.both(['FLUSHALL']);
  });

  test('INFO has Redis 7.0 section headers for every selection', async () => {
    const headers = (r: unknown) =>
      String(plain(r as never))
        .split('\r\n')
        .filter((l) => l.startsWith('#'));
    for (const sel of [[], ['all'], ['everything'], ['default'], ['server', 'clients'], ['clients', 'server', 'commandstats', 'default'], ['CPU'], ['foo']]) {
      const [a, b] = await p.send(['INFO', ...sel]);
      assert.deepEqual(headers(a), headers(b), `INFO ${sel.join(' ')}`);
    }
  });
});

describe('ACL categories follow the command table as in Redis', { skip: skipWithoutRedis() }, () => {
  const p = usePair();

  test('a user with -@admin is refused ROLE; one with -@connection is refused WAIT', async () => {
    await p.both(['ACL', 'SETUSER', 'noadmin', 'on', '>pw', '+@all', '-@admin', '~*', '&*']);
    await p.both(['ACL', 'SETUSER', 'noconn', 'on', '>pw', '+@all', '-@connection', '~*', '&*']);
    await p.both(['ACL', 'SETUSER', 'nokeyspace', 'on', '>pw', '+@all', '-@keyspace', '~*', '&*']);
    const a = await p.dssm.client();
    const b = await p.redis.client();
    const both = async (args: string[]) => {
      const [x, y] = await Promise.all([a.call(...args), b.call(...args)]);
      assert.deepEqual(x, y, JSON.stringify(args));
      return x;
    };
    await both(['AUTH', 'noadmin', 'pw']);
    assert.deepEqual(await both(['ROLE']), { t: 'error', v: "NOPERM this user has no permissions to run the 'role' command" });
    await both(['GET', 'k']);
    await both(['AUTH', 'noconn', 'pw']);
    assert.deepEqual(await both(['WAIT', '0', '0']), { t: 'error', v: "NOPERM this user has no permissions to run the 'wait' command" });
    await both(['AUTH', 'nokeyspace', 'pw']);
    await both(['WAIT', '0', '0']);
    await both(['SWAPDB', '0', '1']);
    a.close();
    b.close();
  });
});

describe('CLIENT UNBLOCK releases a client blocked in WAIT, as Redis 7.0 does', { skip: skipWithoutRedis() }, () => {
  const p = usePair();

  for (const reason of ['TIMEOUT', 'ERROR']) {
    test(`WAIT 1 0 with no replica, then CLIENT UNBLOCK id ${reason}`, async () => {
      const a = await p.dssm.client();
      const b = await p.redis.client();
      const ids = await Promise.all([a.call('CLIENT', 'ID'), b.call('CLIENT', 'ID')]);
      const waits = [a.call('WAIT', '1', '0'), b.call('WAIT', '1', '0')];
      // Unblock only once both are seen blocked (CLIENT LIST flags=b, cmd=wait).
      for (const [c, id] of [
        [p.a, ids[0]],
        [p.b, ids[1]],
      ] as const) {
        for (let i = 0; ; i++) {
          const list = String(plain(await c.call('CLIENT', 'LIST', 'ID', String(plain(id)))));
          if (list.includes('cmd=wait')) break;
          assert.ok(i < 200, `client ${plain(id)} never blocked in WAIT: ${list}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      const [x, y] = await Promise.all([p.a.call('CLIENT', 'UNBLOCK', String(plain(ids[0])), reason), p.b.call('CLIENT', 'UNBLOCK', String(plain(ids[1])), reason)]);
      assert.deepEqual(x, y);
      assert.deepEqual(plain(x), 1);
      const [wa, wb] = await Promise.all(waits);
      assert.deepEqual(wa, wb);
      await p.both(['CLIENT', 'UNBLOCK', String(plain(ids[0])), reason].map((s, i) => (i === 2 ? '99999' : s)));
      a.close();
      b.close();
    });
  }
});
