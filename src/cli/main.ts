import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.js';
import { AppService } from '../domain/apps.js';
import { cryptoRandom, systemClock } from '../domain/clock.js';
import { resolveOmadacId } from '../domain/controller.js';
import { OmadaError } from '../domain/errors.js';
import { ROLES } from '../domain/permissions.js';
import { NasService, nasView } from '../domain/nas.js';
import { backupSqlite } from '../store/backup.js';
import type { AppRecord, NasRecord, SiteScope } from '../store/port.js';
import { openStore } from '../store/open-store.js';

/** `all`, or a comma-separated list of site ids. */
function parseSites(value: string): SiteScope {
  if (value.trim() === 'all') return 'all';
  const ids = value.split(',').map((id) => id.trim()).filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('expected "all" or site ids separated by commas.');
  return ids;
}

/** Runs `work` with the app service over the database the environment names (the server may be running). */
async function withApps<T>(work: (apps: AppService, omadacId: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = await openStore(config);
  try {
    const omadacId = await resolveOmadacId(store, config, cryptoRandom);
    return await work(new AppService(store, systemClock, cryptoRandom, omadacId), omadacId);
  } finally {
    await store.close();
  }
}

/** Runs `work` with the NAS service over the database the environment names (the server may be running). */
async function withNas<T>(work: (nas: NasService) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig());
  try {
    return await work(new NasService(store, systemClock, cryptoRandom));
  } finally {
    await store.close();
  }
}

/** A NAS as the nas commands print it: never its secret. */
const nasJson = (nas: NasRecord) => ({ ...nasView(nas), disconnectPort: nas.disconnectPort ?? null });

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new InvalidArgumentError('expected a port within 1-65535.');
  }
  return Number(value);
}

const describeScope = (scope: SiteScope) => (scope === 'all' ? 'all' : [...scope]);

function appView(app: AppRecord) {
  return {
    clientId: app.clientId,
    name: app.name,
    role: app.role,
    sites: describeScope(app.siteScope),
    createdAt: app.createdAt,
  };
}

