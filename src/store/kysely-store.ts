import { Kysely, Migrator, type Migration } from 'kysely';
import { foundation } from './migrations/001-foundation.js';
import { hotspot } from './migrations/002-hotspot.js';
import type { Store } from './port.js';
import { KyselyAppRepository } from './repositories/apps.js';
import { KyselySettingsRepository } from './repositories/settings.js';
import { KyselySiteRepository } from './repositories/sites.js';
import { KyselyTokenRepository } from './repositories/tokens.js';
import type { Database } from './schema.js';
import type { Dialect } from './sql-helpers.js';

const MIGRATIONS: Record<string, Migration> = {
  '001-foundation': foundation,
  '002-hotspot': hotspot,
};

/** The store over one Kysely instance; the dialect is chosen once, by whoever built `db`. */
export class KyselyStore implements Store {
  readonly settings: KyselySettingsRepository;
  readonly apps: KyselyAppRepository;
  readonly tokens: KyselyTokenRepository;
  readonly sites: KyselySiteRepository;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
  ) {
    this.settings = new KyselySettingsRepository(db);
    this.apps = new KyselyAppRepository(db);
    this.tokens = new KyselyTokenRepository(db);
    this.sites = new KyselySiteRepository(db, dialect);
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => MIGRATIONS } });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
