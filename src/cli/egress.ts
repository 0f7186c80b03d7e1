/**
 * `dssm egress`: the DNS46/NAT46 gateway (src/egress/), and `dssm egress mappings` to
 * inspect and delete mappings in the store.
 *
 *   dssm egress --config egress.yaml [--dns-only | --nat-only]
 *   dssm egress mappings [--config egress.yaml] list | get ADDR | delete ADDR
 */
import net from 'node:net';
import type { Command } from 'commander';
import { canonicalIpv6, EgressConfigError, loadEgressConfig, type EgressConfig } from '../egress/config.js';
import { installLogger } from '../observe/log.js';
import { log } from '../observe/events.js';

function loadOrExit(file: string, cmd: string): EgressConfig {
  try {
    return loadEgressConfig(file);
  } catch (e) {
    if (e instanceof EgressConfigError) {
      process.stderr.write(`${cmd}: invalid configuration\n${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

export function registerEgress(program: Command): void {
  const egress = program
    .command('egress')
    .description('Run the DNS46/NAT46 egress gateway: IPv4-only clients reach IPv6-only services through mappings kept in dssm')
    .option('--config <file>', 'the gateway configuration (YAML)', 'egress.yaml')
    .option('--dns-only', 'run only DNS46 (allocate mappings, answer queries)')
    .option('--nat-only', 'run only NAT46 (carry flows for mappings in the store)')
    .action(async (o: { config: string; dnsOnly?: boolean; natOnly?: boolean }) => {
      if (o.dnsOnly && o.natOnly) {
        process.stderr.write('dssm egress: --dns-only and --nat-only exclude each other (give neither to run both)\n');
        process.exitCode = 2;
        return;
      }
      const cfg = loadOrExit(o.config, 'dssm egress');
      installLogger({ name: 'dssm-egress', level: cfg.logLevel });
      const { EgressGateway } = await import('../egress/gateway.js');
      const gw = new EgressGateway(cfg, { dns: !o.natOnly, nat: !o.dnsOnly });
      const stop = (signal: string) => {
        log('info', `received ${signal}, stopping`, {});
        void gw.close().then(() => process.exit(0));
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      try {
        await gw.start();
      } catch (e) {
        log('fatal', (e as Error).message, {});
        process.stderr.write(`dssm egress: ${(e as Error).message}\n`);
        process.exit(1);
      }
    });

  egress
    .command('mappings')
    .description('Inspect the mappings in the store: list | get ADDR | delete ADDR (ADDR: a subnet IPv4 or an IPv6 address)')
    .option('--config <file>', 'the gateway configuration (YAML)')
    .option('--json', 'print JSON lines')
    .argument('<action>', 'list, get or delete')
    .argument('[addr]', 'the IPv4 (in the subnet) or IPv6 address')
    .action(async (action: string, addr: string | undefined, o: { config?: string; json?: boolean }, cmd: Command) => {
      const file = o.config ?? (cmd.parent?.opts() as { config?: string } | undefined)?.config ?? 'egress.yaml';
      if (!['list', 'get', 'delete'].includes(action)) {
        process.stderr.write(`dssm egress mappings: unknown action '${action}' (expected list, get ADDR or delete ADDR)\n`);
        process.exitCode = 2;
        return;
      }
      if (action !== 'list' && !addr) {
        process.stderr.write(`dssm egress mappings ${action}: missing ADDR (a subnet IPv4 or an IPv6 address)\n`);
        process.exitCode = 2;
        return;
      }
      const cfg = loadOrExit(file, 'dssm egress mappings');
      process.exitCode = await runMappings(cfg, action, addr, Boolean(o.json));
    });
}

async function runMappings(cfg: EgressConfig, action: string, addr: string | undefined, json: boolean): Promise<number> {
  const { StorePool, storeOptions } = await import('../egress/store.js');
  const { MappingStore } = await import('../egress/mappings.js');
  const { EgressMetrics } = await import('../egress/metrics.js');
  const { parseIpv4 } = await import('../egress/addr.js');
  const pool = new StorePool({ ...storeOptions(cfg.store), maxRetriesPerRequest: 2 }, 0);
  const store = new MappingStore(cfg, pool, new EgressMetrics());
  const print = (m: { ipv4: string; ipv6: string; name: string; expiresAt: number }) => {
    const ttl = m.expiresAt === Infinity ? 'static' : `${Math.max(0, Math.round((m.expiresAt - Date.now()) / 1000))}s`;
    process.stdout.write(json ? JSON.stringify({ ...m, expiresAt: m.expiresAt === Infinity ? null : new Date(m.expiresAt).toISOString() }) + '\n' : `${m.ipv4}\t${m.ipv6}\t${m.name || '-'}\t${ttl}\n`);
  };
  try {
    if (action === 'list') {
      // An operator's listing: the one place that walks the keyspace (SCAN, in batches).
      let cursor = '0';
      let n = 0;
      do {
        const [next, keys] = await pool.main.scan(cursor, 'MATCH', `${store.prefix}:v4:*`, 'COUNT', 1000);
        cursor = next;
        for (const k of keys) {
          const m = await store.byIndexLookup(Number(k.slice(k.lastIndexOf(':') + 1)));
          if (m) {
            print(m);
            n++;
          }
        }
      } while (cursor !== '0');
      if (!json) process.stderr.write(`${n} mapping(s)\n`);
      return 0;
    }
    let m = null;
    if (net.isIPv4(addr!)) {
      const idx = cfg.subnet.indexOf(parseIpv4(addr!)!);
      if (idx === null) {
        process.stderr.write(`dssm egress mappings: ${addr} is not in dnsNat46Ipv4Subnet ${cfg.dnsNat46Ipv4Subnet}\n`);
        return 2;
      }
      m = await store.byIndexLookup(idx);
    } else if (net.isIPv6(addr!)) m = await store.byV6Lookup(canonicalIpv6(addr!));
    else {
      process.stderr.write(`dssm egress mappings: '${addr}' is neither an IPv4 nor an IPv6 address\n`);
      return 2;
    }
    if (!m) {
      process.stderr.write(`no mapping for ${addr}\n`);
      return 1;
    }
    if (action === 'get') print(m);
    else {
      await store.delete(m);
      process.stdout.write(`deleted ${m.ipv4} <-> ${m.ipv6}\n`);
    }
    return 0;
  } catch (e) {
    process.stderr.write(`dssm egress mappings: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await pool.close();
  }
}
