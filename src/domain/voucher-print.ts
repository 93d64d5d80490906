import { createHash } from 'node:crypto';
import type { Page, PrintPattern, SiteRecord, Store, VoucherGroupOption, VoucherLogoRecord } from '../store/port.js';
import { newId, type Clock, type Random } from './clock.js';
import { invalidField } from './errors.js';
import { inspectLogo } from './logo-image.js';

/** How a group prints until its pattern is first edited (and what an edit leaves out keeps). */
export const DEFAULT_PATTERN: PrintPattern = {
  patternType: 2,
  position: 2,
  logoId: undefined,
  logoSize: 100,
  title: undefined,
  titleSize: 15,
  durationEnable: true,
  limitEnable: true,
  ssidNetworkEnable: false,
  ssidList: [],
  networkList: [],
};

/** EditVoucherGroupPatternOpenApiVO as its schema has checked it (every field optional: a PATCH). */
export interface PatternEdit {
  readonly patternType?: number;
  readonly position?: number;
  readonly logoPictureId?: string;
  readonly logoSize?: number;
  readonly title?: string;
  readonly titleSize?: number;
  readonly durationEnable?: boolean;
  readonly limitEnable?: boolean;
  /** The docs spell it `ssidNetworkenable`; `ssidNetworkEnable` (the pattern's own spelling) is taken too. */
  readonly ssidNetworkenable?: boolean;
  readonly ssidNetworkEnable?: boolean;
  readonly ssidList?: readonly string[];
  readonly networkList?: readonly string[];
  readonly printComments?: string;
}

/** What a multipart uploadVoucherLogo carried: the `file` part and the `data` part's fields. */
export interface LogoUpload {
  readonly bytes?: Buffer;
  /** The file part's own file name, used when `data.fileName` is absent. */
  readonly partFileName?: string;
  readonly fileName?: string;
  readonly md5?: string;
}

const MD5 = /^[0-9a-f]{32}$/i;
const FILE_NAME_MAX = 128;
// Control characters and path separators: a file name names a file, not a path.
const UNSAFE_FILE_NAME = /[\u0000-\u001f\u007f/\\]/;

const notAGroup = () => invalidField('groupId does not name a voucher group of this site.');

function checkFileName(fileName: string): string {
  if (fileName.length < 1 || fileName.length > FILE_NAME_MAX) {
    throw invalidField(`fileName must be within 1-${FILE_NAME_MAX} characters.`);
  }
  if (UNSAFE_FILE_NAME.test(fileName)) throw invalidField('fileName must not contain control characters or path separators.');
  return fileName;
}

/** A pattern with an edit applied, checked against the rules JSON Schema cannot say. */
export function applyPatternEdit(current: PrintPattern, edit: PatternEdit): PrintPattern {
  const next: PrintPattern = {
    patternType: edit.patternType ?? current.patternType,
    position: edit.position ?? current.position,
    logoId: edit.logoPictureId ?? current.logoId,
    logoSize: edit.logoSize ?? current.logoSize,
    title: edit.title ?? current.title,
    titleSize: edit.titleSize ?? current.titleSize,
    durationEnable: edit.durationEnable ?? current.durationEnable,
    limitEnable: edit.limitEnable ?? current.limitEnable,
    ssidNetworkEnable: edit.ssidNetworkenable ?? edit.ssidNetworkEnable ?? current.ssidNetworkEnable,
    ssidList: edit.ssidList ?? current.ssidList,
    networkList: edit.networkList ?? current.networkList,
  };
  if (next.patternType === 0 && next.logoId === undefined) throw invalidField('logoPictureId is required when patternType is 0.');
  if (next.patternType === 1 && next.title === undefined) throw invalidField('title is required when patternType is 1.');
  return next;
}

/**
 * The cloud-only print operations: groups as options, each group's print pattern, and the
 * logos a pattern prints. Logos are judged by their bytes (see inspectLogo) and kept in the
 * database, so every instance serves them.
 */
export class VoucherPrintService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  groupOptions(site: SiteRecord, page: number, pageSize: number): Promise<Page<VoucherGroupOption>> {
    return this.store.voucherPrint.groupOptions(site.id, page, pageSize);
  }

  /** Applies an edit to the group's pattern (its defaults when never edited) and stores the whole. */
  async editPattern(site: SiteRecord, groupId: string, edit: PatternEdit): Promise<void> {
    if (!(await this.store.vouchers.getGroup(site.id, groupId))) throw notAGroup();
    if (edit.logoPictureId !== undefined && !(await this.store.voucherPrint.getLogo(site.id, edit.logoPictureId))) {
      throw invalidField('logoPictureId does not name a voucher logo of this site.');
    }
    const current = (await this.store.voucherPrint.patterns(site.id, [groupId])).get(groupId) ?? DEFAULT_PATTERN;
    const next = applyPatternEdit(current, edit);
    if (!(await this.store.voucherPrint.savePattern(site.id, groupId, next, edit.printComments, this.clock.now()))) {
      throw notAGroup();
    }
  }

  /** The edited patterns of these groups; groups never edited are absent. */
  patterns(site: SiteRecord, groupIds: readonly string[]): Promise<Map<string, PrintPattern>> {
    return this.store.voucherPrint.patterns(site.id, groupIds);
  }

  /**
   * Stores an uploaded logo. With a file: the file, checked to be a PNG or JPEG (and to match
   * `md5` when one is sent). With only `md5`: the site's logo with those bytes, uploaded before.
   */
  async uploadLogo(site: SiteRecord, upload: LogoUpload): Promise<VoucherLogoRecord> {
    if (upload.md5 !== undefined && !MD5.test(upload.md5)) throw invalidField('md5 must be 32 hexadecimal characters.');
    const md5 = upload.md5?.toLowerCase();
    if (upload.bytes === undefined) {
      if (md5 === undefined) throw invalidField('file is required when md5 is not given.');
      const known = await this.store.voucherPrint.findLogoByMd5(site.id, md5);
      if (!known) throw invalidField('md5 does not name a voucher logo of this site; send the file.');
      return known;
    }
    const facts = inspectLogo(upload.bytes);
    const actual = createHash('md5').update(upload.bytes).digest('hex');
    if (md5 !== undefined && md5 !== actual) throw invalidField('md5 does not match the file.');
    const extension = facts.mediaType === 'image/png' ? 'png' : 'jpg';
    const logo: VoucherLogoRecord = {
      id: newId(this.clock, this.random),
      siteId: site.id,
      fileName: checkFileName(upload.fileName ?? (upload.partFileName || `logo.${extension}`)),
      mediaType: facts.mediaType,
      width: facts.width,
      height: facts.height,
      md5: actual,
      bytes: upload.bytes,
      createdAt: this.clock.now(),
    };
    await this.store.voucherPrint.insertLogo(logo, this.clock.now());
    return logo;
  }

  async getLogo(site: SiteRecord, picId: string): Promise<VoucherLogoRecord> {
    const logo = await this.store.voucherPrint.getLogo(site.id, picId);
    if (!logo) throw invalidField('picId does not name a voucher logo of this site.');
    return logo;
  }
}
