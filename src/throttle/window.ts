/**
 * First wait after a refusal about the message rate before one message tries again; it doubles up to 2 s, or
 * an eighth of the time since the window began when that is longer (a window of a minute takes fewer tries).
 */
const firstGapMs = 500;
const maxGapMs = 2000;
/** Spans this close to the longest known-good one (as a share of it) are not worth a refusal to try. */
const stepShare = 0.03;
/**
 * How much a refusal's evidence fades with each window the server took whole: a refusal that came from noise
 * (a send held up on its way) does not keep the pace slow for good, and a server that allows more is found.
 */
const fadeShare = 0.002;
/** A pause between sends this long ends a burst: what came before it was not in the window the server refused. */
const idleGapMs = 500;
/** Sends remembered before any refusal (their count since the window began is the learned N). */
const maxRemembered = 5000;

/** A limit of `count` messages per `perMs`, as the server showed it. */
export interface RateWindow {
  count: number;
  perMs: number;
}

interface Streak {
  /** When the first refusal of this streak came: messages sent since then are probes. */
  since: number;
  /** When the window the server refused began (the first send since the last streak). */
  began: number;
  /** The last message refused: the window is longer than the span from the N-th send before it. */
  lastRefused: number;
  probeAt: number;
  gapMs: number;
  probing: boolean;
}

/**
 * The message-rate limit a server keeps without saying it: N messages per T, in fixed units (Postfix's
 * anvil: 30 per 15 s from the first message of a unit) or a sliding window (Graph: 20 per second).
 * After the first refusal one message at a time tries again (after 0.5 s, 1 s, 2 s, 2 s …). N is what the
 * server took of the burst it refused (back to a pause of idleGapMs), known once every message of it is
 * answered; the first try taken bounds T from above (T ≤ its send time minus that of the N-th send before
 * it), the last one refused from below. Sends are then kept to N in any span of the chosen T (so a whole
 * unit's N go at once), which starts halfway between the bounds and halves the distance after each window
 * the server took whole, settling just above T; a later refusal raises the lower bound and the pace at once.
 * Times are send times: when a message left (after its attempt was written), not when its answer came.
 */
export class WindowLearner {
  /** Send times of the messages not refused (in flight or taken), oldest first. */
  private readonly turns: number[] = [];
  private windowStart = -Infinity;
  private count: number | undefined;
  /** The server took a whole window of N: a refusal late in a burst then means the span is short, not N too many. */
  private countTaken = false;
  private lo = 0;
  private hi = Infinity;
  private paceMs = 0;
  private takenAtPace = 0;
  private streak: Streak | undefined;

  /** The window kept to, once a refusal showed one. */
  get current(): RateWindow | undefined {
    return this.count === undefined ? undefined : { count: this.count, perMs: this.paceMs };
  }

  /** Takes a turn at `now` when the window allows one (returns 0); otherwise how long to wait before asking again. */
  take(now: number): number {
    const at = this.earliest(now);
    if (at > now) return at - now;
    if (this.streak) this.streak.probing = true;
    if (this.windowStart === -Infinity) this.windowStart = now;
    this.turns.push(now);
    this.forgetOld();
    return 0;
  }

  /** The server took the message sent at `turn`. True when the window kept to changed. */
  accepted(turn: number): boolean {
    const streak = this.streak;
    if (streak) {
      if (turn < streak.since) return false; // sent before the refusal: says nothing about the window reopening
      this.streak = undefined;
      // Only now is every message of the refused burst answered: N is what the server took of it.
      this.count = this.burstBefore(streak.since);
      this.countTaken = false;
      this.bound(streak.lastRefused, 'lower');
      this.bound(turn, 'upper');
      this.windowStart = turn;
      return this.choosePace();
    }
    if (this.count === undefined) return false;
    this.bound(turn, 'upper');
    if (++this.takenAtPace < this.count) return false;
    this.countTaken = true;
    this.lo *= 1 - fadeShare;
    return this.choosePace();
  }

