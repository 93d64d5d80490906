/**
 * voucherd encodes its RADIUS replies itself (src/radius/packet.ts); node-radius, which decodes
 * packets and encodes Disconnect-Requests, encodes them too. Both must give the same bytes for
 * every reply voucherd sends: each grant's attributes, rejects, Status-Server and accounting
 * answers, with and without Proxy-State.
 */
import radius, { type AttributeSpec } from 'radius';
import { describe, expect, it } from 'vitest';
import { grantAttributes } from '../src/radius/attributes.js';
import { loadDictionaries } from '../src/radius/dictionaries.js';
import { encodeReply, type Reply } from '../src/radius/packet.js';
import { accessRequest, accountingRequest, GRANT, NAS_SECRET } from './radius-support.js';


const replies: [string, Reply][] = [
  ['a grant with no limits', { code: 'Access-Accept', attributes: grantAttributes(GRANT, 0), messageAuthenticator: true }],
  [
    'a grant with rates, traffic past 4 GiB and an interim interval',
    {
      code: 'Access-Accept',
      attributes: grantAttributes({ ...GRANT, downLimitKbps: 10240, upLimitKbps: 2048, trafficLeftBytes: 5 * 2 ** 30 + 17 }, 300),
      messageAuthenticator: true,
    },
  ],
  [
    'a grant with one direction limited and a session timeout past 32 bits',
    { code: 'Access-Accept', attributes: grantAttributes({ ...GRANT, upLimitKbps: 512, sessionTimeoutSec: 2 ** 40 }, 60), messageAuthenticator: true },
  ],
  ['a reject', { code: 'Access-Reject', attributes: [['Reply-Message', 'The voucher code is incorrect.']], messageAuthenticator: true }],
  ['a reject in another script', { code: 'Access-Reject', attributes: [['Reply-Message', 'Código inválido — 代码无效']], messageAuthenticator: true }],
  ['Status-Server answered', { code: 'Access-Accept', attributes: [], messageAuthenticator: true }],
  ['an accounting answer', { code: 'Accounting-Response', attributes: [], messageAuthenticator: false }],
];

/** The same reply by node-radius, Proxy-State copied as encodeReply does. */
function nodeRadius(request: Buffer, reply: Reply): Buffer {
  loadDictionaries();
  const proxyStates = radius.decode({ packet: request, no_secret: true }).raw_attributes.filter(([type]) => type === 33);
  return radius.encode({
    code: reply.code,
    identifier: request[1]!,
    authenticator: Buffer.from(request.subarray(4, 20)),
    attributes: [...reply.attributes, ...proxyStates.map(([type, value]): AttributeSpec => [type, value])],
    secret: NAS_SECRET,
    add_message_authenticator: reply.messageAuthenticator,
  });
}

describe('encodeReply', () => {
  const requests: [string, () => Buffer][] = [
    ['an Access-Request', () => accessRequest([['User-Name', 'ABCD1234'], ['User-Password', 'ABCD1234']])],
    [
      'an Access-Request with two Proxy-States',
      () =>
        accessRequest([
          ['User-Name', 'ABCD1234'],
          ['Proxy-State', Buffer.from('first')],
          ['User-Password', 'ABCD1234'],
          ['Proxy-State', Buffer.from('second')],
        ]),
    ],
    ['an Accounting-Request', () => accountingRequest([['Acct-Status-Type', 'Start'], ['Acct-Session-Id', 's-1']], 7)],
  ];

  it.each(requests.flatMap(([requestName, request]) => replies.map(([replyName, reply]) => [`${replyName}, to ${requestName}`, request, reply] as const)))(
    '%s: the same bytes as node-radius',
    (_name, request, reply) => {
      const packet = request();
      expect(encodeReply(packet, NAS_SECRET, reply).toString('hex')).toBe(nodeRadius(packet, reply).toString('hex'));
    },
  );

  it('refuses an attribute longer than 253 octets (a Vendor-Specific too) and a reply longer than 4096', () => {
    const packet = accessRequest([['User-Name', 'ABCD1234']]);
    expect(() => encodeReply(packet, NAS_SECRET, { code: 'Access-Reject', attributes: [['Reply-Message', 'x'.repeat(254)]], messageAuthenticator: true })).toThrow(
      'attribute 18 is longer than 253 octets',
    );
    const vendorSpecific: AttributeSpec[] = [['Vendor-Specific', 14988, [['Mikrotik-Rate-Limit', 'x'.repeat(250)]]]];
    expect(() => encodeReply(packet, NAS_SECRET, { code: 'Access-Accept', attributes: vendorSpecific, messageAuthenticator: true })).toThrow(
      'attribute 26 is longer than 253 octets',
    );
    const many: AttributeSpec[] = Array.from({ length: 17 }, () => ['Reply-Message', 'x'.repeat(253)]);
    expect(() => encodeReply(packet, NAS_SECRET, { code: 'Access-Reject', attributes: many, messageAuthenticator: true })).toThrow(
      'a reply of 4373 octets is longer than RADIUS allows',
    );
  });
});
