/**
 * A PostgreSQL server of a test's own, to stop and start under a running voucherd: what
 * scripts/with-postgres.sh does, from TypeScript. initdb into a temporary folder, pg_ctl on a free
 * loopback port with trust authentication; as root the cluster belongs to the postgres user,
 * since initdb refuses to run as root.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** PG_BIN, else the newest /usr/lib/postgresql/<version>/bin, else undefined. */
export function postgresBin(): string | undefined {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

export class PgCluster {
  private running = false;

  private constructor(
    private readonly bin: string,
    private readonly work: string,
    readonly port: number,
  ) {}

  /** postgres://postgres@127.0.0.1:<port>/postgres */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** initdb and start a new cluster; throws when PostgreSQL's server binaries are missing. */
  static async create(): Promise<PgCluster> {
    const bin = postgresBin();
    if (!bin) throw new Error("PostgreSQL server binaries not found (install Debian's postgresql package, or set PG_BIN)");
    const work = mkdtempSync(join(tmpdir(), 'voucherd-pgc-'));
    const cluster = new PgCluster(bin, work, await freePort());
    try {
      if (asRoot) {
        const { stdout } = await exec('id', ['-u', 'postgres']);
        chownSync(work, Number(stdout.trim()), -1);
      }
      await cluster.run('initdb', ['-D', join(work, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
      await cluster.start();
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  private run(tool: string, args: string[]) {
    const file = join(this.bin, tool);
    return asRoot ? exec('runuser', ['-u', 'postgres', '--', file, ...args]) : exec(file, args);
  }

  /** Starts the server on the same port and folder; resolves once it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.work} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await this.run('pg_ctl', ['-D', join(this.work, 'data'), '-l', join(this.work, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
    this.running = true;
  }

  /** `pg_ctl stop -m <mode>`: `fast` ends every session (57P01) and shuts down cleanly. */
  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.run('pg_ctl', ['-D', join(this.work, 'data'), '-m', mode, '-w', '-t', '30', 'stop']);
    this.running = false;
  }

  /** Stops the server if it runs and removes its folder. */
  async destroy(): Promise<void> {
    if (this.running) await this.stop('immediate').catch(() => undefined);
    rmSync(this.work, { recursive: true, force: true });
  }
}
