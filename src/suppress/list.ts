import path from 'node:path';
import { configDir } from '../auth/config-dir.js';
import { normaliseAddress } from '../campaign/address.js';
import { plainKey } from '../campaign/canonical-address.js';
import { InputError, StopError } from '../errors.js';
import { openOwnerOnlyForAppend, createOwnerOnlyFolder, readOwnerOnlyOrEmpty } from '../system/owner-only.js';

export const suppressReasons = ['unsubscribed', 'bounced', 'complained', 'manual'] as const;
export type SuppressReason = (typeof suppressReasons)[number];

/** An address no campaign of this sending identity sends to. */
export interface Suppression {
  address: string;
  reason: SuppressReason;
  at: string;
  /** What caused it: the bounce's status and diagnostic, the campaign, the file imported. */
  detail?: string;
}

/** One line of the list's JSONL file: the file is only appended to; the list is its fold. */
type ListLine =
  | ({ op: 'add' } & Suppression)
  | { op: 'remove'; address: string; at: string }
  | { op: 'soft'; address: string; at: string; detail?: string; source?: string };

/** Soft bounces (4.x.x) suppress once there are this many within the window. */
export const softBounceLimit = 3;
const softBounceWindowMs = 30 * 24 * 3600_000;

/**
 * The suppression list of one sending identity (an account's address), shared by every campaign sent
 * through it: `<config>/suppress/<identity>.jsonl`, owner-only, append-only.
 */
export class SuppressionList {
  private constructor(
    readonly identity: string,
    readonly file: string,
    private readonly entries: Map<string, Suppression>,
    private readonly softBounces: Map<string, number[]>,
    private readonly softSources = new Set<string>(),
  ) {}

  static fileFor(identity: string): string {
    return path.join(configDir(), 'suppress', `${encodeURIComponent(identity)}.jsonl`);
  }

  static async open(identity: string): Promise<SuppressionList> {
    const file = SuppressionList.fileFor(identity);
    const list = new SuppressionList(identity, file, new Map(), new Map());
    for (const line of parseLines(file, await readOwnerOnlyOrEmpty(file))) list.apply(line);
    return list;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The entry for this address (in any spelling of it), if it is suppressed. A plain ASCII address is its
   * own key lower-cased (plainKey): a send asks for every recipient, whose address is checked already.
   */
  get(address: string): Suppression | undefined {
    if (!this.entries.size) return undefined;
    return this.entries.get(plainKey(address) ?? normaliseAddress(address));
  }

  all(): Suppression[] {
    return [...this.entries.values()].sort((a, b) => a.at.localeCompare(b.at) || a.address.localeCompare(b.address));
  }

  /** Suppresses the addresses not suppressed yet; returns those added. */
  async add(additions: { address: string; reason: SuppressReason; detail?: string; at?: string }[]): Promise<Suppression[]> {
    const lines: ListLine[] = [];
    for (const { address, reason, detail, at } of additions) {
      const key = normaliseAddress(address);
      if (this.entries.has(key) || lines.some((line) => line.address === key)) continue;
      lines.push({ op: 'add', address: key, reason, at: at ?? new Date().toISOString(), ...(detail ? { detail } : {}) });
    }
    await this.append(lines);
    return lines as Suppression[];
  }

  /** Lifts the suppression; false when the address was not suppressed. */
  async remove(address: string): Promise<boolean> {
    const key = normaliseAddress(address);
    if (!this.entries.has(key)) return false;
    await this.append([{ op: 'remove', address: key, at: new Date().toISOString() }]);
    return true;
  }

  /**
   * Records a soft bounce; the one that makes `softBounceLimit` within 30 days suppresses the address as
   * bounced. `source` names the mailbox message it came from: the same message never counts twice.
   */
  async softBounce(address: string, at: Date, detail: string, source?: string): Promise<Suppression | undefined> {
    const key = normaliseAddress(address);
    if (source && this.softSources.has(`${key} ${source}`)) return undefined;
    await this.append([{ op: 'soft', address: key, at: at.toISOString(), detail, ...(source ? { source } : {}) }]);
    const recent = (this.softBounces.get(key) ?? []).filter((time) => time > at.getTime() - softBounceWindowMs);
    if (recent.length < softBounceLimit || this.entries.has(key)) return undefined;
    const [added] = await this.add([
      {
        address: key,
        reason: 'bounced',
        detail: `${recent.length} soft bounces within 30 days, the last: ${detail}`,
        at: at.toISOString(),
      },
    ]);
    return added;
  }

  private apply(line: ListLine): void {
    if (line.op === 'add')
      this.entries.set(line.address, {
        address: line.address,
        reason: line.reason,
        at: line.at,
        ...(line.detail ? { detail: line.detail } : {}),
      });
    else if (line.op === 'remove') this.entries.delete(line.address);
    else {
      this.softBounces.set(line.address, [...(this.softBounces.get(line.address) ?? []), Date.parse(line.at)]);
      if (line.source) this.softSources.add(`${line.address} ${line.source}`);
    }
  }

  private async append(lines: ListLine[]): Promise<void> {
    if (!lines.length) return;
    await createOwnerOnlyFolder(path.dirname(this.file));
    const handle = await openOwnerOnlyForAppend(this.file);
    try {
      await handle.write(lines.map((line) => JSON.stringify(line) + '\n').join(''));
      await handle.datasync();
    } catch (error) {
      throw new StopError(
        `cannot write ${this.file}: ${(error as Error).message}; free disk space or fix the folder, then run the command again`,
      );
    } finally {
      await handle.close();
    }
    lines.forEach((line) => this.apply(line));
  }
}

function parseLines(file: string, text: string): ListLine[] {
  const rows = text.split('\n');
  rows.pop(); // '' after the last newline; anything else is a line a crash cut short, which never counted
  return rows.map((row, index) => {
    try {
      const line = JSON.parse(row) as ListLine;
      if (typeof line.address !== 'string' || typeof line.at !== 'string' || !['add', 'remove', 'soft'].includes(line.op))
        throw new Error();
      if (line.op === 'add' && !suppressReasons.includes(line.reason)) throw new Error();
      return line;
    } catch {
      throw new InputError(`${file}:${index + 1}: not a suppression entry; the file was edited or damaged (fix or remove that line)`);
    }
  });
}
