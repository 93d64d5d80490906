import { timingSafeEqual } from 'node:crypto';
import radius, { type AttributeSpec, type DecodedPacket } from 'radius';
import { loadDictionaries } from './dictionaries.js';
import { hmacMd5, md5 } from './digest.js';

/**
 * RADIUS packets on the wire: framing checks, the authenticators node-radius does not check
 * (or checks by comparing bytes as text), PAP and CHAP, and encoding replies and
 * Disconnect-Requests. node-radius parses attributes and encodes; the cryptography that decides
 * whether a packet is genuine is done here, over the bytes as received.
 */

export const Code = {
  ACCESS_REQUEST: 1,
  ACCESS_ACCEPT: 2,
  ACCESS_REJECT: 3,
  ACCOUNTING_REQUEST: 4,
  ACCOUNTING_RESPONSE: 5,
  ACCESS_CHALLENGE: 11,
  STATUS_SERVER: 12,
  DISCONNECT_REQUEST: 40,
  DISCONNECT_ACK: 41,
  DISCONNECT_NAK: 42,
} as const;

export const Attr = {
  USER_PASSWORD: 2,
  CHAP_PASSWORD: 3,
  PROXY_STATE: 33,
  CHAP_CHALLENGE: 60,
  MESSAGE_AUTHENTICATOR: 80,
} as const;

const HEADER_LENGTH = 20;
/** RFC 2865 §3: the largest packet. */
export const MAX_PACKET_LENGTH = 4096;
const AUTHENTICATOR_START = 4;
const AUTHENTICATOR_END = 20;

/**
 * The packet cut to its Length field, or undefined when it cannot be a RADIUS packet: shorter
 * than its header or its Length, a Length out of 20–4096, or attributes that do not tile the
 * packet exactly. Bytes past Length are padding and dropped (RFC 2865 §3).
 */
export function frame(datagram: Buffer): Buffer | undefined {
  if (datagram.length < HEADER_LENGTH) return undefined;
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH || length > datagram.length) return undefined;
  let offset = HEADER_LENGTH;
  while (offset < length) {
    if (offset + 2 > length) return undefined;
    const attributeLength = datagram[offset + 1]!;
    if (attributeLength < 2 || offset + attributeLength > length) return undefined;
    offset += attributeLength;
  }
  return datagram.subarray(0, length);
}

/** The values of every attribute of `type`, in packet order (the packet must be framed). */
export function attributeValues(packet: Buffer, type: number): Buffer[] {
  const values: Buffer[] = [];
  for (let offset = HEADER_LENGTH; offset < packet.length; offset += packet[offset + 1]!) {
    if (packet[offset] === type) values.push(packet.subarray(offset + 2, offset + packet[offset + 1]!));
  }
  return values;
}

/** Parses attributes by dictionary name; throws on what node-radius cannot read (a broken VSA). */
export function decode(packet: Buffer): DecodedPacket {
  loadDictionaries();
  // Checks are done here over the received bytes; node-radius is asked to parse only.
  return radius.decode({ packet, no_secret: true });
}

const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** Zeroes a copy of a packet's Message-Authenticator, and its authenticator unless `keepAuthenticator`. */
function zeroFields(copy: Buffer, keepAuthenticator: boolean): void {
  if (!keepAuthenticator) copy.fill(0, AUTHENTICATOR_START, AUTHENTICATOR_END);
  for (let offset = HEADER_LENGTH; offset < copy.length; offset += copy[offset + 1]!) {
    if (copy[offset] === Attr.MESSAGE_AUTHENTICATOR) copy.fill(0, offset + 2, offset + copy[offset + 1]!);
  }
}

export type MessageAuthenticatorCheck = 'absent' | 'valid' | 'invalid';

/**
 * Checks a request's Message-Authenticator (RFC 3579 §3.2: HMAC-MD5 of the packet with the
 * attribute zeroed). Access-Request and Status-Server keep their Request Authenticator in the
 * hash; Accounting-Request and Disconnect/CoA-Request hash 16 zero octets there instead, as
 * FreeRADIUS computes them. More than one, or one not 16 octets long, is invalid.
 */
export function checkMessageAuthenticator(packet: Buffer, secret: string): MessageAuthenticatorCheck {
  const values = attributeValues(packet, Attr.MESSAGE_AUTHENTICATOR);
  if (values.length === 0) return 'absent';
  if (values.length > 1 || values[0]!.length !== 16) return 'invalid';
  const code = packet[0];
  const keepsAuthenticator = code === Code.ACCESS_REQUEST || code === Code.STATUS_SERVER;
  const expected = hmacMd5(secret, packet, (copy) => zeroFields(copy, keepsAuthenticator));
  return same(expected, values[0]!) ? 'valid' : 'invalid';
}

