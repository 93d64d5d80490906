import type { Kysely, Selectable } from 'kysely';
import type { Page, PrintPattern, VoucherGroupOption, VoucherLogoRecord, VoucherPrintRepository } from '../port.js';
import type { Database } from '../schema.js';
import { assertSiteUnlocked } from '../site-lock.js';

type LogoRow = Selectable<Database['voucher_logos']>;
type PatternRow = Selectable<Database['voucher_print_patterns']>;

/** Ids bound per statement: far inside SQLite's and PostgreSQL's limits on bound parameters. */
const ID_CHUNK = 1000;

function toLogo(row: LogoRow): VoucherLogoRecord {
  return {
    id: row.id,
    siteId: row.site_id,
    fileName: row.file_name,
    mediaType: row.media_type === 'image/jpeg' ? 'image/jpeg' : 'image/png',
    width: Number(row.width),
    height: Number(row.height),
    md5: row.md5,
    bytes: Buffer.from(row.data, 'base64'),
    createdAt: Number(row.created_at),
  };
}

function toPattern(row: PatternRow): PrintPattern {
  return {
    patternType: Number(row.pattern_type),
    position: Number(row.position),
    logoId: row.logo_id ?? undefined,
    logoSize: Number(row.logo_size),
    title: row.title ?? undefined,
    titleSize: Number(row.title_size),
    durationEnable: Number(row.duration_enable) === 1,
    limitEnable: Number(row.limit_enable) === 1,
    ssidNetworkEnable: Number(row.ssid_network_enable) === 1,
    ssidList: JSON.parse(row.ssid_list) as string[],
    networkList: JSON.parse(row.network_list) as string[],
  };
}

export class KyselyVoucherPrintRepository implements VoucherPrintRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async groupOptions(siteId: string, page: number, pageSize: number): Promise<Page<VoucherGroupOption>> {
    const counted = await this.db
      .selectFrom('voucher_groups')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('site_id', '=', siteId)
      .executeTakeFirstOrThrow();
    const rows = await this.db
      .selectFrom('voucher_groups')
      .select(['id', 'name'])
      .where('site_id', '=', siteId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    return { totalRows: Number(counted.n), rows: rows.map((row) => ({ groupId: row.id, name: row.name })) };
  }

  async insertLogo(logo: VoucherLogoRecord, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertSiteUnlocked(trx, logo.siteId, now);
      await trx
        .insertInto('voucher_logos')
        .values({
          id: logo.id,
          site_id: logo.siteId,
          file_name: logo.fileName,
          media_type: logo.mediaType,
          width: logo.width,
          height: logo.height,
          byte_size: logo.bytes.length,
          md5: logo.md5,
          data: logo.bytes.toString('base64'),
          created_at: logo.createdAt,
        })
        .execute();
    });
  }

  async getLogo(siteId: string, logoId: string): Promise<VoucherLogoRecord | undefined> {
    const row = await this.db
      .selectFrom('voucher_logos')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('id', '=', logoId)
      .executeTakeFirst();
    return row && toLogo(row);
  }

  async findLogoByMd5(siteId: string, md5: string): Promise<VoucherLogoRecord | undefined> {
    const row = await this.db
      .selectFrom('voucher_logos')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('md5', '=', md5)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toLogo(row);
  }

  async patterns(siteId: string, groupIds: readonly string[]): Promise<Map<string, PrintPattern>> {
    const found = new Map<string, PrintPattern>();
    const unique = [...new Set(groupIds)];
    for (let start = 0; start < unique.length; start += ID_CHUNK) {
      const rows = await this.db
        .selectFrom('voucher_print_patterns')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('group_id', 'in', unique.slice(start, start + ID_CHUNK))
        .execute();
      for (const row of rows) found.set(row.group_id, toPattern(row));
    }
    return found;
  }

  async savePattern(
    siteId: string,
    groupId: string,
    pattern: PrintPattern,
    printComments: string | undefined,
    now: number,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await assertSiteUnlocked(trx, siteId, now);
      const group = await trx
        .selectFrom('voucher_groups')
        .select('id')
        .where('site_id', '=', siteId)
        .where('id', '=', groupId)
        .executeTakeFirst();
      if (!group) return false;
      const row = {
        pattern_type: pattern.patternType,
        position: pattern.position,
        logo_id: pattern.logoId ?? null,
        logo_size: pattern.logoSize,
        title: pattern.title ?? null,
        title_size: pattern.titleSize,
        duration_enable: pattern.durationEnable ? 1 : 0,
        limit_enable: pattern.limitEnable ? 1 : 0,
        ssid_network_enable: pattern.ssidNetworkEnable ? 1 : 0,
        ssid_list: JSON.stringify(pattern.ssidList),
        network_list: JSON.stringify(pattern.networkList),
        updated_at: now,
      };
      await trx
        .insertInto('voucher_print_patterns')
        .values({ group_id: groupId, site_id: siteId, ...row })
        .onConflict((oc) => oc.column('group_id').doUpdateSet(row))
        .execute();
      if (printComments !== undefined) {
        await trx
          .updateTable('voucher_groups')
          .set({ print_comments: printComments })
          .where('site_id', '=', siteId)
          .where('id', '=', groupId)
          .execute();
      }
      return true;
    });
  }
}
