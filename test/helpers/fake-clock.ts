import type { Clock } from '../../src/throttle/clock.js';

/** A clock that only moves when told; sleepers wake in time order as it advances. */
export class FakeClock implements Clock {
  private time = 0;
  private sleepers: { until: number; wake: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ until: this.time + ms, wake }));
  }

  /** Moves time forward, waking each sleeper due meanwhile (letting its continuation run before the next). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle(); // let callers that are already due run at the current time first
    for (;;) {
      this.sleepers.sort((a, b) => a.until - b.until);
      const next = this.sleepers[0];
      if (!next || next.until > end) break;
      this.sleepers.shift();
      this.time = next.until;
      next.wake();
      await settle();
    }
    this.time = end;
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
