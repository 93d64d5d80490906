/**
 * Instances started together on one empty database each ensure the bootstrap app: one inserts it,
 * the others find it and go on, rather than failing start-up on the unique client id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AppService } from '../src/domain/apps.js';
import { cryptoRandom } from '../src/domain/clock.js';
import { verifySecret } from '../src/domain/secrets.js';
import { OMADAC_ID, TestClock } from './helpers.js';
import { BACKEND, createTestStore, type TestStore } from './test-store.js';

let database: TestStore | undefined;
afterEach(async () => {
  await database?.dispose();
  database = undefined;
});

describe(`bootstrap credentials on ${BACKEND}`, () => {
  it('several instances ensuring the same bootstrap app at once all succeed, and one app exists', async () => {
    database = await createTestStore();
    const stores = [database.store, database.openAnother(), database.openAnother()];
    try {
      const clock = new TestClock();
      const services = stores.map((store) => new AppService(store, clock, cryptoRandom, OMADAC_ID));
      await Promise.all(services.map((apps) => apps.ensureBootstrap('shared-client', 'shared-secret')));
      const app = await database.store.apps.findByClientId('shared-client');
      expect(app).toMatchObject({ role: 'admin', siteScope: 'all' });
      expect(await verifySecret('shared-secret', app!.secretHash)).toBe(true);
      expect(await database.store.apps.count()).toBe(1);
    } finally {
      for (const store of stores.slice(1)) await store.close();
    }
  });
});
