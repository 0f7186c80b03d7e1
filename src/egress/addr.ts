/**
 * IPv4 subnet arithmetic for the synthesized addresses: an address is kept as its index in
 * the subnet (0 = the network address + 1, so neither the network nor the broadcast address
 * is ever handed out).
 */

/** A dotted quad as an unsigned 32-bit number, or null. */
export function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export class Ipv4Subnet {
  /** Usable addresses (network and broadcast excluded). */
  readonly size: number;
  private constructor(
    readonly network: number,
    readonly prefix: number,
  ) {
    this.size = 2 ** (32 - prefix) - 2;
  }

  static parse(cidr: string): Ipv4Subnet | null {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
    if (!m) return null;
    const base = parseIpv4(m[1]!);
    const prefix = Number(m[2]);
    if (base === null || prefix < 8 || prefix > 30) return null;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((base & ~mask) >>> 0 !== 0) return null;
    return new Ipv4Subnet(base, prefix);
  }

  /** The index of an address in the subnet, or null when outside (or network/broadcast). */
  indexOf(addr: number): number | null {
    const off = addr - this.network - 1;
    return off >= 0 && off < this.size ? off : null;
  }

  address(index: number): number {
    return this.network + 1 + index;
  }

  toString(): string {
    return `${formatIpv4(this.network)}/${this.prefix}`;
  }
}
