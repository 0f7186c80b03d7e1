/**
 * Egress test fixtures: Debian's unbound as the upstream resolver serving a local zone
 * (AAAA-only, A and CNAME names), dig as the client, and gateways in this process.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEgressConfig } from '../../src/egress/config.js';
import { EgressGateway } from '../../src/egress/gateway.js';

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Why DNS tests cannot run here, or false. */
export function skipWithoutDnsTools(): string | false {
  for (const c of ['unbound', 'dig']) if (!hasCommand(c)) return `${c} is not installed (apt-get install unbound dnsutils); egress DNS tests skipped`;
  return false;
}

/** The zone every test uses. */
export const ZONE_DATA = [
  'v6only.test. 300 IN AAAA fd00:2::10',
  'other.test. 300 IN AAAA fd00:2::20',
  'same.test. 60 IN AAAA fd00:2::10',
  'dual.test. 300 IN A 192.0.2.10',
  'dual.test. 300 IN AAAA fd00:2::11',
  'alias.test. 300 IN CNAME v6only.test.',
  'alias2.test. 300 IN CNAME alias.test.',
  'short.test. 30 IN AAAA fd00:2::30',
  'txt.test. 300 IN TXT "hello"',
  'big.test. 300 IN TXT "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"',
  'big.test. 300 IN TXT "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"',
  'big.test. 300 IN TXT "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"',
  'big.test. 300 IN TXT "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"',
  'big.test. 300 IN TXT "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"',
  'big.test. 300 IN TXT "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"',
  'big.test. 300 IN TXT "gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg"',
  'big.test. 300 IN TXT "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"',
  'big.test. 300 IN TXT "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii"',
  'big.test. 300 IN TXT "jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj"',
  'big.test. 300 IN TXT "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"',
  'big.test. 300 IN TXT "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"',
];

export interface Unbound {
  port: number;
  host: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export async function startUnbound(opts: { host?: string; port: number; data?: string[]; netns?: string; dir?: string }): Promise<Unbound> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'dssm-unbound-'));
  const host = opts.host ?? '127.0.0.1';
  const conf = [
    'server:',
    `  interface: ${host}`,
    `  port: ${opts.port}`,
    '  do-daemonize: no',
    '  use-syslog: no',
    '  logfile: ""',
    '  chroot: ""',
    '  username: ""',
    `  directory: "${dir}"`,
    '  pidfile: ""',
    '  num-threads: 1',
    '  access-control: 0.0.0.0/0 allow',
    '  access-control: ::/0 allow',
    '  module-config: "iterator"',
    '  local-zone: "test." static',
    ...(opts.data ?? ZONE_DATA).map((d) => (d.includes('"') ? `  local-data: '${d}'` : `  local-data: "${d}"`)),
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
  const file = join(dir, 'unbound.conf');
  writeFileSync(file, conf);
  const argv = opts.netns ? ['ip', 'netns', 'exec', opts.netns, 'unbound', '-c', file] : ['unbound', '-c', file];
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + 10000;
  for (;;) {
    const r = await dig(['@' + host, '-p', String(opts.port), 'dual.test', 'A', '+short', '+time=1', '+tries=1'], opts.netns).catch(() => '');
    if (r.includes('192.0.2.10')) break;
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`unbound did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port: opts.port,
    host,
    proc,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGKILL');
        await new Promise((r) => proc.once('exit', r));
      }
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Run dig (in a network namespace when given); resolves with its stdout. */
export function dig(args: string[], netns?: string): Promise<string> {
  const argv = netns ? ['ip', 'netns', 'exec', netns, 'dig', ...args] : ['dig', ...args];
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 20000 }, (err, stdout, stderr) => {
      if (err && !stdout) reject(new Error(`${argv.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** An answer section parsed from `dig +noall +answer +comments`. */
export interface DigAnswer {
  status: string;
  flags: string[];
  answers: { name: string; ttl: number; type: string; data: string }[];
}

export async function query(port: number, name: string, type = 'A', extra: string[] = [], host = '127.0.0.1', netns?: string): Promise<DigAnswer> {
  const out = await dig(['@' + host, '-p', String(port), name, type, '+noall', '+answer', '+comments', '+time=3', '+tries=1', ...extra], netns);
  const status = /status: (\w+)/.exec(out)?.[1] ?? 'NONE';
  const flags = (/flags: ([a-z ]+);/.exec(out)?.[1] ?? '').trim().split(/\s+/);
  const answers = out
    .split('\n')
    .filter((l) => l && !l.startsWith(';'))
    .map((l) => l.split(/\s+/))
    .filter((p) => p.length >= 5)
    .map((p) => ({ name: p[0]!, ttl: Number(p[1]), type: p[3]!, data: p.slice(4).join(' ') }));
  return { status, flags, answers };
}

/** A gateway in this process with test defaults (overridable). */
export async function startGateway(cfg: Record<string, unknown>, opts: { dns?: boolean; nat?: boolean } = {}): Promise<EgressGateway> {
  const gw = new EgressGateway(
    validateEgressConfig({
      dnsNat46Ipv4Subnet: '10.46.0.0/16',
      dnsListen: ['127.0.0.1:0'],
      ...cfg,
    }),
    { dns: opts.dns ?? true, nat: opts.nat ?? false },
  );
  await gw.start();
  return gw;
}
