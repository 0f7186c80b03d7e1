/**
 * Certificate expiry metrics, shared by data nodes and sentinels: for every certificate
 * file in use (server, CA bundle, client pair for outgoing links), the whole days left and
 * the expiry time. Alerting on `dssm_tls_cert_days_left < 14` is the point (issue 6).
 */
import type { Exposition } from './metrics-format.js';

/** A certificate in use, as src/security/tls.ts describes it (only what the metrics need). */
export interface CertExpiry {
  role: string;
  file: string;
  notAfter: Date;
}

const DAY = 86_400_000;

/**
 * Write `dssm_tls_cert_days_left`, `dssm_tls_cert_expiry_timestamp_seconds` (by file and
 * role) and `dssm_tls_min_days_left`. Days are whole days rounded down, as INFO tls counts
 * them (a certificate valid for 29.9 more days has 29 left; negative once expired). A file
 * that holds several certificates (a CA bundle) is represented by the one expiring first.
 */
export function renderCertExpiry(e: Exposition, certs: readonly CertExpiry[], now = Date.now()): void {
  const soonest = new Map<string, { role: string; file: string; notAfter: number }>();
  for (const c of certs) {
    const key = `${c.role}\0${c.file}`;
    const t = c.notAfter.getTime();
    const prev = soonest.get(key);
    if (!prev || t < prev.notAfter) soonest.set(key, { role: c.role, file: c.file, notAfter: t });
  }
  const list = [...soonest.values()];
  const days = (t: number) => Math.floor((t - now) / DAY);
  e.family('dssm_tls_cert_days_left', 'gauge', 'Whole days until each certificate in use expires (negative once expired), by file and role (server, ca, client).');
  for (const c of list) e.sample(days(c.notAfter), { role: c.role, file: c.file });
  e.family('dssm_tls_cert_expiry_timestamp_seconds', 'gauge', 'Expiry time (notAfter) of each certificate in use, seconds since the Unix epoch.');
  for (const c of list) e.sample(Math.floor(c.notAfter / 1000), { role: c.role, file: c.file });
  if (list.length > 0) {
    const min = Math.min(...list.map((c) => c.notAfter));
    e.single('dssm_tls_min_days_left', 'gauge', 'Whole days until the first certificate in use expires (INFO tls_min_days_left).', days(min));
  }
}
