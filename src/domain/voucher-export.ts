import type { SiteRecord, Store, StoredVoucherGroup, VoucherRecord } from '../store/port.js';
import type { Clock } from './clock.js';
import { describeValidity, formatLocal } from './validity.js';
import { effectiveStatus } from './voucher-groups.js';
import { groupSelection } from './voucher-lifecycle.js';

/** Vouchers read from the store per query while an export streams. */
export const EXPORT_BATCH_SIZE = 2000;

/** A cell of an exported row: text, or a whole number a spreadsheet may sum. */
export type ExportCell = string | number;

/** The columns of an exported voucher list, in order: what a person needs to hand vouchers out and account for them. */
export const EXPORT_COLUMNS = [
  'Code',
  'Group',
  'Status',
  'Limit',
  'Duration (min)',
  'Duration Type',
  'Validity',
  'Price',
  'Currency',
  'Created',
  'First Use',
  'Uses',
  'Traffic Used (bytes)',
] as const;

/** ExportVoucherOpenApiVO as its schema has checked it. */
export interface ExportRequest {
  /** 0 CSV, 1 XLSX. */
  readonly format: number;
  readonly type: number;
  readonly groupIds?: readonly string[];
  /** Only its searchKey selects (groups by name or voucher code); an export holds every page. */
  readonly queryData?: { readonly searchKey?: string };
}

export interface VoucherExport {
  readonly format: 'csv' | 'xlsx';
  /** `vouchers-<site>-<yyyymmdd>.<ext>`, the date in the site's time zone. */
  readonly fileName: string;
  readonly columns: readonly string[];
  /** The rows, a batch at a time, each batch read from the store only when the one before has been taken. */
  readonly batches: AsyncIterable<ExportCell[][]>;
}

const STATUS_LABELS = ['Unused', 'In use', 'Expired'];

function limitLabel(group: StoredVoucherGroup): string {
  const n = group.limitNum ?? 1;
  if (group.limitType === 0) return `${n} ${n === 1 ? 'user' : 'users'}`;
  if (group.limitType === 1) return `${n} online`;
  return 'Unlimited';
}

/**
 * The site's name as a file name can carry it in any browser and shell: ASCII letters, digits,
 * `.`, `_` and `-`; the site's id when nothing of the name is left.
 */
function fileStem(site: SiteRecord): string {
  const ascii = site.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
  return ascii === '' ? site.id : ascii;
}

export function exportFileName(site: SiteRecord, now: number, extension: 'csv' | 'xlsx'): string {
  const day = formatLocal(now, site.timeZone).slice(0, 10).replace(/-/g, '');
  return `vouchers-${fileStem(site)}-${day}.${extension}`;
}

/** The cells every voucher of a group shares, worked out once per group. */
function groupCells(group: StoredVoucherGroup, timeZone: string) {
  return {
    limit: limitLabel(group),
    durationType: group.durationType === 1 ? 'Per voucher' : 'Per client',
    validity: describeValidity(group, timeZone),
    price: group.unitPrice === undefined ? '' : String(group.unitPrice),
    currency: group.currency ?? '',
  };
}

/** One voucher as an exported row, in EXPORT_COLUMNS order; its status as a client sees it at `now`. */
function voucherRow(
  voucher: VoucherRecord,
  group: StoredVoucherGroup,
  shared: ReturnType<typeof groupCells>,
  timeZone: string,
  now: number,
): ExportCell[] {
  return [
    voucher.code,
    group.name,
    STATUS_LABELS[effectiveStatus(voucher, group, now)] ?? '',
    shared.limit,
    group.duration,
    shared.durationType,
    shared.validity,
    shared.price,
    shared.currency,
    formatLocal(voucher.createdAt, timeZone),
    voucher.startTime === undefined ? '' : formatLocal(voucher.startTime, timeZone),
    voucher.used,
    voucher.trafficUsed,
  ];
}

/**
 * The voucher export: the selected groups, oldest first, each with its vouchers in code order.
 * The selection is read when the export opens (so a bad one is refused before any byte is sent);
 * the vouchers are read batch by batch as the file is written, never all at once.
 */
export class VoucherExportService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly batchSize = EXPORT_BATCH_SIZE,
  ) {}

  async open(site: SiteRecord, request: ExportRequest): Promise<VoucherExport> {
    const now = this.clock.now();
    const searchKey = request.queryData?.searchKey;
    const selection = groupSelection({
      type: request.type,
      ...(request.groupIds && { groupIds: request.groupIds }),
      ...(searchKey && { searchKey }),
    });
    const groups = await this.store.voucherLifecycle.exportGroups(site.id, selection, now);
    const format = request.format === 1 ? 'xlsx' : 'csv';
    return {
      format,
      fileName: exportFileName(site, now, format),
      columns: EXPORT_COLUMNS,
      batches: this.rows(groups, site.timeZone, now),
    };
  }

  private async *rows(groups: readonly StoredVoucherGroup[], timeZone: string, now: number): AsyncGenerator<ExportCell[][]> {
    for (const group of groups) {
      const shared = groupCells(group, timeZone);
      for await (const vouchers of this.store.voucherLifecycle.voucherBatches(group.id, this.batchSize)) {
        yield vouchers.map((voucher) => voucherRow(voucher, group, shared, timeZone, now));
      }
    }
  }
}
