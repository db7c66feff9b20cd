import { appendFile } from 'node:fs/promises';

interface Queue {
  text: string;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Appends lines to files: the lines queued for a file while its last append ran go out together in the
 * next one (a single O_APPEND write, so each line stays whole and in order). Each append resolves once
 * its line is in the file. With several messages in flight this is one open/write/close for many sends.
 */
export class AppendBatcher {
  private readonly queues = new Map<string, Queue>();
  private readonly writing = new Set<string>();

  append(file: string, line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(file);
      if (!queue) this.queues.set(file, (queue = { text: '', waiters: [] }));
      queue.text += line;
      queue.waiters.push({ resolve, reject });
      if (!this.writing.has(file)) {
        this.writing.add(file);
        void this.flush(file);
      }
    });
  }

  private async flush(file: string): Promise<void> {
    await Promise.resolve(); // lines appended in the same turn join the first write
    for (let queue = this.queues.get(file); queue; queue = this.queues.get(file)) {
      this.queues.delete(file); // lines appended from now on wait for the next write
      try {
        await appendFile(file, queue.text, { mode: 0o600 });
        for (const waiter of queue.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of queue.waiters) waiter.reject(error);
      }
    }
    this.writing.delete(file);
  }
}