export function createProgram(): Command {
  const program = new Command('voucherd')
    .description('Self-hosted hotspot voucher server speaking the Omada Open API.')
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the server (PORT, HOST, DATA_DIR and the rest come from the environment)')
    // Loaded on demand: the apps commands need the store only, not the HTTP stack.
    .action(async () => (await import('../server.js')).runServer());

  const apps = program.command('apps').description('manage Open API apps (client credentials)');

  apps
    .command('create')
    .description('create an app and print its credentials\n  example: voucherd apps create --name kiosk --role hotspot-operator --sites all --json')
    .requiredOption('--name <name>', 'a name to know the app by (1-64 characters)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--sites <sites>', '"all" or site ids separated by commas', parseSites, 'all' as SiteScope)
    .option('--json', 'print {"clientId","clientSecret","omadacId"} as one JSON object')
    .action(async (options: { name: string; role: string; sites: SiteScope; json?: boolean }) => {
      const { credentials } = await withApps((service) =>
        service.create({ name: options.name, role: options.role, siteScope: options.sites }),
      );
      if (options.json) {
        process.stdout.write(`${JSON.stringify(credentials)}\n`);
      } else {
        process.stdout.write(
          `omadacId:      ${credentials.omadacId}\nclient_id:     ${credentials.clientId}\nclient_secret: ${credentials.clientSecret}\n`,
        );
      }
    });

  apps
    .command('list')
    .description('list apps (never their secrets)')
    .option('--json', 'print a JSON array')
    .action(async (options: { json?: boolean }) => {
      const list = await withApps((service) => service.list());
      if (options.json) {
        process.stdout.write(`${JSON.stringify(list.map(appView))}\n`);
        return;
      }
      for (const app of list) {
        const sites = app.siteScope === 'all' ? 'all sites' : app.siteScope.join(',') || 'no sites';
        process.stdout.write(`${app.clientId}  ${app.role.padEnd(16)}  ${sites}  ${app.name}\n`);
      }
    });

  apps
    .command('update')
    .description('change an app\'s role or sites; its tokens end at once')
    .argument('<clientId>')
    .option('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--sites <sites>', '"all" or site ids separated by commas', parseSites)
    .action(async (clientId: string, options: { role?: string; sites?: SiteScope }) => {
      if (options.role === undefined && options.sites === undefined) {
        throw new Error('nothing to change: give --role or --sites.');
      }
      const found = await withApps((service) =>
        service.update(clientId, {
          ...(options.role !== undefined && { role: options.role }),
          ...(options.sites !== undefined && { siteScope: options.sites }),
        }),
      );
      if (!found) throw new Error(`no app with client id ${clientId}.`);
    });

  apps
    .command('delete')
    .description('delete an app; its tokens stop working at once')
    .argument('<clientId>')
    .action(async (clientId: string) => {
      const found = await withApps((service) => service.delete(clientId));
      if (!found) throw new Error(`no app with client id ${clientId}.`);
    });

  const nas = program
    .command('nas')
    .description('manage the RADIUS clients (NAS: gateways, routers, access points) each site accepts');

  nas
    .command('add')
    .description(
      'accept RADIUS requests from an address or a CIDR block for a site; a running server picks it up within seconds\n' +
        '  example: voucherd nas add --site <siteId> --address 192.0.2.10 --secret s3cret --name lobby-gw --disconnect-port 3799',
    )
    .requiredOption('--site <siteId>', 'the site whose vouchers the NAS redeems')
    .requiredOption('--address <address>', 'the IP address or CIDR block its packets come from, e.g. 192.0.2.10 or 192.0.2.0/24')
    .requiredOption('--secret <secret>', 'the shared secret (1-128 characters), as set on the NAS')
    .option('--name <name>', 'a name to know the NAS by (default: the address)')
    .option('--require-message-authenticator', 'drop Access-Requests without a Message-Authenticator')
    .option('--disconnect-port <port>', 'the port the NAS takes RFC 5176 Disconnect-Requests on (often 3799)', parsePort)
    .option('--json', 'print the NAS (without its secret) as one JSON object')
    .action(
      async (options: { site: string; address: string; secret: string; name?: string; requireMessageAuthenticator?: boolean; disconnectPort?: number; json?: boolean }) => {
        const added = await withNas((service) =>
          service.add({
            siteId: options.site,
            address: options.address,
            secret: options.secret,
            name: options.name,
            requireMessageAuthenticator: options.requireMessageAuthenticator === true,
            disconnectPort: options.disconnectPort,
          }),
        );
        process.stdout.write(options.json ? `${JSON.stringify(nasJson(added))}\n` : `${added.id}\n`);
      },
    );

  nas
    .command('list')
    .description('list the NAS clients (never their secrets)')
    .option('--site <siteId>', 'only those of this site')
    .option('--json', 'print a JSON array')
    .action(async (options: { site?: string; json?: boolean }) => {
      const list = await withNas((service) => service.list(options.site));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(list.map(nasJson))}\n`);
        return;
      }
      for (const entry of list) {
        const flags = [entry.requireMessageAuthenticator ? 'message-authenticator' : '', entry.disconnectPort ? `disconnect:${entry.disconnectPort}` : '']
          .filter(Boolean)
          .join(',');
        process.stdout.write(`${entry.id}  ${entry.siteId}  ${entry.address.padEnd(18)}  ${flags || '-'}  ${entry.name}\n`);
      }
    });

  nas
    .command('delete')
    .description('stop accepting a NAS; a running server drops its packets within seconds')
    .argument('<id>')
    .action(async (id: string) => {
      const found = await withNas((service) => service.delete(id));
      if (!found) throw new Error(`no NAS with id ${id}.`);
    });

  program
    .command('backup')
    .description(
      'copy the SQLite database to a file, safely while the server runs (PostgreSQL: use pg_dump)\n' +
        '  example: voucherd backup --out /var/backups/voucherd-$(date +%F).db',
    )
    .requiredOption('--out <file>', 'where to write the copy; refused when the file exists')
    .option('--force', 'overwrite the --out file when it exists')
    .action(async (options: { out: string; force?: boolean }) => {
      const config = loadConfig();
      const { file, bytes } = await backupSqlite({
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        out: options.out,
        force: options.force === true,
      });
      process.stdout.write(`voucherd: backup written to ${file} (${bytes} bytes)\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (error) {
    const message = error instanceof OmadaError ? error.message.replace(/^Invalid request parameters\. /, '') : String((error as Error).message ?? error);
    process.stderr.write(`voucherd: ${message}\n`);
    process.exit(1);
  }
}
