import { open, type FileHandle } from 'node:fs/promises';
import { writeAllSync } from '../system/write-all.js';

interface Queue {
  text: string;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Appends lines to files kept open until close(): the lines queued for a file in one turn (or while it
 * was being opened) go out together in the next write (a single O_APPEND write, so each line stays whole
 * and in order, also beside other processes appending to the same file). The write is synchronous: these
 * files are not opened O_DSYNC, so it only copies into the page cache. Each append resolves once its line
 * is in the file.
 */
export class AppendBatcher {
  private readonly queues = new Map<string, Queue>();
  private readonly writing = new Map<string, Promise<void>>();
  private readonly handles = new Map<string, Promise<FileHandle>>();

  append(file: string, line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(file);
      if (!queue) this.queues.set(file, (queue = { text: '', waiters: [] }));
      queue.text += line;
      queue.waiters.push({ resolve, reject });
      if (!this.writing.has(file)) this.writing.set(file, this.flush(file));
    });
  }

  /** The open handle of a file appended to before (it reads too), or undefined. */
  openHandle(file: string): Promise<FileHandle> | undefined {
    return this.handles.get(file);
  }

  /** Waits for the appends in progress, then closes the files. */
  async close(): Promise<void> {
    await Promise.all(this.writing.values());
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((handle) => handle.then((opened) => opened.close()).catch(() => undefined)));
  }

  private handleFor(file: string): Promise<FileHandle> {
    let handle = this.handles.get(file);
    if (!handle) {
      handle = open(file, 'a+', 0o600);
      this.handles.set(file, handle);
      // a file that could not be opened is tried again at the next append
      handle.catch(() => this.handles.get(file) === handle && this.handles.delete(file));
    }
    return handle;
  }

  private async flush(file: string): Promise<void> {
    await Promise.resolve(); // lines appended in the same turn join the first write
    for (let queue = this.queues.get(file); queue; queue = this.queues.get(file)) {
      this.queues.delete(file); // lines appended from now on wait for the next write
      try {
        writeAllSync((await this.handleFor(file)).fd, Buffer.from(queue.text));
        for (const waiter of queue.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of queue.waiters) waiter.reject(error);
      }
    }
    this.writing.delete(file);
  }
}
