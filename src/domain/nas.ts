import type { NasRecord, Store } from '../store/port.js';
import { newId, type Clock, type Random } from './clock.js';
import { Errors, invalidField, OmadaError } from './errors.js';
import { parseBlock } from './network-address.js';

/** A gateway to register as a RADIUS client of a site. */
export interface NewNas {
  readonly siteId: string;
  /** An IP address or a CIDR block the gateway's packets come from. */
  readonly address: string;
  readonly secret: string;
  readonly name?: string | undefined;
  readonly requireMessageAuthenticator?: boolean | undefined;
  /** The port the gateway takes RFC 5176 Disconnect-Requests on (3799 by convention). */
  readonly disconnectPort?: number | undefined;
}

/** What may be shown of a NAS: everything but its shared secret. */
export type NasView = Omit<NasRecord, 'secret'>;

export const nasView = ({ secret: _secret, ...view }: NasRecord): NasView => view;

const SITE_ID = /^[0-9a-f]{24}$/;
const MAX_SECRET = 128;
const MAX_NAME = 128;

/**
 * The RADIUS clients (NAS: gateways, access points, routers) each site accepts. The RADIUS
 * server reads them from the store, so a change made here, by any process, reaches it within
 * seconds without a restart.
 */
export class NasService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  async add(input: NewNas): Promise<NasRecord> {
    const block = parseBlock(input.address);
    if (!block) throw invalidField(`address must be an IP address or a CIDR block such as 192.0.2.10 or 192.0.2.0/24, got "${input.address}".`);
    // Shared secrets are bytes to RADIUS; control characters are typing accidents, not secrets.
    if (input.secret.length < 1 || input.secret.length > MAX_SECRET || /[\u0000-\u001f\u007f]/.test(input.secret)) {
      throw invalidField(`secret must contain 1 to ${MAX_SECRET} printable characters.`);
    }
    const name = (input.name ?? block.canonical).trim();
    if (name.length < 1 || name.length > MAX_NAME) throw invalidField(`name must contain 1 to ${MAX_NAME} characters.`);
    const port = input.disconnectPort;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw invalidField('disconnectPort must be an integer within 1-65535.');
    }
    if (!SITE_ID.test(input.siteId) || !(await this.store.sites.get(input.siteId))) {
      throw new OmadaError(Errors.SITE_NOT_EXIST);
    }
    const nas: NasRecord = {
      id: newId(this.clock, this.random),
      siteId: input.siteId,
      name,
      address: block.canonical,
      secret: input.secret,
      requireMessageAuthenticator: input.requireMessageAuthenticator === true,
      disconnectPort: port,
      createdAt: this.clock.now(),
    };
    await this.store.nas.insert(nas);
    return nas;
  }

  list(siteId?: string): Promise<NasRecord[]> {
    return this.store.nas.list(siteId);
  }

  delete(id: string): Promise<boolean> {
    return this.store.nas.delete(id);
  }
}
