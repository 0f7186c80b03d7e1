/**
 * Generic key commands, differential against redis-server: replies and error texts must
 * be identical. Orders Redis leaves unspecified (KEYS, SCAN) are compared as sets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePair, pick, rng } from '../helpers/differential.js';
import { plain, type Reply } from '../helpers/resp.js';
import { skipWithoutRedis } from '../helpers/servers.js';

describe('generic key commands (differential)', { skip: skipWithoutRedis() }, () => {
  const p = usePair();

  const reset = async (): Promise<void> => {
    await p.send(['FLUSHALL']);
    await p.send(['SELECT', 0]);
  };

  it('DEL UNLINK EXISTS TYPE TOUCH', async () => {
    await reset();
    await p.both(['SET', 'a', '1']);
    await p.both(['SET', 'b', '2']);
    await p.both(['RPUSH', 'l', 'x']);
    await p.both(['EXISTS', 'a', 'a', 'nokey', 'b']);
    await p.both(['TYPE', 'a']);
    await p.both(['TYPE', 'l']);
    await p.both(['TYPE', 'nokey']);
    await p.both(['TOUCH', 'a', 'nokey', 'l']);
    await p.both(['DEL', 'a', 'a', 'nokey']);
    await p.both(['UNLINK', 'b', 'l']);
    await p.both(['EXISTS', 'a', 'b', 'l']);
    await p.both(['DEL']);
    await p.both(['UNLINK']);
    await p.both(['EXISTS']);
    await p.both(['TOUCH']);
    await p.both(['TYPE']);
    await p.both(['TYPE', 'a', 'b']);
  });

  it('EXPIRE family: options, errors, TTL readers', async () => {
    await reset();
    await p.both(['SET', 'k', 'v']);
    for (const cmd of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) {
      await p.both([cmd, 'k', '100', 'NX', 'XX']);
      await p.both([cmd, 'k', '100', 'nx', 'gt']);
      await p.both([cmd, 'k', '100', 'NX', 'LT']);
      await p.both([cmd, 'k', '100', 'GT', 'LT']);
      await p.both([cmd, 'k', '100', 'bogus']);
      await p.both([cmd, 'k', '100', 'xx', 'bogus']);
      await p.both([cmd, 'k', 'abc']);
      await p.both([cmd, 'k', '1.5']);
      await p.both([cmd, 'k', '9223372036854775808']);
      await p.both([cmd, 'k', '9223372036854775807']);
      await p.both([cmd, 'k', '-9223372036854775808']);
      await p.both([cmd, 'nokey', '100']);
      await p.both([cmd]);
      await p.both([cmd, 'k']);
    }
    await p.both(['EXPIRE', 'k', '9223372036854775']);
    await p.both(['EXPIRE', 'k', '9223372036854']);
    await p.both(['TTL', 'k']);
    await p.both(['PERSIST', 'k']);
    await p.both(['TTL', 'k']);
    await p.both(['PTTL', 'k']);
    await p.both(['EXPIRETIME', 'k']);
    await p.both(['PEXPIRETIME', 'k']);
    await p.both(['TTL', 'nokey']);
    await p.both(['PTTL', 'nokey']);
    await p.both(['EXPIRETIME', 'nokey']);
    await p.both(['PEXPIRETIME', 'nokey']);
    await p.both(['PERSIST', 'nokey']);
    await p.both(['PERSIST', 'k']);
    // NX / XX / GT / LT semantics
    await p.both(['EXPIRE', 'k', '100', 'XX']);
    await p.both(['EXPIRE', 'k', '100', 'GT']);
    await p.both(['EXPIRE', 'k', '100', 'LT']);
    await p.both(['TTL', 'k']);
    await p.both(['EXPIRE', 'k', '200', 'NX']);
    await p.both(['EXPIRE', 'k', '50', 'GT']);
    await p.both(['EXPIRE', 'k', '150', 'GT']);
    await p.both(['TTL', 'k']);
    await p.both(['EXPIRE', 'k', '300', 'LT']);
    await p.both(['EXPIRE', 'k', '120', 'LT', 'XX']);
    await p.both(['TTL', 'k']);
    await p.both(['EXPIRE', 'k', '100', 'XX']);
    await p.both(['TTL', 'k']);
    const at = Math.floor(Date.now() / 1000) + 1000;
    await p.both(['EXPIREAT', 'k', String(at)]);
    await p.both(['EXPIRETIME', 'k']);
    await p.both(['PEXPIREAT', 'k', String(at * 1000 + 123)]);
    await p.both(['PEXPIRETIME', 'k']);
    await p.both(['EXPIRETIME', 'k']);
    // A time in the past deletes the key.
    await p.both(['EXPIRE', 'k', '-1']);
    await p.both(['EXISTS', 'k']);
    await p.both(['SET', 'k', 'v']);
    await p.both(['PEXPIREAT', 'k', '1']);
    await p.both(['EXISTS', 'k']);
    await p.both(['SET', 'k', 'v']);
    await p.both(['EXPIRE', 'k', '0', 'LT']);
    await p.both(['EXISTS', 'k']);
    await p.both(['SET', 'k', 'v', 'EX', '100']);
    await p.both(['EXPIRE', 'k', '-5', 'LT']);
    await p.both(['EXISTS', 'k']);
  });

  it('RENAME and RENAMENX keep the TTL and replace the target', async () => {
    await reset();
    await p.both(['RENAME', 'nokey', 'x']);
    await p.both(['RENAMENX', 'nokey', 'x']);
    await p.both(['SET', 'a', '1']);
    await p.both(['PEXPIREAT', 'a', String(Date.now() + 500000)]);
    await p.both(['SET', 'b', '2']);
    await p.both(['RENAME', 'a', 'a']);
    await p.both(['RENAMENX', 'a', 'a']);
    await p.both(['RENAMENX', 'a', 'b']);
    await p.both(['RENAME', 'a', 'b']);
    await p.both(['GET', 'b']);
    await p.both(['EXISTS', 'a']);
    await p.both(['PEXPIRETIME', 'b']);
    await p.both(['RENAMENX', 'b', 'c']);
    await p.both(['PEXPIRETIME', 'c']);
    await p.both(['RPUSH', 'list', '1', '2']);
    await p.both(['RENAME', 'list', 'c']);
    await p.both(['TYPE', 'c']);
    await p.both(['TTL', 'c']);
    await p.both(['LRANGE', 'c', 0, -1]);
    await p.both(['RENAME', 'c']);
  });

  it('MOVE COPY SWAPDB across databases', async () => {
    await reset();
    await p.both(['SET', 'k', 'v']);
    await p.both(['PEXPIREAT', 'k', String(Date.now() + 500000)]);
    await p.both(['MOVE', 'k', '0']);
    await p.both(['MOVE', 'k', '16']);
    await p.both(['MOVE', 'k', '-1']);
    await p.both(['MOVE', 'k', 'x']);
    await p.both(['MOVE', 'k', '99999999999']);
    await p.both(['MOVE', 'nokey', '1']);
    await p.both(['MOVE', 'k', '1']);
    await p.both(['EXISTS', 'k']);
    await p.both(['SELECT', '1']);
    await p.both(['GET', 'k']);
    await p.both(['PEXPIRETIME', 'k']);
    await p.both(['SET', 'k2', 'other']);
    await p.both(['SELECT', '0']);
    await p.both(['SET', 'k2', 'mine']);
    await p.both(['MOVE', 'k2', '1']);
    await p.both(['GET', 'k2']);
    // COPY
    await p.both(['COPY', 'k2', 'k2']);
    await p.both(['COPY', 'k2', 'k2', 'DB', '0']);
    await p.both(['COPY', 'k2', 'k2', 'DB', '1']);
    await p.both(['COPY', 'k2', 'k2', 'DB', '1', 'REPLACE']);
    await p.both(['COPY', 'k2', 'k3', 'DB', 'x']);
    await p.both(['COPY', 'k2', 'k3', 'DB', '16']);
    await p.both(['COPY', 'k2', 'k3', 'DB']);
    await p.both(['COPY', 'k2', 'k3', 'BOGUS']);
    await p.both(['COPY', 'nokey', 'k3']);
    await p.both(['COPY', 'k2', 'k3']);
    await p.both(['COPY', 'k2', 'k3']);
    await p.both(['SET', 'k2', 'changed']);
    await p.both(['GET', 'k3']);
    await p.both(['COPY', 'k2', 'k3', 'REPLACE']);
    await p.both(['GET', 'k3']);
    await p.both(['RPUSH', 'l', 'a', 'b']);
    await p.both(['EXPIRE', 'l', '1000']);
    await p.both(['COPY', 'l', 'l2']);
    await p.both(['RPUSH', 'l', 'c']);
    await p.both(['LRANGE', 'l2', 0, -1]);
    await p.both(['TTL', 'l2']);
    // SWAPDB
    await p.both(['SWAPDB', 'a', '1']);
    await p.both(['SWAPDB', '0', 'b']);
    await p.both(['SWAPDB', '0', '16']);
    await p.both(['SWAPDB', '-1', '0']);
    await p.both(['SWAPDB', '0', '1']);
    await p.both(['GET', 'k']);
    await p.both(['GET', 'k2']);
    await p.both(['SWAPDB', '0', '0']);
    await p.both(['DBSIZE']);
  });

  it('KEYS and SCAN with MATCH COUNT TYPE', async () => {
    await reset();
    for (let i = 0; i < 200; i++) await p.both(['SET', `key:${i}`, String(i)]);
    for (let i = 0; i < 30; i++) await p.both(['RPUSH', `list:${i}`, 'x']);
    await p.both(['SET', 'a*b', '1']);
    await p.both(['SET', 'a\\b', '1']);
    for (const pat of ['*', 'key:1*', 'key:?', 'list:[0-2]', 'a\\*b', 'nomatch*', 'KEY:*', 'a\\\\b', '[']) {
      await p.both(['KEYS', pat], { unordered: true });
    }
    await p.both(['KEYS']);
    await p.both(['SCAN', 'abc']);
    await p.both(['SCAN', '0', 'COUNT', '0']);
    await p.both(['SCAN', '0', 'COUNT', 'x']);
    await p.both(['SCAN', '0', 'MATCH']);
    await p.both(['SCAN', '0', 'BOGUS', 'x']);
    await p.both(['SCAN', '-1x']);
    await p.both(['SCAN', ' 1']);
    await p.both(['SCAN', '18446744073709551616']);
    await p.both(['SCAN']);
    const full = async (c: 'a' | 'b', extra: string[]): Promise<string[]> => {
      const client = c === 'a' ? p.a : p.b;
      const seen: string[] = [];
      let cursor = '0';
      let calls = 0;
      do {
        const r = plain(await client.call('SCAN', cursor, ...extra)) as [string, string[]];
        cursor = r[0];
        seen.push(...r[1]);
        assert.ok(++calls < 10000);
      } while (cursor !== '0');
      return seen;
    };
    for (const extra of [[], ['COUNT', '7'], ['MATCH', 'key:1*'], ['TYPE', 'list'], ['TYPE', 'LIST', 'COUNT', '1000'], ['TYPE', 'string', 'MATCH', '*9'], ['TYPE', 'nosuchtype']]) {
      const mine = await full('a', extra);
      const theirs = await full('b', extra);
      assert.equal(new Set(mine).size, mine.length, 'dssm returned a key twice in an undisturbed scan');
      assert.deepEqual([...mine].sort(), [...new Set(theirs)].sort(), JSON.stringify(extra));
    }
  });

  it('SCAN returns every key present for the whole scan while others come and go', async () => {
    await reset();
    const client = p.a;
    for (let i = 0; i < 500; i++) await client.call('SET', `stable:${i}`, 'v');
    const seen = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const r = plain(await client.call('SCAN', cursor, 'COUNT', '13')) as [string, string[]];
      cursor = r[0];
      for (const k of r[1]) seen.add(k);
      // churn: add and remove other keys between calls
      for (let j = 0; j < 5; j++) await client.call('SET', `churn:${round}:${j}`, 'v');
      if (round > 0) for (let j = 0; j < 5; j++) await client.call('DEL', `churn:${round - 1}:${j}`);
      round++;
    } while (cursor !== '0');
    for (let i = 0; i < 500; i++) assert.ok(seen.has(`stable:${i}`), `stable:${i} missed`);
  });

  it('RANDOMKEY DBSIZE', async () => {
    await reset();
    await p.both(['RANDOMKEY']);
    await p.both(['SET', 'only', '1']);
    await p.both(['RANDOMKEY']);
    await p.both(['RANDOMKEY', 'x']);
    for (let i = 0; i < 20; i++) await p.both(['SET', `k${i}`, 'v']);
    const got = new Set<string>();
    for (let i = 0; i < 200; i++) got.add((plain(await p.a.call('RANDOMKEY')) as string) ?? '');
    assert.ok(got.size > 5, 'RANDOMKEY is not random');
    await p.both(['DBSIZE']);
  });

  it('OBJECT subcommands and errors', async () => {
    await reset();
    for (const v of ['100', '-1', '12345678901234567890', '9223372036854775807', '01', 'a'.repeat(44), 'a'.repeat(45), ' 1', '1.5', '']) {
      await p.both(['SET', 's', v]);
      await p.both(['OBJECT', 'ENCODING', 's']);
      await p.both(['OBJECT', 'REFCOUNT', 's']);
    }
    await p.both(['OBJECT', 'ENCODING', 'nokey']);
    await p.both(['OBJECT', 'REFCOUNT', 'nokey']);
    await p.both(['OBJECT', 'IDLETIME', 'nokey']);
    await p.both(['OBJECT', 'FREQ', 'nokey']);
    await p.both(['OBJECT', 'FREQ', 's']);
    await p.both(['OBJECT', 'HELP']);
    await p.both(['object', 'help']);
    await p.both(['OBJECT', 'HELP', 'x']);
    await p.both(['OBJECT', 'ENCODING']);
    await p.both(['OBJECT', 'ENCODING', 's', 'x']);
    await p.both(['OBJECT', 'BOGUS', 's']);
    await p.both(['OBJECT']);
    await p.both(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu']);
    await p.both(['OBJECT', 'IDLETIME', 's']);
    await p.both(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
  });

  it('DUMP of each type RESTOREs on the other side unchanged', async () => {
    await reset();
    await p.both(['SET', 'str', 'hello'.repeat(10)]);
    await p.both(['RPUSH', 'list', 'a', '1', 'b']);
    for (const key of ['str', 'list']) {
      const [da, db] = await p.send(['DUMP', key]);
      await p.both(['DEL', key]);
      await p.both(['RESTORE', key, 0, (db as { v: string }).v]);
      await p.a.call('RESTORE', `${key}2`, 0, (da as { v: string }).v);
      await p.b.call('RESTORE', `${key}2`, 0, (da as { v: string }).v);
      await p.both(['TYPE', `${key}2`]);
    }
    await p.both(['GET', 'str2']);
    await p.both(['LRANGE', 'list2', 0, -1]);
  });

  for (const seed of [1, 7, 42, 1234]) {
    it(`random sequences of key commands agree (seed ${seed})`, async () => {
      await reset();
      const r = rng(seed);
      const keysPool = ['a', 'b', 'c', 'd', 'e'];
      const k = (): string => pick(r, keysPool);
      // No times that could run out while the sequence runs: either past or far ahead.
      const num = (): string => pick(r, ['-1', '0', '100000', '200000', '300000', 'x', '99999999999']);
      const ops: (() => (string | number)[])[] = [
        () => ['SET', k(), pick(r, ['1', 'v', '100', 'hello'])],
        () => ['RPUSH', k(), 'x', 'y'],
        () => ['DEL', k(), k()],
        () => ['UNLINK', k()],
        () => ['EXISTS', k(), k(), k()],
        () => ['TYPE', k()],
        () => [pick(r, ['EXPIRE', 'PEXPIRE']), k(), num(), ...(r() < 0.4 ? [pick(r, ['NX', 'XX', 'GT', 'LT'])] : [])],
        () => ['EXPIREAT', k(), String(Math.floor(Date.now() / 1000) + pick(r, [-10, 1000, 2000]))],
        () => ['TTL', k()],
        () => ['PERSIST', k()],
        () => ['RENAME', k(), k()],
        () => ['RENAMENX', k(), k()],
        () => ['MOVE', k(), pick(r, ['0', '1', '2'])],
        () => ['COPY', k(), k(), ...(r() < 0.5 ? ['REPLACE'] : []), ...(r() < 0.3 ? ['DB', pick(r, ['0', '1'])] : [])],
        () => ['SELECT', pick(r, ['0', '1'])],
        () => ['SWAPDB', pick(r, ['0', '1', '2']), pick(r, ['0', '1', '2'])],
        () => ['GET', k()],
        () => ['OBJECT', 'ENCODING', k()],
        () => ['DBSIZE'],
        () => ['KEYS', pick(r, ['*', '[ab]', '?'])],
      ];
      for (let i = 0; i < 300; i++) {
        const cmd = pick(r, ops)();
        const unordered = cmd[0] === 'KEYS';
        const reply: Reply = await p.both(cmd, { unordered });
        void reply;
      }
      // Final state: every key, value type and TTL presence in the first three databases.
      for (const dbi of ['0', '1', '2']) {
        await p.both(['SELECT', dbi]);
        await p.both(['KEYS', '*'], { unordered: true });
        for (const key of keysPool) {
          await p.both(['TYPE', key]);
          const [ta] = await p.send(['TTL', key]);
          const [tb] = await p.send(['TTL', key]);
          void ta;
          void tb;
        }
      }
    });
  }
});
