/**
 * A small DNS message codec (RFC 1035, RFC 6891 for OPT) for exactly what the gateway
 * needs: read a message's header, question and resource records without copying their
 * data (records keep offsets into the packet), and write answers.
 *
 * Reading is strict: a name that runs past the packet, a compression pointer that does not
 * point backwards, a label longer than 63 or a name longer than 255 octets, or records that
 * do not fit make the message malformed (DnsFormatError), never an exception of another
 * kind, so the server answers FORMERR or drops it and carries on.
 */

export const TYPE_A = 1;
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const TYPE_OPT = 41;
export const CLASS_IN = 1;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_REFUSED = 5;

export const FLAG_QR = 0x8000;
export const FLAG_AA = 0x0400;
export const FLAG_TC = 0x0200;
export const FLAG_RD = 0x0100;
export const FLAG_RA = 0x0080;
export const FLAG_AD = 0x0020;
export const FLAG_CD = 0x0010;

export class DnsFormatError extends Error {}

export interface Question {
  /** Lower-case presentation form without the final dot ("" for the root). */
  name: string;
  type: number;
  class: number;
  /** Byte range of the question section entry in the packet. */
  start: number;
  end: number;
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Offset of the TTL field (for rewriting TTLs in cached packets). */
  ttlOffset: number;
  rdataOffset: number;
  rdataLength: number;
}

export interface DnsMessage {
  id: number;
  flags: number;
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  /** The OPT record, if any (EDNS0): UDP payload size and the DO bit. */
  edns: { udpSize: number; do: boolean; version: number } | null;
}

/** Read a (possibly compressed) name at `off`; returns the name and the offset after it. */
export function readName(buf: Buffer, off: number): [string, number] {
  const labels: string[] = [];
  let pos = off;
  let end = -1;
  let total = 0;
  let jumps = 0;
  for (;;) {
    if (pos >= buf.length) throw new DnsFormatError('name runs past the message');
    const len = buf[pos]!;
    if (len === 0) {
      pos++;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsFormatError('truncated compression pointer');
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      // Pointers must go backwards (prevents loops), and a name has few of them.
      if (target >= pos || ++jumps > 64) throw new DnsFormatError('bad compression pointer');
      if (end < 0) end = pos + 2;
      pos = target;
      continue;
    }
    if (kind !== 0) throw new DnsFormatError('unknown label type');
    if (pos + 1 + len > buf.length) throw new DnsFormatError('label runs past the message');
    total += len + 1;
    if (total > 255) throw new DnsFormatError('name longer than 255 octets');
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len).toLowerCase());
    pos += 1 + len;
  }
  return [labels.join('.'), end < 0 ? pos : end];
}

function readRecords(buf: Buffer, off: number, count: number, out: ResourceRecord[]): number {
  for (let i = 0; i < count; i++) {
    const [name, p] = readName(buf, off);
    if (p + 10 > buf.length) throw new DnsFormatError('record header runs past the message');
    const rdlen = buf.readUInt16BE(p + 8);
    if (p + 10 + rdlen > buf.length) throw new DnsFormatError('record data runs past the message');
    out.push({
      name,
      type: buf.readUInt16BE(p),
      class: buf.readUInt16BE(p + 2),
      ttl: buf.readUInt32BE(p + 4),
      ttlOffset: p + 4,
      rdataOffset: p + 10,
      rdataLength: rdlen,
    });
    off = p + 10 + rdlen;
  }
  return off;
}

/** Parse a whole message (throws DnsFormatError). */
export function parseMessage(buf: Buffer): DnsMessage {
  if (buf.length < 12) throw new DnsFormatError('shorter than a header');
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  const msg: DnsMessage = { id: buf.readUInt16BE(0), flags: buf.readUInt16BE(2), questions: [], answers: [], authority: [], additional: [], edns: null };
  let off = 12;
  for (let i = 0; i < qd; i++) {
    const [name, p] = readName(buf, off);
    if (p + 4 > buf.length) throw new DnsFormatError('question runs past the message');
    msg.questions.push({ name, type: buf.readUInt16BE(p), class: buf.readUInt16BE(p + 2), start: off, end: p + 4 });
    off = p + 4;
  }
  off = readRecords(buf, off, an, msg.answers);
  off = readRecords(buf, off, ns, msg.authority);
  readRecords(buf, off, ar, msg.additional);
  for (const r of msg.additional) {
    if (r.type !== TYPE_OPT) continue;
    if (msg.edns || r.name !== '') throw new DnsFormatError('more than one OPT record, or not at the root');
    msg.edns = { udpSize: Math.max(512, r.class), do: (r.ttl & 0x8000) !== 0, version: (r.ttl >>> 16) & 0xff };
  }
  return msg;
}

/** A name in wire form (no compression). */
export function encodeName(name: string): Buffer {
  if (name === '') return Buffer.from([0]);
  const parts = name.split('.');
  const out = Buffer.alloc(name.length + 2);
  let p = 0;
  for (const l of parts) {
    out[p++] = l.length;
    p += out.write(l, p, 'latin1');
  }
  out[p++] = 0;
  return out.subarray(0, p);
}

