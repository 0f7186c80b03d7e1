/**
 * `dssm certs`: files, SANs (Kubernetes names and headless wildcards), validity, algorithm,
 * Secret manifests with the seeds' key names, and `inspect`. The certificates it writes
 * are checked with openssl and used by a TLS server.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { freePort, startDssm } from '../helpers/servers.js';
import { tryPing } from './tls-fixtures.js';

const ENTRY = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function dssm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const script = `import { run } from ${JSON.stringify(ENTRY)}; await run(process.argv);`;
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'dssm', ...args], { encoding: 'utf8', timeout: 60000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const hasOpenssl = spawnSync('sh', ['-c', 'command -v openssl']).status === 0;

describe('dssm certs', () => {
  it('all: CA, server with Kubernetes names, clients, dhparam and Secret manifests', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dssm-certs-'));
    try {
      const r = await dssm([
        'certs',
        'all',
        '--out',
        out,
        '--service',
        'dssm',
        '--headless',
        'dssm-headless',
        '--namespace',
        'prod',
        '--ip',
        '10.0.0.7',
        '--dns',
        'localhost',
        '--ip',
        '127.0.0.1',
        '--client',
        'proxy,sentinel',
        '--days',
        '30',
      ]);
      assert.equal(r.code, 0, r.stderr);
      for (const f of [
        'dssm-ca.crt',
        'dssm-ca.key',
        'dssm-cert.crt',
        'dssm-key.key',
        'dhparam2048.pem',
        'proxy.crt',
        'proxy.key',
        'sentinel.crt',
        'sentinel.key',
        'dssm-certs-secret.yaml',
        'dssm-keys-secret.yaml',
      ]) {
        assert.ok(fs.existsSync(path.join(out, f)), f);
      }
      assert.equal(fs.statSync(path.join(out, 'dssm-key.key')).mode & 0o777, 0o600);
      const server = new X509Certificate(fs.readFileSync(path.join(out, 'dssm-cert.crt')));
      const sans = server.subjectAltName!;
      for (const want of ['DNS:dssm.prod.svc.cluster.local', 'DNS:dssm.prod', 'DNS:*.dssm-headless.prod.svc.cluster.local', 'DNS:localhost', 'IP Address:10.0.0.7', 'IP Address:127.0.0.1']) {
        assert.ok(sans.includes(want), `${want} in ${sans}`);
      }
      const days = (new Date(server.validTo).getTime() - Date.now()) / 86_400_000;
      assert.ok(days > 29 && days <= 30, String(days));
      assert.equal(server.publicKey.asymmetricKeyType, 'ec');
      const ca = new X509Certificate(fs.readFileSync(path.join(out, 'dssm-ca.crt')));
      assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey));
      assert.equal(new X509Certificate(fs.readFileSync(path.join(out, 'proxy.crt'))).subject, 'CN=proxy');

      const certsSecret = parseYaml(fs.readFileSync(path.join(out, 'dssm-certs-secret.yaml'), 'utf8'));
      assert.equal(certsSecret.kind, 'Secret');
      assert.equal(certsSecret.metadata.name, 'dssm-certs-secret');
      assert.deepEqual(Object.keys(certsSecret.data).sort(), ['dhparam2048.pem', 'dssm-ca.crt', 'dssm-cert.crt']);
      assert.equal(Buffer.from(certsSecret.data['dssm-cert.crt'], 'base64').toString(), fs.readFileSync(path.join(out, 'dssm-cert.crt'), 'utf8'));
      const keysSecret = parseYaml(fs.readFileSync(path.join(out, 'dssm-keys-secret.yaml'), 'utf8'));
      assert.equal(keysSecret.metadata.name, 'dssm-keys-secret');
      assert.deepEqual(Object.keys(keysSecret.data), ['dssm-key.key']);

      if (hasOpenssl) {
        const v = spawnSync('openssl', ['verify', '-CAfile', path.join(out, 'dssm-ca.crt'), path.join(out, 'dssm-cert.crt'), path.join(out, 'proxy.crt')], { encoding: 'utf8' });
        assert.equal(v.status, 0, v.stderr);
        const dh = spawnSync('openssl', ['dhparam', '-in', path.join(out, 'dhparam2048.pem'), '-noout', '-check'], { encoding: 'utf8' });
        assert.equal(dh.status, 0, dh.stderr);
      }

      // The files serve a TLS server and a client, as written.
      const tlsPort = await freePort();
      const srv = await startDssm([
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        path.join(out, 'dssm-cert.crt'),
        '--tls-key-file',
        path.join(out, 'dssm-key.key'),
        '--tls-ca-cert-file',
        path.join(out, 'dssm-ca.crt'),
        '--tls-dh-params-file',
        path.join(out, 'dhparam2048.pem'),
      ]);
      try {
        const pong = await tryPing(tlsPort, {
          ca: fs.readFileSync(path.join(out, 'dssm-ca.crt')),
          cert: fs.readFileSync(path.join(out, 'proxy.crt')),
          key: fs.readFileSync(path.join(out, 'proxy.key')),
        });
        assert.equal(pong, 'PONG');
      } finally {
        await srv.stop();
      }

      const insp = await dssm(['certs', 'inspect', out]);
      assert.equal(insp.code, 0, insp.stderr);
      assert.match(insp.stdout, /subject: {3}CN=proxy/);
      assert.match(insp.stdout, /issuer: {4}CN=dssm CA/);
      assert.match(insp.stdout, /DNS:\*\.dssm-headless\.prod\.svc\.cluster\.local/);
      assert.match(insp.stdout, /days left: 29 \(EXPIRES SOON\)/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('ca, server --algorithm rsa, client, one step at a time; refuses to overwrite', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dssm-certs-'));
    try {
      assert.equal((await dssm(['certs', 'ca', '--out', out, '--days', '3650'])).code, 0);
      const s = await dssm(['certs', 'server', '--out', out, '--algorithm', 'rsa']);
      assert.equal(s.code, 0, s.stderr);
      const server = new X509Certificate(fs.readFileSync(path.join(out, 'dssm-cert.crt')));
      assert.equal(server.publicKey.asymmetricKeyType, 'rsa');
      assert.match(server.subjectAltName!, /DNS:localhost/);
      assert.equal((await dssm(['certs', 'client', '--out', out, '--cn', 'asp-store'])).code, 0);
      assert.equal(new X509Certificate(fs.readFileSync(path.join(out, 'asp-store.crt'))).subject, 'CN=asp-store');
      const again = await dssm(['certs', 'ca', '--out', out]);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /exists \(use --force to overwrite\)/);
      const json = JSON.parse((await dssm(['certs', 'inspect', path.join(out, 'dssm-ca.crt'), '--json'])).stdout);
      assert.equal(json[0].isCA, true);
      assert.ok(json[0].daysLeft >= 3648);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
