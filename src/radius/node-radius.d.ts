/**
 * The parts of node-radius 1.1.4 (npm `radius`, CommonJS) voucherd uses. @types/radius leaves out
 * the authenticator, `no_secret` and dictionary loading from text, so these few lines stand in.
 */
declare module 'radius' {
  /** [type, value] as read from the wire, in packet order. */
  export type RawAttribute = [number, Buffer];

  export interface DecodedPacket {
    code: string;
    identifier: number;
    length: number;
    authenticator: Buffer;
    /** By dictionary name; an attribute that occurs more than once holds an array. */
    attributes: Record<string, unknown>;
    raw_attributes: RawAttribute[];
  }

  /** [name or type, value] or, for a Vendor-Specific attribute, ['Vendor-Specific', vendorId, attributes]. */
  export type AttributeSpec = [string | number, string | number | Buffer] | ['Vendor-Specific', number, AttributeSpec[]];

  export interface EncodeArgs {
    code: string;
    secret: string;
    identifier?: number;
    /** For replies: the request's authenticator, which the response authenticator covers. */
    authenticator?: Buffer;
    attributes?: AttributeSpec[];
    add_message_authenticator?: boolean;
  }

  interface Radius {
    decode(args: { packet: Buffer; secret?: string; no_secret?: boolean }): DecodedPacket;
    encode(args: EncodeArgs): Buffer;
    load_dictionaries(): void;
    /** Parses dictionary text (FreeRADIUS format) into the loaded attributes; answers its $INCLUDEs. */
    _load_dictionary(content: string): string[];
    attr_name_to_id(name: string, vendorId?: number): string | undefined;
  }

  const radius: Radius;
  export default radius;
}
