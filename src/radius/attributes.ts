import type { AttributeSpec } from 'radius';
import type { Grant } from '../domain/redemption.js';
import { VENDOR } from './dictionaries.js';

const UINT32_MAX = 0xffffffff;
const GIGAWORD = 2 ** 32;

/** Integer attributes are 32 bits: a larger figure is sent as the largest one. */
const uint32 = (value: number) => Math.min(UINT32_MAX, Math.max(0, Math.floor(value)));

/**
 * The Access-Accept attributes of a grant, for every gateway family at once (each reads its own
 * and ignores the rest):
 *
 * | attribute | value |
 * |---|---|
 * | Session-Timeout | seconds until the voucher's clock or window ends the session |
 * | Class | the session's id, which the gateway sends back in its accounting (RFC 2865 §5.25) |
 * | Acct-Interim-Interval | `interimIntervalSec`, when not 0 |
 * | WISPr-Bandwidth-Max-Down / -Up | the rate in bits per second (Kbps × 1000), per limited direction |
 * | Mikrotik-Rate-Limit | `<up>k/<down>k` (rx/tx as the router sees them: rx is the client's upload; 0 is unlimited) |
 * | ChilliSpot-Max-Total-Octets + -Gigawords, Mikrotik-Total-Limit + -Gigawords | the traffic left, in bytes, as low 32 bits and multiples of 2^32 |
 */
export function grantAttributes(grant: Grant, interimIntervalSec: number): AttributeSpec[] {
  const attributes: AttributeSpec[] = [['Session-Timeout', uint32(grant.sessionTimeoutSec)], ['Class', Buffer.from(grant.sessionId)]];
  if (interimIntervalSec > 0) attributes.push(['Acct-Interim-Interval', interimIntervalSec]);

  // One vendor attribute per Vendor-Specific: some gateways read only the first of several.
  const vsa = (vendor: number, name: string, value: number | string) => attributes.push(['Vendor-Specific', vendor, [[name, value]]]);
  const { downLimitKbps: down, upLimitKbps: up } = grant;
  if (up !== undefined) vsa(VENDOR.WISPr, 'WISPr-Bandwidth-Max-Up', uint32(up * 1000));
  if (down !== undefined) vsa(VENDOR.WISPr, 'WISPr-Bandwidth-Max-Down', uint32(down * 1000));
  if (up !== undefined || down !== undefined) vsa(VENDOR.Mikrotik, 'Mikrotik-Rate-Limit', `${up ?? 0}k/${down ?? 0}k`);

  if (grant.trafficLeftBytes !== undefined) {
    const bytes = Math.max(0, Math.floor(grant.trafficLeftBytes));
    const low = bytes % GIGAWORD;
    const gigawords = uint32(Math.floor(bytes / GIGAWORD));
    vsa(VENDOR.ChilliSpot, 'ChilliSpot-Max-Total-Octets', low);
    vsa(VENDOR.ChilliSpot, 'ChilliSpot-Max-Total-Gigawords', gigawords);
    vsa(VENDOR.Mikrotik, 'Mikrotik-Total-Limit', low);
    vsa(VENDOR.Mikrotik, 'Mikrotik-Total-Limit-Gigawords', gigawords);
  }
  return attributes;
}
