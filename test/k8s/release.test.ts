/**
 * `npm run release -- --key PRIVATE.pem --out DIR`: the package with the default manifests,
 * its checksums, and a signature beside each file that openssl verifies with the public key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

function openssl(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status, out: (r.stdout + r.stderr).trim() };
}

test('a release is signed with a throwaway key and openssl verifies every file', { timeout: 240_000 }, (t) => {
  if (spawnSync('openssl', ['version']).status !== 0) return t.skip('openssl is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'dssm-release-test-'));
  try {
    const key = join(dir, 'private.pem');
    const pub = join(dir, 'public.pem');
    assert.equal(openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key).status, 0);
    assert.equal(openssl('pkey', '-in', key, '-pubout', '-out', pub).status, 0);
    const out = join(dir, 'out');
    execFileSync('npm', ['run', '--silent', 'release', '--', '--key', key, '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });

    const tgz = `dssm-${version}.tgz`;
    const sums = `dssm-${version}.sha512.txt`;
    for (const f of [tgz, sums]) {
      const r = openssl('dgst', '-verify', pub, '-keyform', 'PEM', '-sha512', '-signature', join(out, `${f}.sha512.sig`), join(out, f));
      assert.equal(r.out, 'Verified OK', f);
      assert.equal(r.status, 0);
    }
    // The checksum file names the package and its SHA-512.
    const digest = openssl('dgst', '-sha512', '-r', join(out, tgz)).out.split(' ')[0];
    assert.equal(readFileSync(join(out, sums), 'utf8'), `${digest}  ${tgz}\n`);
    // The package: what npm pack ships (the CLI and its build) plus the default manifests.
    const files = execFileSync('tar', ['-tzf', join(out, tgz)], { encoding: 'utf8' }).split('\n');
    for (const f of ['package/package.json', 'package/bin/dssm.js', 'package/dist/cli/main.js', 'package/dist/k8s/render.js', 'package/deploy/k8s/dssm.yaml']) assert.ok(files.includes(f), f);
    const manifests = execFileSync('tar', ['-xzOf', join(out, tgz), 'package/deploy/k8s/dssm.yaml'], { encoding: 'utf8' });
    assert.match(manifests, /kind: StatefulSet\n(.*\n)*? {2}name: f5-dssm-db\n/);

    // A changed byte fails the check.
    const tampered = join(dir, tgz);
    copyFileSync(join(out, tgz), tampered);
    const bytes = readFileSync(tampered);
    bytes[bytes.length - 100] ^= 1;
    writeFileSync(tampered, bytes);
    const bad = openssl('dgst', '-verify', pub, '-keyform', 'PEM', '-sha512', '-signature', join(out, `${tgz}.sha512.sig`), tampered);
    assert.equal(bad.out.split('\n')[0], 'Verification failure');
    assert.notEqual(bad.status, 0);

    // A key inside the repository is refused (it must never be committed).
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'release.mjs'), '--key', join(ROOT, 'package.json'), '--out', join(dir, 'x')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /inside the repository/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
