#!/usr/bin/env node
// npm run release -- --key PRIVATE.pem --out DIR
//
// Writes, as the seeds' SPK bundle does:
//   DIR/dssm-<version>.tgz             the npm package (npm pack) plus the rendered default
//                                      manifests in package/deploy/k8s/dssm.yaml
//   DIR/dssm-<version>.sha512.txt      `sha512sum` lines for the files of the release
//   DIR/<F>.sha512.sig                 beside each file F: a SHA-512 signature made with the key,
//                                      so that `openssl dgst -verify PUBLIC.pem -keyform PEM
//                                      -sha512 -signature F.sha512.sig F` prints `Verified OK`
// The key (RSA or EC, PEM) is read from outside the repository and never copied.
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(msg) {
  process.stderr.write(`release: ${msg}\n`);
  process.exit(1);
}

function args(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--key' || a === '--out') {
      if (argv[i + 1] === undefined) fail(`${a} needs a value`);
      o[a.slice(2)] = argv[++i];
    } else fail(`unknown argument '${a}' (usage: npm run release -- --key PRIVATE.pem --out DIR)`);
  }
  if (!o.key || !o.out) fail('usage: npm run release -- --key PRIVATE.pem --out DIR');
  return o;
}

const o = args(process.argv.slice(2));
const keyPath = resolve(o.key);
if (!relative(root, keyPath).startsWith('..')) fail(`the signing key ${keyPath} is inside the repository; keep it outside (it must never be committed)`);
let key;
try {
  key = createPrivateKey(readFileSync(keyPath));
} catch (e) {
  fail(`cannot read a private key from ${keyPath}: ${e.message}`);
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(o.out);
mkdirSync(out, { recursive: true });

const stage = mkdtempSync(join(tmpdir(), 'dssm-release-'));
try {
  // 1. The npm package, exactly as `npm pack` makes it (its prepare script builds dist/).
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', stage], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  const npmTgz = join(stage, packed[0].filename);
  execFileSync('tar', ['-xzf', npmTgz, '-C', stage]);
  rmSync(npmTgz);
  // 2. Plus the manifests of a default release.
  const manifests = execFileSync(process.execPath, [join(root, 'bin', 'dssm.js'), 'k8s', 'render'], { encoding: 'utf8' });
  mkdirSync(join(stage, 'package', 'deploy', 'k8s'), { recursive: true });
  writeFileSync(join(stage, 'package', 'deploy', 'k8s', 'dssm.yaml'), manifests);
  const tgzName = `dssm-${version}.tgz`;
  const tgz = join(out, tgzName);
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', tgz, '-C', stage, 'package']);

  // 3. Checksums, then a signature beside each file.
  const sumName = `dssm-${version}.sha512.txt`;
  const sha512 = (f) => createHash('sha512').update(readFileSync(f)).digest('hex');
  writeFileSync(join(out, sumName), `${sha512(tgz)}  ${tgzName}\n`);
  const signed = [tgzName, sumName];
  for (const f of signed) {
    const p = join(out, f);
    // ECDSA signatures DER-encoded, RSA PKCS#1 v1.5: what `openssl dgst -sha512 -sign` makes and -verify checks.
    writeFileSync(p + '.sha512.sig', sign('sha512', readFileSync(p), key));
  }
  const pub = createPublicKey(key).export({ type: 'spki', format: 'pem' });
  process.stdout.write(
    `release ${version} in ${out}:\n` +
      signed.map((f) => `  ${f}\n  ${f}.sha512.sig\n`).join('') +
      `verify with the public key (openssl pkey -in PRIVATE.pem -pubout -out PUBLIC.pem):\n` +
      signed.map((f) => `  openssl dgst -verify PUBLIC.pem -keyform PEM -sha512 -signature ${f}.sha512.sig ${f}\n`).join('') +
      `  sha512sum -c ${sumName}\n` +
      `public key of this signature:\n${pub}`,
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}
