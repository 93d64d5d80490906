import type { GroupSelection, PrintBatch, SessionRecord, SiteRecord, Store, VoucherSelection } from '../store/port.js';
import type { Clock } from './clock.js';
import { invalidField } from './errors.js';

/** SelectVoucherGroupOpenApiVO as its schema has checked it. */
export interface GroupSelectionRequest {
  /** 0 every group, 1 those in `groupIds`, 2 every group but those in `groupIds`. */
  readonly type: number;
  readonly groupIds?: readonly string[];
  readonly searchKey?: string;
  readonly timeStart?: number;
}

/** SelectIdsOpenApiVO as its schema has checked it. */
export interface VoucherSelectionRequest {
  /** 0 every voucher of the group, 1 those in `ids`, 2 every voucher of the group but those in `ids`. */
  readonly type: number;
  readonly ids?: readonly string[];
  readonly groupId: string;
  readonly searchKey?: string;
  readonly status?: number;
}

/** Whoever tells the gateways to drop ended sessions (the redemption engine's listeners). */
export interface SessionAnnouncer {
  announceEnded(sessions: readonly SessionRecord[]): void;
}

const notAGroup = () => invalidField('groupId does not name a voucher group of this site.');
const notAVoucher = () => invalidField('id does not name a voucher of this site.');

/**
 * A group selection: the filters narrow every type; type 1 then takes the listed groups and type 2
 * all but them. Type 1 must list at least one; type 0 ignores a list, as its description says.
 */
export function groupSelection(request: GroupSelectionRequest): GroupSelection {
  const ids = request.groupIds ?? [];
  if (request.type === 1 && ids.length === 0) throw invalidField('groupIds is required when type is 1.');
  return {
    ...(request.type === 1 && { ids }),
    ...(request.type === 2 && { except: ids }),
    ...(request.searchKey && { searchKey: request.searchKey }),
    ...(request.timeStart !== undefined && { createdFrom: request.timeStart }),
  };
}

/** A voucher selection within its group, read as groupSelection reads a group selection. */
export function voucherSelection(request: VoucherSelectionRequest): VoucherSelection & { readonly groupId: string } {
  const ids = request.ids ?? [];
  if (request.type === 1 && ids.length === 0) throw invalidField('ids is required when type is 1.');
  return {
    groupId: request.groupId,
    ...(request.type === 1 && { ids }),
    ...(request.type === 2 && { except: ids }),
    ...(request.searchKey && { searchKey: request.searchKey }),
    ...(request.status !== undefined && { status: request.status }),
  };
}

/**
 * Deleting vouchers and groups, clearing expired vouchers, and what the print operations show.
 * A delete frees the codes it removes, keeps the counters, and ends the sessions of the vouchers
 * it removes: their gateways are told once the deletion has committed.
 */
export class VoucherLifecycleService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly announcer: SessionAnnouncer,
  ) {}

  /** Deletes a group with all its vouchers. */
  async deleteGroup(site: SiteRecord, groupId: string): Promise<void> {
    const outcome = await this.store.voucherLifecycle.deleteGroups(site.id, { ids: [groupId] }, this.clock.now());
    this.announcer.announceEnded(outcome.ended);
    if (outcome.groups === 0) throw notAGroup();
  }

  /** Deletes the selected groups with all their vouchers; a selection of none deletes nothing. */
  async deleteGroups(site: SiteRecord, request: GroupSelectionRequest): Promise<number> {
    const outcome = await this.store.voucherLifecycle.deleteGroups(site.id, groupSelection(request), this.clock.now());
    this.announcer.announceEnded(outcome.ended);
    return outcome.groups;
  }

  /** Deletes the expired vouchers of a group; the group stays, empty or not. */
  async clearExpiredInGroup(site: SiteRecord, groupId: string): Promise<number> {
    const outcome = await this.store.voucherLifecycle.deleteExpired(site.id, { ids: [groupId] }, this.clock.now());
    this.announcer.announceEnded(outcome.ended);
    if (outcome.groups === 0) throw notAGroup();
    return outcome.vouchers;
  }

  /** Deletes the expired vouchers of the selected groups. */
  async clearExpired(site: SiteRecord, request: GroupSelectionRequest): Promise<number> {
    const outcome = await this.store.voucherLifecycle.deleteExpired(site.id, groupSelection(request), this.clock.now());
    this.announcer.announceEnded(outcome.ended);
    return outcome.vouchers;
  }

  async deleteVoucher(site: SiteRecord, voucherId: string): Promise<void> {
    const outcome = await this.store.voucherLifecycle.deleteVouchers(site.id, { ids: [voucherId] }, this.clock.now());
    this.announcer.announceEnded(outcome.ended);
    if (outcome.vouchers === 0) throw notAVoucher();
  }

  /** Deletes the selected vouchers of a group. */
  async deleteVouchers(site: SiteRecord, request: VoucherSelectionRequest): Promise<number> {
    const outcome = await this.store.voucherLifecycle.deleteVouchers(site.id, voucherSelection(request), this.clock.now());
    this.announcer.announceEnded(outcome.ended);
    if (outcome.groups === 0) throw notAGroup();
    return outcome.vouchers;
  }

  /** The unused vouchers of a group, to print. */
  async printGroup(site: SiteRecord, groupId: string): Promise<PrintBatch[]> {
    if (!(await this.store.vouchers.getGroup(site.id, groupId))) throw notAGroup();
    return this.store.voucherLifecycle.unusedCodes(site.id, { ids: [groupId] }, this.clock.now());
  }

  /** The unused vouchers of the selected groups, to print. */
  printGroups(site: SiteRecord, request: GroupSelectionRequest): Promise<PrintBatch[]> {
    return this.store.voucherLifecycle.unusedCodes(site.id, groupSelection(request), this.clock.now());
  }

  /** The selected vouchers of a group, whatever their status, to print. */
  async printVouchers(site: SiteRecord, request: VoucherSelectionRequest): Promise<PrintBatch> {
    const batch = await this.store.voucherLifecycle.selectedCodes(site.id, voucherSelection(request), this.clock.now());
    if (!batch) throw notAGroup();
    return batch;
  }
}
