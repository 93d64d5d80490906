import type { PortalAuthTimeout, PortalRecord, Store } from '../store/port.js';
import { newId, type Clock, type Random } from './clock.js';
import { Errors, invalidField, OmadaError } from './errors.js';

/** PortalSetting.authType: 0 none, 1 simple password, 2 external RADIUS, 4 external portal, 11 hotspot, 15 LDAP. */
export const AUTH_TYPES = [0, 1, 2, 4, 11, 15] as const;
export const AUTH_TYPE_HOTSPOT = 11;
/** HotspotSetting.enabledTypes: 3 voucher, 5 local user, 6 SMS, 8 hotspot RADIUS, 12 form auth. */
export const HOTSPOT_TYPES = [3, 5, 6, 8, 12] as const;
export const HOTSPOT_TYPE_VOUCHER = 3;
/** PortalSetting.landingPage 2: the client goes on to `landingUrlScheme://landingUrl`. */
export const LANDING_PROMOTIONAL_URL = 2;
/** AuthTimeOpenApiVO.authTimeout 0: the span is `customTimeout` in `customTimeoutUnit`s. */
export const AUTH_TIMEOUT_CUSTOM = 0;
/** The largest custom timeout per unit (AuthTimeoutSetting): 1 minutes, 2 hours, 3 days. */
export const CUSTOM_TIMEOUT_MAX: Readonly<Record<number, number>> = { 1: 1_000_000, 2: 10_000, 3: 1_000 };
const UNIT_NAMES: Readonly<Record<number, string>> = { 1: 'minutes', 2: 'hours', 3: 'days' };

export interface AuthTimeoutInput {
  readonly authTimeout?: number;
  readonly customTimeout?: number;
  readonly customTimeoutUnit?: number;
}

/** The fields of PortalSetting that voucherd keeps; the rest are accepted and ignored by the HTTP schema. */
export interface PortalChange {
  readonly name?: string;
  readonly enable?: boolean;
  readonly authType?: number;
  readonly authTimeout?: AuthTimeoutInput;
  readonly ssidList?: readonly string[];
  readonly networkList?: readonly string[];
  readonly httpsRedirectEnable?: boolean;
  readonly landingPage?: number;
  readonly landingUrlScheme?: string;
  readonly landingUrl?: string;
  readonly hotspot?: { readonly enabledTypes: readonly number[] };
}

export interface NewPortal extends PortalChange {
  readonly name: string;
  readonly enable: boolean;
  readonly authType: number;
  readonly authTimeout: AuthTimeoutInput;
  readonly httpsRedirectEnable: boolean;
  readonly landingPage: number;
}

/**
 * The timeout as kept: a preset alone, or 0 with a custom span inside its unit's range. The custom
 * fields of a preset mean nothing, so they are dropped rather than refused.
 */
export function settleAuthTimeout(input: AuthTimeoutInput): PortalAuthTimeout {
  const preset = input.authTimeout ?? AUTH_TIMEOUT_CUSTOM;
  if (preset !== AUTH_TIMEOUT_CUSTOM) return { authTimeout: preset };
  const { customTimeout, customTimeoutUnit } = input;
  if (customTimeout === undefined) {
    throw invalidField('authTimeout.customTimeout is required unless authTimeout.authTimeout names a preset (1-7).');
  }
  if (customTimeoutUnit === undefined) {
    throw invalidField('authTimeout.customTimeoutUnit is required unless authTimeout.authTimeout names a preset (1-7).');
  }
  const max = CUSTOM_TIMEOUT_MAX[customTimeoutUnit]!;
  if (customTimeout > max) {
    throw invalidField(
      `authTimeout.customTimeout must be within 1-${max} when authTimeout.customTimeoutUnit is ${customTimeoutUnit} (${UNIT_NAMES[customTimeoutUnit]}).`,
    );
  }
  return { authTimeout: AUTH_TIMEOUT_CUSTOM, customTimeout, customTimeoutUnit };
}

/**
 * Applies `change` to `current` and checks the rules that tie fields together. Nested objects
 * (authTimeout, hotspot) are replaced whole. The hotspot types are kept only while authType is 11
 * and the promotional URL only while landingPage is 2, so a setting switched off never resurfaces.
 */
export function applyPortalChange(current: PortalRecord, change: PortalChange): PortalRecord {
  const authType = change.authType ?? current.authType;
  const hotspotTypes = change.hotspot?.enabledTypes ?? current.hotspotTypes;
  const landingPage = change.landingPage ?? current.landingPage;
  const landingUrlScheme = change.landingUrlScheme ?? current.landingUrlScheme;
  const landingUrl = change.landingUrl ?? current.landingUrl;
  const promotional = landingPage === LANDING_PROMOTIONAL_URL;

  if (authType === AUTH_TYPE_HOTSPOT && hotspotTypes.length === 0) {
    throw invalidField('hotspot is required when authType is 11.');
  }
  if (promotional && landingUrlScheme === undefined) throw invalidField('landingUrlScheme is required when landingPage is 2.');
  if (promotional && landingUrl === undefined) throw invalidField('landingUrl is required when landingPage is 2.');

  return {
    ...current,
    name: change.name ?? current.name,
    enable: change.enable ?? current.enable,
    authType,
    hotspotTypes: authType === AUTH_TYPE_HOTSPOT ? [...hotspotTypes] : [],
    ssidList: change.ssidList ? [...change.ssidList] : current.ssidList,
    networkList: change.networkList ? [...change.networkList] : current.networkList,
    authTimeout: change.authTimeout ? settleAuthTimeout(change.authTimeout) : current.authTimeout,
    httpsRedirectEnable: change.httpsRedirectEnable ?? current.httpsRedirectEnable,
    landingPage,
    landingUrlScheme: promotional ? landingUrlScheme : undefined,
    landingUrl: promotional ? landingUrl : undefined,
  };
}

/**
 * Portals: the captive portals of a site. Voucher groups apply to some or all of them, and a
 * portal takes vouchers when its authType is 11 (hotspot) with type 3 (voucher) enabled.
 */
export class PortalService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Adds a portal and answers its id; clients find it again through the list, by its name. */
  async create(siteId: string, input: NewPortal): Promise<string> {
    const now = this.clock.now();
    const blank: PortalRecord = {
      id: newId(this.clock, this.random),
      siteId,
      name: input.name,
      enable: input.enable,
      authType: input.authType,
      hotspotTypes: [],
      ssidList: [],
      networkList: [],
      authTimeout: { authTimeout: AUTH_TIMEOUT_CUSTOM },
      httpsRedirectEnable: input.httpsRedirectEnable,
      landingPage: input.landingPage,
      landingUrlScheme: undefined,
      landingUrl: undefined,
      createdAt: now,
    };
    const portal = applyPortalChange(blank, input);
    await this.store.portals.insert(portal, now);
    return portal.id;
  }

  list(siteId: string): Promise<PortalRecord[]> {
    return this.store.portals.list(siteId);
  }

  async get(siteId: string, id: string): Promise<PortalRecord> {
    const portal = await this.store.portals.get(siteId, id);
    if (!portal) throw new OmadaError(Errors.PORTAL_NOT_EXIST);
    return portal;
  }

  /** Changes the fields given; those left out stay as they are. */
  async modify(siteId: string, id: string, change: PortalChange): Promise<void> {
    await this.store.portals.update(siteId, id, (current) => applyPortalChange(current, change), this.clock.now());
  }

  async delete(siteId: string, id: string): Promise<void> {
    await this.store.portals.delete(siteId, id, this.clock.now());
  }
}
