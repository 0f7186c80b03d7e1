/**
 * Replication between TLS-only dssm nodes (port 0, tls-port N, tls-replication yes): the
 * replica announces its TLS port to the primary (REPLCONF listening-port), as Redis 7 does,
 * so that INFO replication and ROLE on the primary (and the sentinels that read them) name
 * a port where the replica can be reached; replica-announce-port still overrides it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { freePort, startDssm, type TestServer } from '../helpers/servers.js';
import type { RawClient } from '../helpers/resp.js';
import { info, until } from '../interop/replication-helpers.js';
import { makePki, serverDirectives, tlsClient } from './tls-fixtures.js';

describe('replication between TLS-only dssm nodes', () => {
  it("the primary's INFO and ROLE show the replica's tls-port, or its replica-announce-port", async () => {
    const pki = await makePki(['proxy']);
    const ports = [await freePort(), await freePort(), await freePort()];
    const announced = await freePort();
    const tlsOnly = (port: number, extra: string[] = []) => startDssm([...serverDirectives(pki.files, port), '--port', '0', '--tls-replication', 'yes', ...extra]);
    const servers: TestServer[] = [];
    const clients: RawClient[] = [];
    const connect = async (port: number) => {
      const c = await tlsClient(port, { ca: pki.ca.cert, cert: pki.clients.proxy!.cert, key: pki.clients.proxy!.key });
      clients.push(c);
      return c;
    };
    try {
      servers.push(await tlsOnly(ports[0]!));
      servers.push(await tlsOnly(ports[1]!));
      servers.push(await tlsOnly(ports[2]!, ['--replica-announce-port', String(announced)]));
      assert.equal(servers[1]!.node.port, 0, 'the replica has no plain port');
      const p = await connect(ports[0]!);
      await p.call('SET', 'k', 'v');
      const r1 = await connect(ports[1]!);
      const r2 = await connect(ports[2]!);
      assert.equal((await r1.call('REPLICAOF', '127.0.0.1', ports[0]!)).v, 'OK');
      await until('the first replica online', async () => (await info(p, 'slave0'))?.includes('state=online') === true);
      assert.equal((await r2.call('REPLICAOF', '127.0.0.1', ports[0]!)).v, 'OK');
      await until('two replicas online', async () => (await info(p, 'slave1'))?.includes('state=online') === true);
      assert.match((await info(p, 'slave0'))!, new RegExp(`^ip=127\\.0\\.0\\.1,port=${ports[1]},state=online,`));
      assert.match((await info(p, 'slave1'))!, new RegExp(`^ip=127\\.0\\.0\\.1,port=${announced},state=online,`));
      const role = await p.call('ROLE');
      assert.equal(role.t, 'array');
      const listed = (role.v as { v: { v: string }[] }[])[2]!.v.map((e) => (e as unknown as { v: { v: string }[] }).v[1]!.v);
      assert.deepEqual(listed, [String(ports[1]), String(announced)]);
      // The stream flows over the TLS links.
      await p.call('SET', 'after', 'x');
      await until('replicas caught up', async () => (await r1.call('GET', 'after')).v === 'x' && (await r2.call('GET', 'after')).v === 'x');
      assert.equal((await r1.call('GET', 'k')).v, 'v');
    } finally {
      for (const c of clients) c.close();
      for (const s of servers.reverse()) await s.stop();
      fs.rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});
