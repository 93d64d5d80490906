import type { Config } from '../config.js';
import type { Store } from '../store/port.js';
import { AppService, type AppCredentials } from './apps.js';
import type { Random } from './clock.js';

/**
 * The controller identity: OMADAC_ID when set (and then recorded, so a CLI run without the
 * variable agrees with the server), otherwise an id generated on the first start and kept in
 * the database, so every instance and the CLI agree on it.
 */
export async function resolveOmadacId(store: Store, config: Pick<Config, 'omadacId'>, random: Random): Promise<string> {
  if (config.omadacId) {
    await store.settings.put('omadac_id', config.omadacId);
    return config.omadacId;
  }
  return store.settings.getOrInit('omadac_id', random.bytes(16).toString('hex'));
}

/** What start-up does before serving: the bootstrap app, or on a very first start an initial one. */
export async function prepareApps(
  apps: AppService,
  config: Pick<Config, 'bootstrap' | 'dataDir'>,
): Promise<AppCredentials | undefined> {
  if (config.bootstrap) {
    await apps.ensureBootstrap(config.bootstrap.clientId, config.bootstrap.clientSecret);
    return undefined;
  }
  return apps.ensureInitialApp(config.dataDir);
}

