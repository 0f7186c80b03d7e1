/**
 * Users and ACL: rules, AUTH/HELLO through users, NOPERM for commands, keys and channels
 * with Redis 7.0's texts, ACL LOG, aclfile SAVE/LOAD, requirepass as the default user's
 * password; and the same answers as redis-server where dssm's command table agrees.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Redis from 'ioredis';
import { Pair } from '../helpers/differential.js';
import { skipWithoutRedis, startDssm, type TestServer } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';

describe('ACL users and permissions', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startDssm();
  });
  after(() => srv.stop());

  it('SETUSER/GETUSER/LIST/USERS/WHOAMI/DELUSER', async () => {
    const c = await srv.client();
    assert.deepEqual(plain(await c.call('ACL', 'SETUSER', 'alice', 'on', '>secret', '~app:*', '%R~ro:*', '&news', '-@all', '+get', '+set', '+@hash', '-hset')), 'OK');
    assert.deepEqual(plain(await c.call('ACL', 'GETUSER', 'alice')), [
      'flags',
      ['on'],
      'passwords',
      ['2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b'],
      'commands',
      '-@all +@hash +get +set -hset',
      'keys',
      '~app:* %R~ro:*',
      'channels',
      '&news',
      'selectors',
      [],
    ]);
    const list = plain(await c.call('ACL', 'LIST')) as string[];
    assert.equal(list[0], 'user default on nopass ~* &* +@all');
    assert.equal(list[1], 'user alice on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~app:* %R~ro:* resetchannels &news -@all +@hash +get +set -hset');
    assert.deepEqual(plain(await c.call('ACL', 'USERS')), ['alice', 'default']);
    assert.deepEqual(plain(await c.call('ACL', 'WHOAMI')), 'default');
    assert.deepEqual(plain(await c.call('ACL', 'SETUSER', 'alice', '+bogus')), { error: "ERR Error in ACL SETUSER modifier '+bogus': Unknown command or category name in ACL" });
    assert.deepEqual(plain(await c.call('ACL', 'SETUSER', 'alice', 'bad')), { error: "ERR Error in ACL SETUSER modifier 'bad': Syntax error" });
    assert.deepEqual(plain(await c.call('ACL', 'DELUSER', 'default')), { error: "ERR The 'default' user cannot be removed" });
    assert.deepEqual(plain(await c.call('ACL', 'SETUSER', 'bob')), 'OK');
    assert.equal((plain(await c.call('ACL', 'LIST')) as string[])[2], 'user bob off resetchannels -@all');
    assert.deepEqual(plain(await c.call('ACL', 'DELUSER', 'bob', 'nobody')), 1);
  });

  it('AUTH and HELLO through users; WRONGPASS; NOPERM for command, key and channel', async () => {
    const c = await srv.client();
    await c.call('ACL', 'SETUSER', 'carol', 'on', '>pw', '~c:*', '%R~shared:*', '&chan', '-@all', '+get', '+set', '+subscribe', '+publish', '+acl|whoami');
    assert.deepEqual(plain(await c.call('AUTH', 'carol', 'nope')), { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
    assert.deepEqual(plain(await c.call('AUTH', 'carol', 'pw')), 'OK');
    assert.deepEqual(plain(await c.call('ACL', 'WHOAMI')), 'carol');
    assert.deepEqual(plain(await c.call('SET', 'c:1', 'x')), 'OK');
    assert.deepEqual(plain(await c.call('GET', 'shared:1')), null);
    assert.deepEqual(plain(await c.call('SET', 'shared:1', 'x')), { error: 'NOPERM this user has no permissions to access one of the keys used as arguments' });
    assert.deepEqual(plain(await c.call('GET', 'other')), { error: 'NOPERM this user has no permissions to access one of the keys used as arguments' });
    assert.deepEqual(plain(await c.call('DEL', 'c:1')), { error: "NOPERM this user has no permissions to run the 'del' command" });
    assert.deepEqual(plain(await c.call('CONFIG', 'GET', 'port')), { error: "NOPERM this user has no permissions to run the 'config|get' command" });
    assert.deepEqual(plain(await c.call('PUBLISH', 'other', 'm')), { error: 'NOPERM this user has no permissions to access one of the channels used as arguments' });
    assert.deepEqual(plain(await c.call('PUBLISH', 'chan', 'm')), 0);
    assert.deepEqual(plain(await c.call('AUTH', 'default', 'x')), 'OK');

    const log = (plain(await c.call('ACL', 'LOG')) as unknown[][]).map((flat) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < flat.length; i += 2) o[flat[i] as string] = flat[i + 1];
      return o;
    });
    const first = log[0]!;
    assert.equal(first.reason, 'channel');
    assert.equal(first.object, 'other');
    assert.equal(first.username, 'carol');
    const reasons = log.map((e) => e.reason);
    assert.deepEqual(reasons.slice(0, 6), ['channel', 'command', 'command', 'key', 'key', 'auth']);
    assert.deepEqual(plain(await c.call('ACL', 'LOG', 'RESET')), 'OK');
    assert.deepEqual(plain(await c.call('ACL', 'LOG')), []);
    // HELLO AUTH switches user too.
    const r = plain(await c.call('HELLO', '2', 'AUTH', 'carol', 'pw')) as Record<string, unknown> | unknown[];
    assert.ok(r);
    assert.deepEqual(plain(await c.call('ACL', 'WHOAMI')), 'carol');
  });

  it('a disabled user cannot authenticate; deleting a user disconnects its clients', async () => {
    const admin = await srv.client();
    await admin.call('ACL', 'SETUSER', 'dave', 'on', 'nopass', 'allkeys', 'allcommands');
    const d = await srv.client();
    assert.deepEqual(plain(await d.call('AUTH', 'dave', 'x')), 'OK');
    await admin.call('ACL', 'SETUSER', 'dave', 'off');
    const d2 = await srv.client();
    assert.deepEqual(plain(await d2.call('AUTH', 'dave', 'x')), { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
    assert.deepEqual(plain(await admin.call('ACL', 'DELUSER', 'dave')), 1);
    assert.equal(await d.waitClosed(), true);
    assert.deepEqual(plain(await admin.call('PING')), 'PONG');
  });

  it('DRYRUN, CAT, GENPASS', async () => {
    const c = await srv.client();
    await c.call('ACL', 'SETUSER', 'eve', 'on', '~k*', '&ch', '-@all', '+get', '+publish');
    assert.deepEqual(plain(await c.call('ACL', 'DRYRUN', 'eve', 'get', 'k1')), 'OK');
    assert.deepEqual(plain(await c.call('ACL', 'DRYRUN', 'eve', 'get', 'x')), "This user has no permissions to access the 'x' key");
    assert.deepEqual(plain(await c.call('ACL', 'DRYRUN', 'eve', 'set', 'k1', 'v')), "This user has no permissions to run the 'set' command");
    assert.deepEqual(plain(await c.call('ACL', 'DRYRUN', 'eve', 'publish', 'x', 'y')), "This user has no permissions to access the 'x' channel");
    assert.deepEqual(plain(await c.call('ACL', 'DRYRUN', 'nouser', 'get', 'x')), { error: "ERR User 'nouser' not found" });
    const cats = plain(await c.call('ACL', 'CAT')) as string[];
    assert.equal(cats.length, 21);
    assert.ok((plain(await c.call('ACL', 'CAT', 'hash')) as string[]).includes('hset'));
    assert.deepEqual(plain(await c.call('ACL', 'CAT', 'nope')), { error: "ERR Unknown category 'nope'" });
    assert.match(plain(await c.call('ACL', 'GENPASS')) as string, /^[0-9a-f]{64}$/);
    assert.match(plain(await c.call('ACL', 'GENPASS', '5')) as string, /^[0-9a-f]{2}$/);
  });

  it('ACL SAVE/LOAD without aclfile: Redis error', async () => {
    const c = await srv.client();
    const r = plain(await c.call('ACL', 'SAVE')) as { error: string };
    assert.match(r.error, /^ERR This Redis instance is not configured to use an ACL file/);
  });
});

describe('requirepass, aclfile, user directives', () => {
  it('requirepass is the default user password (NOAUTH, WRONGPASS, AUTH <pass>), CONFIG SET changes it', async () => {
    const srv = await startDssm(['--requirepass', 'sesame']);
    try {
      const c = await srv.client();
      assert.deepEqual(plain(await c.call('GET', 'x')), { error: 'NOAUTH Authentication required.' });
      assert.deepEqual(plain(await c.call('AUTH', 'wrong')), { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
      assert.deepEqual(plain(await c.call('AUTH', 'sesame')), 'OK');
      assert.deepEqual(plain(await c.call('CONFIG', 'SET', 'requirepass', 'other')), 'OK');
      const c2 = await srv.client();
      assert.deepEqual(plain(await c2.call('AUTH', 'default', 'other')), 'OK');
      const io = new Redis({ port: srv.port, password: 'other', lazyConnect: true });
      await io.connect();
      assert.equal(await io.ping(), 'PONG');
      io.disconnect();
    } finally {
      await srv.stop();
    }
  });

  it('aclfile: loaded at start, ACL SAVE writes it, ACL LOAD re-reads it, a bad file changes nothing', async () => {
    const dir = fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'dssm-acl-'));
    const file = path.join(dir, 'users.acl');
    fs.writeFileSync(file, 'user default on nopass ~* &* +@all\nuser proxy on >pp ~sess:* +@all -@dangerous\n');
    const srv = await startDssm(['--aclfile', file]);
    try {
      const c = await srv.client();
      assert.deepEqual(plain(await c.call('AUTH', 'proxy', 'pp')), 'OK');
      assert.deepEqual(plain(await c.call('FLUSHALL')), { error: "NOPERM this user has no permissions to run the 'flushall' command" });
      const admin = await srv.client();
      await admin.call('ACL', 'SETUSER', 'extra', 'on', '>e', '+ping');
      assert.deepEqual(plain(await admin.call('ACL', 'SAVE')), 'OK');
      assert.match(fs.readFileSync(file, 'utf8'), /^user extra on #[0-9a-f]{64} resetchannels -@all \+ping$/m);
      fs.writeFileSync(file, 'user default on nopass ~* &* +@all\nuser broken on +nosuchcommand\n');
      const bad = plain(await admin.call('ACL', 'LOAD')) as { error: string };
      assert.match(bad.error, /^ERR .*:2: '\+nosuchcommand': Unknown command or category name in ACL/);
      assert.deepEqual(plain(await admin.call('ACL', 'USERS')), ['default', 'extra', 'proxy']);
      fs.writeFileSync(file, 'user default on nopass ~* &* +@all\nuser only on nopass +ping\n');
      assert.deepEqual(plain(await admin.call('ACL', 'LOAD')), 'OK');
      assert.deepEqual(plain(await admin.call('ACL', 'USERS')), ['default', 'only']);
    } finally {
      await srv.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('user directives in the configuration', async () => {
    const srv = await startDssm(['--user', 'svc', 'on', '>x', '~*', '+@read']);
    try {
      const c = await srv.client();
      assert.deepEqual(plain(await c.call('AUTH', 'svc', 'x')), 'OK');
      assert.deepEqual(plain(await c.call('GET', 'a')), null);
      assert.deepEqual(plain(await c.call('SET', 'a', 'b')), { error: "NOPERM this user has no permissions to run the 'set' command" });
    } finally {
      await srv.stop();
    }
  });
});

describe('ACL answers as redis-server', { skip: skipWithoutRedis() }, () => {
  let pair: Pair;
  before(async () => {
    pair = await Pair.start();
  });
  after(() => pair.stop());

  it('errors, WHOAMI, USERS, DRYRUN, CAT, AUTH', async () => {
    await pair.both(['ACL', 'SETUSER', 'u1', 'on', '>p1', '~k*', '%R~r*', '&ch', '-@all', '+get', '+set']);
    await pair.both(['ACL', 'WHOAMI']);
    await pair.both(['ACL', 'USERS']);
    await pair.both(['ACL', 'CAT']);
    await pair.both(['ACL', 'SETUSER', 'u1', '+bogus']);
    await pair.both(['ACL', 'SETUSER', 'u1', 'bad']);
    await pair.both(['ACL', 'SETUSER', 'u1', '#zz']);
    await pair.both(['ACL', 'SETUSER', 'u1', '<notthere']);
    await pair.both(['ACL', 'DELUSER', 'default']);
    await pair.both(['ACL', 'DRYRUN', 'u1', 'get', 'k1']);
    await pair.both(['ACL', 'DRYRUN', 'u1', 'get', 'x']);
    await pair.both(['ACL', 'DRYRUN', 'u1', 'set', 'r1', 'x']);
    await pair.both(['ACL', 'DRYRUN', 'u1', 'del', 'k1']);
    await pair.both(['ACL', 'DRYRUN', 'nouser', 'get', 'x']);
    await pair.both(['ACL', 'GETUSER', 'nouser']);
    await pair.both(['ACL', 'CAT', 'nope']);
    await pair.both(['ACL', 'LOG', 'x']);
    await pair.both(['AUTH', 'u1', 'wrong']);
    await pair.both(['AUTH', 'x']);
    await pair.both(['AUTH', 'u1', 'p1']);
    await pair.both(['GET', 'k1']);
    await pair.both(['GET', 'x']);
    await pair.both(['DEL', 'k1']);
    await pair.both(['ACL', 'WHOAMI']);
  });
});