  /** The server refused the message sent at `turn` for its rate (at `now`). Returns when one message may try again. */
  refused(turn: number, now: number): number {
    this.forget(turn);
    const streak = this.streak;
    if (streak) {
      // A message sent before the streak began was refused with the rest of its window; a probe moves the next one on.
      if (turn >= streak.since) {
        streak.lastRefused = turn;
        streak.gapMs = Math.min(Math.max(maxGapMs, (now - streak.began) / 8), streak.gapMs * 2);
        streak.probeAt = now + streak.gapMs;
        streak.probing = false;
      }
      return streak.probeAt;
    }
    if (this.count !== undefined) {
      // The window is known. Refused late in a burst of fewer than N before the server ever took N (a burst that
      // began after the server's unit did, or an N counted one too high): N is too many. Otherwise this span was
      // too short: the pace moves above it at once; no need to try blindly.
      const taken = this.burstBefore(turn);
      if (!this.countTaken && taken < this.count && taken >= this.count / 2) this.count = taken;
      else this.bound(turn, 'lower');
      this.choosePace();
      return Math.max(now, this.earliest(now));
    }
    const began = this.turns.find((at) => at >= this.windowStart) ?? turn;
    const probeAt = now + firstGapMs;
    this.streak = { since: now, began, lastRefused: turn, probeAt, gapMs: firstGapMs, probing: false };
    return probeAt;
  }

  /** The message given its turn at `turn` leaves only now (its attempt was written first): its send time is `now`. */
  sent(turn: number, now: number): void {
    const index = this.turns.lastIndexOf(turn);
    if (index < 0 || now === turn) return;
    this.turns.splice(index, 1);
    let at = this.turns.length;
    while (at > 0 && this.turns[at - 1] > now) at--;
    this.turns.splice(at, 0, now);
  }

  /** A message that never reached the rate (refused for connections, say) is no send. */
  forget(turn: number): void {
    const index = this.turns.lastIndexOf(turn);
    if (index >= 0) this.turns.splice(index, 1);
  }

  /** The messages sent and taken in the burst that ended before `turn` (none more than idleGapMs after the one before). */
  private burstBefore(turn: number): number {
    const before = this.turns.filter((at) => at >= this.windowStart && at < turn);
    let count = 0;
    for (let next = turn, index = before.length - 1; index >= 0 && next - before[index] < idleGapMs; next = before[index--]) count++;
    return Math.max(1, count);
  }

  private earliest(now: number): number {
    if (this.streak) return this.streak.probing ? Infinity : this.streak.probeAt;
    if (this.count === undefined || this.turns.length < this.count) return now;
    return this.turns[this.turns.length - this.count] + this.paceMs;
  }

  /** What a message sent at `turn` says of T: refused, T is longer than its span (from the N-th send before it); taken, T is no longer. */
  private bound(turn: number, which: 'upper' | 'lower', count = this.count ?? 1): void {
    const before = this.turns.filter((at) => at < turn);
    if (before.length < count) return;
    const span = turn - before[before.length - count];
    if (which === 'upper') this.hi = Math.min(this.hi, span);
    else this.lo = Math.max(this.lo, span);
    // Answers that contradict each other (clocks and queues are not exact): trust the refusal, with a margin.
    if (this.lo >= this.hi) this.hi = this.lo * (1 + stepShare);
  }

  /** The next span to keep N in: halfway between the longest good one and the longest refused, until they are close. */
  private choosePace(): boolean {
    const before = this.paceMs;
    const gap = this.hi - this.lo;
    const step = gap <= this.hi * stepShare ? 0 : gap / 2;
    this.paceMs = Number.isFinite(this.hi) ? this.hi - step : before;
    this.takenAtPace = 0;
    return this.paceMs !== before;
  }

  private forgetOld(): void {
    const keep = this.count === undefined ? maxRemembered : 2 * this.count + 16;
    if (this.turns.length <= keep) return;
    this.turns.splice(0, this.turns.length - keep);
    this.windowStart = Math.max(this.windowStart, this.turns[0]);
  }
}
