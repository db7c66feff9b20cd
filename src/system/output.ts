/**
 * stdout and stderr whose reader went away (`send --json | head -1`, quitting `less`, a closed terminal):
 * writing to them fails with EPIPE or EIO. Such a failure must not crash a run mid-send with a stack trace:
 * the stream is written to no more. A closed stdout (where --json events go) fires `outputClosed`, so that
 * a run can stop gracefully; a closed stderr only loses progress and notices, and the run goes on.
 */
const closed = new AbortController();
export const outputClosed: AbortSignal = closed.signal;

const readerGone = new Set(['EPIPE', 'EIO', 'ECONNRESET', 'ERR_STREAM_DESTROYED']);

export function guardOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (!readerGone.has(error.code ?? '')) throw error;
      stream.write = () => true;
      if (stream === process.stdout) closed.abort();
    });
  }
}