/** RFC 2866 §3 (and RFC 5176 §3.5): Request Authenticator = MD5(packet with 16 zero octets there + secret). */
export function checkRequestAuthenticator(packet: Buffer, secret: string): boolean {
  const copy = Buffer.from(packet);
  copy.fill(0, AUTHENTICATOR_START, AUTHENTICATOR_END);
  return same(md5(copy, secret), packet.subarray(AUTHENTICATOR_START, AUTHENTICATOR_END));
}

/**
 * RFC 2865 §5.2: User-Password, decrypted with the secret and the Request Authenticator, NUL
 * padding removed. Undefined when its length is not a multiple of 16 within 16–128.
 */
export function decryptPassword(value: Buffer, secret: string, authenticator: Buffer): Buffer | undefined {
  if (value.length < 16 || value.length > 128 || value.length % 16 !== 0) return undefined;
  // Every octet is written below; allocUnsafe takes it from node's pool.
  const plain = Buffer.allocUnsafe(value.length);
  let previous = authenticator;
  for (let offset = 0; offset < value.length; offset += 16) {
    const pad = md5(secret, previous);
    for (let i = 0; i < 16; i++) plain[offset + i] = value[offset + i]! ^ pad[i]!;
    previous = value.subarray(offset, offset + 16);
  }
  const end = plain.indexOf(0);
  return end < 0 ? plain : plain.subarray(0, end);
}

/**
 * RFC 1994 / RFC 2865 §5.3: CHAP-Password is the CHAP identifier and MD5(identifier +
 * password + challenge); the challenge is CHAP-Challenge, or the Request Authenticator without one.
 */
export function chapMatches(chapPassword: Buffer, challenge: Buffer, password: string): boolean {
  if (chapPassword.length !== 17) return false;
  const expected = md5(chapPassword.subarray(0, 1), Buffer.from(password, 'utf8'), challenge);
  return same(expected, chapPassword.subarray(1));
}

export interface Reply {
  readonly code: 'Access-Accept' | 'Access-Reject' | 'Access-Challenge' | 'Accounting-Response';
  readonly attributes: AttributeSpec[];
  readonly messageAuthenticator: boolean;
}

const REPLY_CODES: Record<Reply['code'], number> = {
  'Access-Accept': Code.ACCESS_ACCEPT,
  'Access-Reject': Code.ACCESS_REJECT,
  'Access-Challenge': Code.ACCESS_CHALLENGE,
  'Accounting-Response': Code.ACCOUNTING_RESPONSE,
};
const VENDOR_SPECIFIC = 26;
const MAX_VALUE_LENGTH = 253;

/** Attribute numbers by dictionary name, per vendor (0: the standard attributes), looked up once. */
const attributeNumbers = new Map<number, Map<string, number>>();

function attributeNumber(name: string | number, vendor: number | undefined): number {
  if (typeof name === 'number') return name;
  let numbers = attributeNumbers.get(vendor ?? 0);
  if (numbers === undefined) attributeNumbers.set(vendor ?? 0, (numbers = new Map()));
  let number = numbers.get(name);
  if (number === undefined) {
    const id = radius.attr_name_to_id(name, vendor);
    if (id === undefined) throw new Error(`${name} is not in the RADIUS dictionaries`);
    number = Number(id);
    numbers.set(name, number);
  }
  return number;
}

type AttributeValue = string | number | Buffer;

/** The octets of an attribute of `type` with `value` (a number: a 32-bit integer; text: UTF-8). */
function attributeLength(type: number, value: AttributeValue): number {
  const length = typeof value === 'number' ? 4 : typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
  if (length > MAX_VALUE_LENGTH) throw new Error(`attribute ${type} is longer than ${MAX_VALUE_LENGTH} octets`);
  return 2 + length;
}

/** Writes type, length and value at `offset` of `packet`; answers where the next attribute goes. */
function writeAttribute(packet: Buffer, offset: number, type: number, length: number, value: AttributeValue): number {
  packet[offset] = type;
  packet[offset + 1] = length;
  if (typeof value === 'number') packet.writeUInt32BE(value, offset + 2);
  else if (typeof value === 'string') packet.write(value, offset + 2, 'utf8');
  else value.copy(packet, offset + 2);
  return offset + length;
}

/** The octets `spec` takes: a Vendor-Specific holds the vendor's number and its attributes. */
function specLength(spec: AttributeSpec): number {
  if (spec[0] !== 'Vendor-Specific') return attributeLength(attributeNumber(spec[0], undefined), spec[1] as AttributeValue);
  const [, vendor, inner] = spec as ['Vendor-Specific', number, AttributeSpec[]];
  let length = 2 + 4;
  for (const [name, value] of inner) length += attributeLength(attributeNumber(name, vendor), value as AttributeValue);
  if (length - 2 > MAX_VALUE_LENGTH) throw new Error(`attribute ${VENDOR_SPECIFIC} is longer than ${MAX_VALUE_LENGTH} octets`);
  return length;
}

