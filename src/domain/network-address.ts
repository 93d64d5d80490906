import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP addresses and CIDR blocks as NAS clients are registered and matched: parsed into a family,
 * a number and a prefix length, and written back in one canonical form, so `10.0.0.1/32`,
 * `10.0.0.1` and `::ffff:10.0.0.1` name the same NAS and a packet's source finds it.
 */
export interface NetworkBlock {
  readonly family: 4 | 6;
  /** The block's first address (host bits cleared). */
  readonly network: bigint;
  /** 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefix: number;
  /** `a.b.c.d`, `a.b.c.d/n`, or the RFC 5952 form of an IPv6 address, with `/n` unless a single address. */
  readonly canonical: string;
}

const BITS = { 4: 32, 6: 128 } as const;

function ipv4ToNumber(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToNumber(text: string): bigint {
  let address = text.toLowerCase();
  // A dotted tail (::ffff:1.2.3.4) stands for the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const tail = ipv4ToNumber(dotted[2]!);
    address = `${dotted[1]}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
  }
  const [head, rest] = address.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups as `::`. */
function ipv6Text(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** An address of either family as a family and number; IPv4-mapped IPv6 addresses count as IPv4. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIPv4(text)) return { family: 4, value: ipv4ToNumber(text) };
  // A zone index (fe80::1%eth0) names an interface, not an address another host could use.
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const value = ipv6ToNumber(text);
  if (value >> 32n === MAPPED_PREFIX >> 32n) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/**
 * Parses an address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`); host bits under the prefix
 * are cleared. Undefined when the text is neither.
 *
 * @example parseBlock('10.1.2.3/8')?.canonical === '10.0.0.0/8'
 */
export function parseBlock(text: string): NetworkBlock | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  const address = parseAddress(addressText);
  if (!address) return undefined;
  const mappedInput = address.family === 4 && !isIPv4(addressText);
  let prefix: number = BITS[address.family];
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    const given = Number(prefixText);
    // A prefix on a mapped address counts its 96 leading bits.
    const limit = mappedInput ? 128 : BITS[address.family];
    if (given > limit || (mappedInput && given < 96)) return undefined;
    prefix = mappedInput ? given - 96 : given;
  }
  const bits = BigInt(BITS[address.family]);
  const hostBits = bits - BigInt(prefix);
  const network = (address.value >> hostBits) << hostBits;
  const text4or6 = address.family === 4 ? ipv4Text(network) : ipv6Text(network);
  const canonical = prefix === BITS[address.family] ? text4or6 : `${text4or6}/${prefix}`;
  return { family: address.family, network, prefix, canonical };
}

/** Whether `block` holds the address `family`/`value`. */
export function blockContains(block: NetworkBlock, family: 4 | 6, value: bigint): boolean {
  if (block.family !== family) return false;
  const hostBits = BigInt(BITS[family] - block.prefix);
  return value >> hostBits === block.network >> hostBits;
}
