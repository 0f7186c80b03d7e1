/**
 * What an operator reads when a `dssm` command is given a bad option or finds nothing
 * running: every numeric or enumerated option of every subcommand, refused with the option
 * named and the form it takes, on stderr, with a non-zero exit and nothing started or
 * written. Runs the real CLI (dist/) as child processes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../helpers/servers.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dssm.js');
const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'));

function dssm(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20000, cwd });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dssm CLI messages', { skip: built ? false : 'dist/ is missing: run npm run build first' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dssm-cli-msg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('dssm status with nothing running says so on stderr and exits non-zero', async (t) => {
    const port = await freePort();
    for (const extra of [[], ['--json']]) {
      const r = dssm(['status', '--sentinel', `127.0.0.1:${port}`, ...extra], dir);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`^dssm status: no sentinel reachable at 127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED`));
      assert.doesNotMatch(r.stdout + r.stderr, /sentinels disagree/);
      if (extra.length === 0) assert.equal(r.stdout, '');
      else assert.equal(JSON.parse(r.stdout).counts.sentinels, 0);
    }
    // Without --sentinel and without a `dssm up` directory: the default sentinel port.
    const empty = mkdtempSync(join(dir, 'empty-'));
    const r = dssm(['status', '--dir', join(empty, 'none')], empty);
    if (r.status === 0) return t.skip('the default case not checked: a sentinel answers on 127.0.0.1:26379 on this machine');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^dssm status: no sentinel reachable at 127\.0\.0\.1:26379/);
  });

  /** [arguments, the message stderr must contain] */
  const cases: [string[], RegExp][] = [
    [['sentinel', '--port', 'abc'], /Bad value for 'port': expected an integer from 0 to 65535, got 'abc'/],
    [['sentinel', '--port', '99999'], /Bad value for 'port': expected an integer from 0 to 65535, got '99999'/],
    [['sentinel', '--sentinel', 'monitor', 'm', '127.0.0.1', 'abc', '2'], /Bad value for 'sentinel monitor <port>': expected an integer from 0 to 65535, got 'abc'/],
    [['sentinel', '--sentinel', 'monitor', 'm', '127.0.0.1', '6379', 'x'], /Bad value for 'sentinel monitor <quorum>'.*got 'x'/],
    [
      ['sentinel', '--sentinel', 'monitor', 'm', '127.0.0.1', '6379', '2', '--sentinel', 'down-after-milliseconds', 'm', '1s'],
      /Bad value for 'sentinel down-after-milliseconds': expected an integer >= 1, got '1s'/,
    ],
    [['sentinel', '--sentinel', 'monitor', 'm', '127.0.0.1', '6379', '2', '--sentinel', 'failover-timeout', 'm', '-1'], /Bad value for 'sentinel failover-timeout'.*got '-1'/],
    [['sentinel', '--sentinel', 'monitor', 'm', '127.0.0.1', '6379', '2', '--sentinel', 'parallel-syncs', 'm', 'many'], /Bad value for 'sentinel parallel-syncs'.*got 'many'/],
    [['sentinel', '--sentinel', 'resolve-hostnames', 'maybe'], /argument must be 'yes' or 'no'/],
    [['server', '--port', 'abc'], /Bad value for 'port'.*integer/],
    [['server', '--appendfsync', 'sometimes'], /appendfsync/],
    [['status', '--sentinel', '127.0.0.1:abc'], /option '--sentinel <host:port>' argument '127\.0\.0\.1:abc' is invalid\. expected host:port/],
    [['failover', '--to', 'host:port'], /option '--to <host:port>' argument 'host:port' is invalid\. expected host:port/],
    [['failover', '--timeout', '5s'], /--timeout must be a positive integer \(ms\), got '5s'/],
    [['up', '--base-port', 'abc'], /--base-port must be an integer from 1 to 65533, got 'abc'/],
    [['up', '--sentinel-port', '0'], /--sentinel-port must be an integer from 1 to 65533, got '0'/],
    [['up', '--sync-replicas', '3'], /--sync-replicas must be an integer from 0 to 2, got '3'/],
    [['up', '--down-after', '1e3x'], /--down-after must be an integer from 100 to 600000, got '1e3x'/],
    [['up', '--metrics-port', '99999'], /--metrics-port must be an integer from 1 to \d+, got '99999'/],
    [['up', '--interval', 'fast'], /--interval \(ms\) must be an integer from 200 to 3600000, got 'fast'/],
    [['certs', 'ca', '--days', 'abc'], /--days must be a positive integer \(days\), got 'abc'/],
    [['certs', 'ca', '--algorithm', 'dsa'], /--algorithm must be ecdsa or rsa, got 'dsa'/],
    [['certs', 'all', '--ca-days', 'x'], /--ca-days must be a positive integer \(days\), got 'x'/],
    [['certs', 'all', '--days', '0'], /--days must be a positive integer \(days\), got '0'/],
  ];

  for (const [args, message] of cases) {
    test(`dssm ${args.join(' ')}: refused, naming the option and its form`, () => {
      const work = mkdtempSync(join(dir, 'case-'));
      // `up` and `certs` get their own directory, so a regression could not touch ./.dssm.
      const upExtra = ['--dir', join(work, 'up'), ...(args.includes('--metrics-port') ? [] : ['--no-metrics'])];
      const extra = args[0] === 'up' ? upExtra : args[0] === 'certs' ? ['-o', join(work, 'certs')] : [];
      const r = dssm([...args, ...extra], work);
      assert.notEqual(r.status, 0, `exit status of dssm ${args.join(' ')}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /Invalid argument\b/);
      // Nothing was created: no deployment directory, no certificate.
      assert.deepEqual(
        readdirSync(work)
          .filter((f) => f === 'up' || f === 'certs')
          .flatMap((f) => readdirSync(join(work, f))),
        [],
      );
    });
  }
});