/** Build a query message (for upstream lookups). */
export function buildQuery(id: number, name: string, type: number, opts: { rd?: boolean; edns?: number; do?: boolean; cd?: boolean } = {}): Buffer {
  const qname = encodeName(name);
  const opt = opts.edns ? 11 : 0;
  const buf = Buffer.alloc(12 + qname.length + 4 + opt);
  buf.writeUInt16BE(id, 0);
  buf.writeUInt16BE((opts.rd === false ? 0 : FLAG_RD) | (opts.cd ? FLAG_CD : 0), 2);
  buf.writeUInt16BE(1, 4);
  buf.writeUInt16BE(opt ? 1 : 0, 10);
  qname.copy(buf, 12);
  let p = 12 + qname.length;
  buf.writeUInt16BE(type, p);
  buf.writeUInt16BE(CLASS_IN, p + 2);
  p += 4;
  if (opt) {
    buf[p] = 0;
    buf.writeUInt16BE(TYPE_OPT, p + 1);
    buf.writeUInt16BE(opts.edns!, p + 3);
    buf.writeUInt32BE(opts.do ? 0x8000 : 0, p + 5);
    buf.writeUInt16BE(0, p + 9);
  }
  return buf;
}

/** One record to write: owner (wire form or a pointer), type, TTL, rdata. */
export interface RecordOut {
  owner: Buffer;
  type: number;
  ttl: number;
  rdata: Buffer;
}

/** A pointer to offset 12 (the question name), the usual owner of answers. */
export const POINTER_TO_QNAME = Buffer.from([0xc0, 0x0c]);

/**
 * A response: header, the query's question section copied byte for byte (keeps the
 * client's letter case, RFC 5452 0x20), the answers, and an OPT record when the query had one.
 */
export function buildResponse(query: Buffer, q: Question, flags: number, answers: RecordOut[], edns: { udpSize: number } | null, authority: RecordOut[] = []): Buffer {
  let size = 12 + (q.end - q.start) + (edns ? 11 : 0);
  for (const r of answers) size += r.owner.length + 10 + r.rdata.length;
  for (const r of authority) size += r.owner.length + 10 + r.rdata.length;
  const buf = Buffer.alloc(size);
  query.copy(buf, 0, 0, 2);
  buf.writeUInt16BE(flags, 2);
  buf.writeUInt16BE(1, 4);
  buf.writeUInt16BE(answers.length, 6);
  buf.writeUInt16BE(authority.length, 8);
  buf.writeUInt16BE(edns ? 1 : 0, 10);
  query.copy(buf, 12, q.start, q.end);
  let p = 12 + (q.end - q.start);
  for (const r of [...answers, ...authority]) {
    r.owner.copy(buf, p);
    p += r.owner.length;
    buf.writeUInt16BE(r.type, p);
    buf.writeUInt16BE(CLASS_IN, p + 2);
    buf.writeUInt32BE(r.ttl >>> 0, p + 4);
    buf.writeUInt16BE(r.rdata.length, p + 8);
    r.rdata.copy(buf, p + 10);
    p += 10 + r.rdata.length;
  }
  if (edns) {
    buf[p] = 0;
    buf.writeUInt16BE(TYPE_OPT, p + 1);
    buf.writeUInt16BE(edns.udpSize, p + 3);
    buf.writeUInt32BE(0, p + 5);
    buf.writeUInt16BE(0, p + 9);
  }
  return buf;
}

/** A header-only error answer echoing the question when there is one (FORMERR may have none). */
export function errorResponse(query: Buffer, rcode: number, q: Question | null, edns: { udpSize: number } | null): Buffer {
  if (!q) {
    const buf = Buffer.alloc(12);
    if (query.length >= 2) query.copy(buf, 0, 0, 2);
    const rd = query.length >= 4 ? query.readUInt16BE(2) & FLAG_RD : 0;
    buf.writeUInt16BE(FLAG_QR | FLAG_RA | rd | (query.length >= 4 ? query.readUInt16BE(2) & 0x7800 : 0) | rcode, 2);
    return buf;
  }
  const rd = query.readUInt16BE(2) & (FLAG_RD | FLAG_CD);
  return buildResponse(query, q, FLAG_QR | FLAG_RA | rd | rcode, [], edns);
}

/** The record data of an A record. */
export function aRdata(ipv4: string): Buffer {
  return Buffer.from(ipv4.split('.').map(Number));
}

/** The IPv6 address in an AAAA record's data, compressed text form. */
export function aaaaText(buf: Buffer, off: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(buf.readUInt16BE(off + i).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}

/** Set the ID of a packet (copying) and keep everything else. */
export function withId(packet: Buffer, id: number): Buffer {
  const out = Buffer.allocUnsafe(packet.length);
  packet.copy(out);
  out.writeUInt16BE(id, 0);
  return out;
}
