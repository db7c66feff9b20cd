/**
 * What a run opened (the account, the lock, the journal), closed last first however the run ends. Each one is
 * closed even when closing one after it failed (as nested try/finally would).
 */
export class Closers {
  private readonly stack: (() => Promise<void>)[] = [];

  add(close: () => Promise<void>): void {
    this.stack.push(close);
  }

  async close(): Promise<void> {
    const last = this.stack.pop();
    if (!last) return;
    try {
      await last();
    } finally {
      await this.close();
    }
  }
}
