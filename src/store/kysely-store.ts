import { Kysely, Migrator, sql, type Migration } from 'kysely';
import type { ImmediateSql } from './prepared-query.js';
import { foundation } from './migrations/001-foundation.js';
import { hotspot } from './migrations/002-hotspot.js';
import { rateLimits } from './migrations/003-rate-limits.js';
import { groupListOrder } from './migrations/004-group-list-order.js';
import { redemption } from './migrations/005-redemption.js';
import { voucherStatistics } from './migrations/006-voucher-statistics.js';
import { voucherPrint } from './migrations/007-voucher-print.js';
import { siteNumbers } from './migrations/008-site-numbers.js';
import { voucherFirstUse } from './migrations/009-voucher-first-use.js';
import { timedVouchersDue } from './migrations/010-timed-vouchers-due.js';
import { groupUsesBySite } from './migrations/011-group-uses-by-site.js';
import { sessionsThroughClients } from './migrations/012-sessions-through-clients.js';
import { namedSessionsOnly } from './migrations/013-named-sessions-only.js';
import { firstClients } from './migrations/014-first-clients.js';
import { usesByRowId } from './migrations/015-uses-by-row-id.js';
import type { Store } from './port.js';
import { KyselyAppRepository } from './repositories/apps.js';
import { KyselyNasRepository } from './repositories/nas.js';
import { KyselyPortalRepository } from './repositories/portals.js';
import { KyselyRedemptionRepository } from './repositories/redemptions.js';
import { KyselySettingsRepository } from './repositories/settings.js';
import { KyselyRateLimitProfileRepository } from './repositories/rate-limit-profiles.js';
import { KyselyRateLimitRepository } from './repositories/rate-limits.js';
import { KyselySiteRepository } from './repositories/sites.js';
import { KyselyTokenRepository } from './repositories/tokens.js';
import { KyselyVoucherLifecycleRepository } from './repositories/voucher-lifecycle.js';
import { KyselyVoucherPrintRepository } from './repositories/voucher-print.js';
import { KyselyVoucherStatisticsRepository } from './repositories/voucher-statistics.js';
import { KyselyVoucherRepository } from './repositories/vouchers.js';
import type { Database } from './schema.js';
import type { Dialect } from './sql-helpers.js';

const MIGRATIONS: Record<string, Migration> = {
  '001-foundation': foundation,
  '002-hotspot': hotspot,
  '003-rate-limits': rateLimits,
  '004-group-list-order': groupListOrder,
  '005-redemption': redemption,
  '006-voucher-statistics': voucherStatistics,
  '007-voucher-print': voucherPrint,
  '008-site-numbers': siteNumbers,
  '009-voucher-first-use': voucherFirstUse,
  '010-timed-vouchers-due': timedVouchersDue,
  '011-group-uses-by-site': groupUsesBySite,
  '012-sessions-through-clients': sessionsThroughClients,
  '013-named-sessions-only': namedSessionsOnly,
  '014-first-clients': firstClients,
  '015-uses-by-row-id': usesByRowId,
};

const MIGRATION_ATTEMPTS = 5;

/** The store over one Kysely instance; the dialect is chosen once, by whoever built `db`. */
export class KyselyStore implements Store {
  readonly settings: KyselySettingsRepository;
  readonly apps: KyselyAppRepository;
  readonly tokens: KyselyTokenRepository;
  readonly sites: KyselySiteRepository;
  readonly portals: KyselyPortalRepository;
  readonly rateLimitProfiles: KyselyRateLimitProfileRepository;
  readonly vouchers: KyselyVoucherRepository;
  readonly rateLimits: KyselyRateLimitRepository;
  readonly nas: KyselyNasRepository;
  readonly redemptions: KyselyRedemptionRepository;
  readonly voucherLifecycle: KyselyVoucherLifecycleRepository;
  readonly statistics: KyselyVoucherStatisticsRepository;
  readonly voucherPrint: KyselyVoucherPrintRepository;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    /** The PostgreSQL schema the tables live in; its migration bookkeeping lives there too. */
    private readonly schema?: string,
    /** On SQLite, the connection's statements run at once (redemption batches use it). */
    immediate?: ImmediateSql,
  ) {
    this.settings = new KyselySettingsRepository(db);
    this.apps = new KyselyAppRepository(db);
    this.tokens = new KyselyTokenRepository(db);
    this.sites = new KyselySiteRepository(db, dialect);
    this.portals = new KyselyPortalRepository(db, dialect);
    this.rateLimitProfiles = new KyselyRateLimitProfileRepository(db, dialect);
    this.vouchers = new KyselyVoucherRepository(db);
    this.rateLimits = new KyselyRateLimitRepository(db);
    this.nas = new KyselyNasRepository(db);
    this.redemptions = new KyselyRedemptionRepository(db, dialect, immediate);
    this.voucherLifecycle = new KyselyVoucherLifecycleRepository(db, dialect);
    this.statistics = new KyselyVoucherStatisticsRepository(db);
    this.voucherPrint = new KyselyVoucherPrintRepository(db);
  }

  /**
   * Brings the schema up to date, or up to the migration named `through` (an older schema, as a
   * database of an earlier release holds it). On PostgreSQL each migration runs in a transaction
   * (on SQLite, those that rewrite data open their own, see inOneTransaction); when another
   * process (a second instance, or the CLI) migrates the same database at the same moment, the
   * loser's transaction rolls back and a retry finds the work done.
   */
  async migrate(through?: string): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => MIGRATIONS },
      // Without a schema Kysely would take another schema's bookkeeping tables for its own.
      ...(this.dialect === 'postgres' && { migrationTableSchema: this.schema ?? 'public' }),
    });
    for (let attempt = 1; ; attempt++) {
      const { error } = await (through === undefined ? migrator.migrateToLatest() : migrator.migrateTo(through));
      if (!error) return;
      if (attempt >= MIGRATION_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