function writeSpec(packet: Buffer, offset: number, spec: AttributeSpec): number {
  if (spec[0] !== 'Vendor-Specific') {
    const type = attributeNumber(spec[0], undefined);
    const value = spec[1] as AttributeValue;
    return writeAttribute(packet, offset, type, attributeLength(type, value), value);
  }
  const [, vendor, inner] = spec as ['Vendor-Specific', number, AttributeSpec[]];
  const start = offset;
  packet[offset] = VENDOR_SPECIFIC;
  packet.writeUInt32BE(vendor, offset + 2);
  offset += 6;
  for (const [name, value] of inner) {
    const type = attributeNumber(name, vendor);
    offset = writeAttribute(packet, offset, type, attributeLength(type, value as AttributeValue), value as AttributeValue);
  }
  packet[start + 1] = offset - start;
  return offset;
}

/**
 * Encodes a reply to `request`: its identifier, the attributes (names from the loaded
 * dictionaries; numbers as 32-bit integers), Proxy-State attributes copied in order (RFC 2865
 * §5.33), Message-Authenticator last when asked (computed over the Request Authenticator, RFC
 * 3579 §3.2), and the Response Authenticator over all of it. Written here rather than by
 * node-radius, whose encoder fills a 4 KiB buffer per packet and passes digests through binary
 * strings: a reply per redemption made it a fifth of the RADIUS thread's time. The reply is
 * measured first and then written into its one buffer: a buffer per attribute made the RADIUS
 * thread's garbage.
 */
export function encodeReply(request: Buffer, secret: string, reply: Reply): Buffer {
  loadDictionaries();
  let length = HEADER_LENGTH;
  for (const spec of reply.attributes) length += specLength(spec);
  for (let offset = HEADER_LENGTH; offset < request.length; offset += request[offset + 1]!) {
    if (request[offset] === Attr.PROXY_STATE) length += request[offset + 1]!;
  }
  if (reply.messageAuthenticator) length += 2 + 16;
  if (length > MAX_PACKET_LENGTH) throw new Error(`a reply of ${length} octets is longer than RADIUS allows`);
  const packet = Buffer.allocUnsafe(length);
  packet[0] = REPLY_CODES[reply.code];
  packet[1] = request[1]!;
  packet.writeUInt16BE(length, 2);
  request.copy(packet, AUTHENTICATOR_START, AUTHENTICATOR_START, AUTHENTICATOR_END);
  let offset = HEADER_LENGTH;
  for (const spec of reply.attributes) offset = writeSpec(packet, offset, spec);
  for (let at = HEADER_LENGTH; at < request.length; at += request[at + 1]!) {
    if (request[at] === Attr.PROXY_STATE) offset += request.copy(packet, offset, at, at + request[at + 1]!);
  }
  if (reply.messageAuthenticator) {
    packet[offset] = Attr.MESSAGE_AUTHENTICATOR;
    packet[offset + 1] = 2 + 16;
    packet.fill(0, offset + 2, offset + 18);
    hmacMd5(secret, packet).copy(packet, offset + 2);
  }
  md5(packet, secret).copy(packet, AUTHENTICATOR_START);
  return packet;
}

/**
 * Encodes a request a server sends to a NAS (RFC 5176 Disconnect-Request) with a
 * Message-Authenticator: that is computed with a zero authenticator, then the Request
 * Authenticator is MD5 over the packet holding it, plus the secret.
 */
export function encodeServerRequest(code: 'Disconnect-Request', identifier: number, attributes: AttributeSpec[], secret: string): Buffer {
  loadDictionaries();
  const packet = radius.encode({
    code,
    identifier,
    attributes: [...attributes, [Attr.MESSAGE_AUTHENTICATOR, Buffer.alloc(16)]],
    secret,
    add_message_authenticator: false,
  });
  packet.fill(0, AUTHENTICATOR_START, AUTHENTICATOR_END);
  hmacMd5(secret, packet).copy(packet, packet.length - 16);
  md5(packet, secret).copy(packet, AUTHENTICATOR_START);
  return packet;
}

/** Whether `response` answers `request` with a valid Response Authenticator (RFC 2865 §3). */
export function checkResponseAuthenticator(response: Buffer, request: Buffer, secret: string): boolean {
  if (response.length < HEADER_LENGTH) return false;
  const copy = Buffer.from(response);
  request.copy(copy, AUTHENTICATOR_START, AUTHENTICATOR_START, AUTHENTICATOR_END);
  return same(md5(copy, secret), response.subarray(AUTHENTICATOR_START, AUTHENTICATOR_END));
}
