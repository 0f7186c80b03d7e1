/**
 * The local read cache: with the store gone (killed, as in a failover), names already mapped
 * keep answering the same address; a new name fails cleanly (SERVFAIL), and the gateway stays up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startDssmProcess, type ChildServer } from '../helpers/servers.js';
import { query, skipWithoutDnsTools, startGateway, startUnbound, type Unbound } from './fixtures.js';
import type { EgressGateway } from '../../src/egress/gateway.js';

const skip = skipWithoutDnsTools();
if (skip) console.log(`# skipped: ${skip}`);

describe('dssm egress while the store is unreachable', { skip }, () => {
  let store: ChildServer;
  let unbound: Unbound;
  let gw: EgressGateway;
  let killed = false;
  before(async () => {
    store = await startDssmProcess(['--save', '', '--appendonly', 'no']);
    unbound = await startUnbound({ port: await freePort() });
    // No response cache: every answer goes through the mapping layer.
    gw = await startGateway({ store: { url: `redis://127.0.0.1:${store.port}` }, nameServerList: [`127.0.0.1:${unbound.port}`], dnsCacheSize: 0 });
    gw.mappings.opTimeoutMs = 1000;
  });
  after(async () => {
    await gw?.close();
    await unbound?.stop();
    if (!killed) await store?.stop('SIGKILL');
  });

  it('keeps answering existing mappings from its cache and fails new ones cleanly', async () => {
    const port = gw.dnsPorts[0]!.port;
    const before = (await query(port, 'v6only.test')).answers[0]!.data;
    const alias = await query(port, 'alias.test');
    await store.stop('SIGKILL');
    killed = true;
    for (let i = 0; i < 3; i++) assert.equal((await query(port, 'v6only.test')).answers[0]!.data, before);
    assert.equal(alias.answers.at(-1)!.data, (await query(port, 'alias.test')).answers.at(-1)!.data);
    assert.equal((await query(port, 'other.test', 'A', ['+time=5'])).status, 'SERVFAIL');
    assert.equal((await query(port, 'dual.test')).answers[0]!.data, '192.0.2.10');
  });
});
