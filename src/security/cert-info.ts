/**
 * Reading certificates (subject, SANs, expiry, CN) with Node's own X509Certificate. Kept
 * apart from pki.ts, which issues certificates with @peculiar/x509, so that data nodes and
 * sentinels do not load that library (and its dependencies) at start.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';

export interface CertSummary {
  file: string;
  subject: string;
  issuer: string;
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  daysLeft: number;
  isCA: boolean;
  serial: string;
}

/** Every certificate in a PEM text (bundles hold several). */
export function parsePemCertificates(pem: string): NodeX509[] {
  const out: NodeX509[] = [];
  const re = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
  for (const m of pem.matchAll(re)) out.push(new NodeX509(m[0]));
  return out;
}

export function daysLeft(notAfter: Date, now = Date.now()): number {
  return Math.floor((notAfter.getTime() - now) / 86_400_000);
}

export function summarize(cert: NodeX509, file: string): CertSummary {
  const notAfter = new Date(cert.validTo);
  return {
    file,
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    sans: cert.subjectAltName ? cert.subjectAltName.split(/,\s*/) : [],
    notBefore: new Date(cert.validFrom),
    notAfter,
    daysLeft: daysLeft(notAfter),
    isCA: cert.ca,
    serial: cert.serialNumber,
  };
}

/** The CN of a subject as Node prints it ("CN=name\nO=..."), or null. */
export function commonNameOf(subject: string | undefined | null): string | null {
  if (!subject) return null;
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return null;
}
