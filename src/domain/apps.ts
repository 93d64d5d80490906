import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppRecord, SiteScope, Store } from '../store/port.js';
import { newId, type Clock, type Random } from './clock.js';
import { invalidField } from './errors.js';
import { isRole, ROLES, type Role } from './permissions.js';
import { hashSecret, verifySecret } from './secrets.js';

export interface AppCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly omadacId: string;
}

export interface NewApp {
  readonly name: string;
  readonly role: string;
  readonly siteScope: SiteScope;
}

export const INITIAL_CREDENTIALS_FILE = 'initial-credentials.json';
const SITE_ID = /^[0-9a-f]{24}$/;

/** Open API apps: the client-credentials identities that hold a role and a site scope. */
export class AppService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly omadacId: string,
  ) {}

  async create(input: NewApp): Promise<{ app: AppRecord; credentials: AppCredentials }> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 64) throw invalidField('name must contain 1 to 64 characters.');
    const role = this.checkRole(input.role);
    const siteScope = await this.checkScope(input.siteScope);
    const clientId = this.random.bytes(16).toString('hex');
    const clientSecret = this.random.bytes(16).toString('hex');
    const app: AppRecord = {
      id: newId(this.clock, this.random),
      clientId,
      secretHash: await hashSecret(clientSecret, this.random),
      name,
      role,
      siteScope,
      createdAt: this.clock.now(),
    };
    await this.store.apps.insert(app);
    return { app, credentials: { clientId, clientSecret, omadacId: this.omadacId } };
  }

  list(): Promise<AppRecord[]> {
    return this.store.apps.list();
  }

  delete(clientId: string): Promise<boolean> {
    return this.store.apps.delete(clientId);
  }

  async update(clientId: string, change: { role?: string; siteScope?: SiteScope }): Promise<boolean> {
    return this.store.apps.update(clientId, {
      ...(change.role !== undefined && { role: this.checkRole(change.role) }),
      ...(change.siteScope !== undefined && { siteScope: await this.checkScope(change.siteScope) }),
    });
  }

  /**
   * Makes sure an admin app with exactly these credentials exists, for deployments that hand
   * voucherd its credentials (BOOTSTRAP_CLIENT_ID/SECRET) instead of reading generated ones.
   */
  async ensureBootstrap(clientId: string, clientSecret: string): Promise<void> {
    let existing = await this.store.apps.findByClientId(clientId);
    if (!existing) {
      try {
        await this.store.apps.insert({
          id: newId(this.clock, this.random),
          clientId,
          secretHash: await hashSecret(clientSecret, this.random),
          name: 'Bootstrap',
          role: 'admin',
          siteScope: 'all',
          createdAt: this.clock.now(),
        });
        return;
      } catch (error) {
        // Instances starting together on one database race to insert it; the loser checks the winner's.
        existing = await this.store.apps.findByClientId(clientId);
        if (!existing) throw error;
      }
    }
    const sameSecret = await verifySecret(clientSecret, existing.secretHash);
    if (sameSecret && existing.role === 'admin' && existing.siteScope === 'all') return;
    await this.store.apps.update(clientId, {
      role: 'admin',
      siteScope: 'all',
      ...(!sameSecret && { secretHash: await hashSecret(clientSecret, this.random) }),
    });
  }

  /**
   * On a first start with no app at all, creates one admin app and writes its credentials to
   * `DATA_DIR/initial-credentials.json` (mode 0600). Returns them so the caller prints them once.
   */
  async ensureInitialApp(dataDir: string): Promise<AppCredentials | undefined> {
    if ((await this.store.apps.count()) > 0) return undefined;
    const { credentials } = await this.create({ name: 'Initial admin', role: 'admin', siteScope: 'all' });
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, INITIAL_CREDENTIALS_FILE);
    writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return credentials;
  }

  private checkRole(role: string): Role {
    if (!isRole(role)) throw invalidField(`role must be one of ${ROLES.join(', ')}.`);
    return role;
  }

  private async checkScope(scope: SiteScope): Promise<SiteScope> {
    if (scope === 'all') return scope;
    const ids = [...new Set(scope)];
    for (const id of ids) {
      if (!SITE_ID.test(id)) throw invalidField(`sites must be "all" or site ids of 24 hexadecimal characters, got "${id}".`);
      if (!(await this.store.sites.get(id))) throw invalidField(`site ${id} does not exist.`);
    }
    return ids;
  }
}
