import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { AppService, INITIAL_CREDENTIALS_FILE, type AppCredentials } from './domain/apps.js';
import { cryptoRandom, systemClock } from './domain/clock.js';
import { prepareApps, resolveOmadacId } from './domain/controller.js';
import { createLogger } from './logger.js';
import { RadiusHost } from './radius/host.js';
import { openStore } from './store/open-store.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly address: string;
  /** The bound RADIUS UDP ports; undefined for a service turned off (port 0). */
  readonly radius: { readonly authPort: number | undefined; readonly acctPort: number | undefined };
  close(): Promise<void>;
}

function announce(credentials: AppCredentials, dataDir: string): void {
  // Deliberately not through the logger: shown once to the person starting voucherd, never logged again.
  process.stdout.write(
    [
      'voucherd: first start, created an admin Open API app. Keep these credentials; they are not shown again',
      `(a copy is in ${join(dataDir, INITIAL_CREDENTIALS_FILE)}, readable by this user only):`,
      `  omadacId:      ${credentials.omadacId}`,
      `  client_id:     ${credentials.clientId}`,
      `  client_secret: ${credentials.clientSecret}`,
      '',
    ].join('\n'),
  );
}

/** Opens the database, prepares the controller identity and apps, and listens on PORT/HOST. */
export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const store = await openStore(config);
  try {
    const omadacId = await resolveOmadacId(store, config, cryptoRandom);
    const initial = await prepareApps(new AppService(store, systemClock, cryptoRandom, omadacId), config);

    const app = await buildApp({
      store,
      clock: systemClock,
      random: cryptoRandom,
      logger,
      settings: { ...config, omadacId },
    });
    let radius: RadiusHost;
    try {
      radius = await RadiusHost.start({
        nas: store.nas,
        redemption: app.redemption,
        logger: app.log,
        metrics: app.metrics,
        settings: {
          host: config.host,
          authPort: config.radiusAuthPort,
          acctPort: config.radiusAcctPort,
          interimIntervalSec: config.radiusInterimIntervalSec,
        },
      });
    } catch (error) {
      await app.close();
      throw error;
    }
    let address: string;
    try {
      address = await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      await radius.close();
      await app.close();
      throw error;
    }
    // Shown only once the server really serves, so a start that fails does not use up the one showing.
    if (initial) announce(initial, config.dataDir);
    logger.info(
      { address, omadacId, database: store.dialect, radiusAuthPort: radius.authPort, radiusAcctPort: radius.acctPort },
      'voucherd listening',
    );
    return {
      app,
      address,
      radius: { authPort: radius.authPort, acctPort: radius.acctPort },
      async close() {
        await radius.close();
        // A keep-alive connection whose last request finishes after close() began would otherwise
        // idle until keepAliveTimeout (72 s) before the server lets go; close such connections as they idle.
        const sweep = setInterval(() => app.server.closeIdleConnections(), 25);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
        }
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Runs until SIGTERM or SIGINT, then stops taking requests, lets in-flight ones finish and exits. */
export async function runServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`voucherd: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const server = await startServer(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'voucherd stopping');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'voucherd did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  runServer().catch((error: unknown) => {
    process.stderr.write(`voucherd: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
