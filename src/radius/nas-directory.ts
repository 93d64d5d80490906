import { blockContains, parseAddress, parseBlock, type NetworkBlock } from '../domain/network-address.js';
import type { NasRecord, NasRepository } from '../store/port.js';

interface Entry {
  readonly block: NetworkBlock;
  readonly nas: NasRecord;
}

export interface NasDirectoryOptions {
  /** How often the table is read again from the store (ms). */
  readonly refreshMs?: number;
  /** A packet from an unknown address reads the table again at most this often (ms). */
  readonly missRefreshMs?: number;
  readonly now?: () => number;
}

/**
 * The RADIUS clients, kept in memory and read again from the store every few seconds, and on
 * a packet from an unknown address at most once a second, so that `voucherd nas add` from
 * another process (or another instance) takes effect without a restart and a flood of packets
 * from strangers costs at most one query a second.
 */
export class NasDirectory {
  /** Most specific block first. */
  private entries: Entry[] = [];
  private readonly bySource = new Map<string, NasRecord | null>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly refreshMs: number;
  private readonly missRefreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly repository: Pick<NasRepository, 'list'>,
    private readonly onError: (error: unknown) => void,
    options: NasDirectoryOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 5000;
    this.missRefreshMs = options.missRefreshMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Reads the table, then keeps it fresh until `stop()`. */
  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch(this.onError);
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads the table from the store; calls made while a read runs share it. */
  reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const started = this.now();
        const records = await this.repository.list();
        const entries: Entry[] = [];
        for (const nas of records) {
          const block = parseBlock(nas.address);
          if (block) entries.push({ block, nas });
        }
        entries.sort((a, b) => b.block.prefix - a.block.prefix || a.block.family - b.block.family);
        this.entries = entries;
        this.bySource.clear();
        this.loadedAt = started;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** The NAS a packet from `source` belongs to: the most specific block holding it. */
  lookupNow(source: string): NasRecord | undefined {
    const cached = this.bySource.get(source);
    if (cached !== undefined) return cached ?? undefined;
    const address = parseAddress(source);
    let found: NasRecord | undefined;
    if (address) {
      found = this.entries.find((entry) => blockContains(entry.block, address.family, address.value))?.nas;
    }
    // Bounded: sources are client addresses, but a spoofing flood must not grow memory without end.
    if (this.bySource.size >= 10_000) this.bySource.clear();
    this.bySource.set(source, found ?? null);
    return found;
  }

  /** `lookupNow`, reading the table again first on a miss when the last read is a second old. */
  async lookup(source: string): Promise<NasRecord | undefined> {
    const found = this.lookupNow(source);
    if (found || this.now() - this.loadedAt < this.missRefreshMs) return found;
    try {
      await this.reload();
    } catch (error) {
      this.onError(error);
      return undefined;
    }
    return this.lookupNow(source);
  }

  /** A NAS by id, as last read. */
  byId(id: string): NasRecord | undefined {
    return this.entries.find((entry) => entry.nas.id === id)?.nas;
  }
}
