/**
 * Lets the SQLite checkpointer hold back new write transactions for a moment (see
 * SqliteCheckpointer): the driver passes every transaction through `enter` and `leave`, and
 * `hold` answers once none is running, new ones waiting until `release`.
 */
export class TransactionGate {
  #running = false;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;
  readonly #idle: (() => void)[] = [];

  /** Waits while the gate is held, then counts a transaction as running. */
  async enter(): Promise<void> {
    while (this.#held) await this.#held;
    this.#running = true;
  }

  /** The running transaction ended (committed or rolled back). */
  leave(): void {
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Holds back transactions not yet begun; resolves once the one running, if any, has ended. */
  hold(): Promise<void> {
    this.#held ??= new Promise((resolve) => (this.#release = resolve));
    return this.#running ? new Promise((resolve) => this.#idle.push(resolve)) : Promise.resolve();
  }

  /** Lets the held-back transactions begin. */
  release(): void {
    const release = this.#release;
    this.#held = undefined;
    this.#release = undefined;
    release?.();
  }

  get held(): boolean {
    return this.#held !== undefined;
  }
}
