/**
 * Signing in as a whole (connecting, TLS, greeting, EHLO, AUTH; an IMAP login) has one deadline, on top of
 * the deadline of each reply: a server that answers each step just in time cannot hold a run, and with it the
 * campaign's lock, for longer. MAILSHOT_SIGN_IN_DEADLINE_MS shortens it; it is internal, for the tests.
 */
const defaultSignInMs = 120_000;

export function signInDeadlineMs(): number {
  return Number(process.env.MAILSHOT_SIGN_IN_DEADLINE_MS) || defaultSignInMs;
}

export class DeadlineError extends Error {
  constructor(readonly ms: number) {
    super(`did not finish within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}`);
    this.name = 'DeadlineError';
  }
}

/**
 * Runs `work` with an abort signal that fires when `ms` pass (rejecting with DeadlineError) or when `outer`
 * aborts (rejecting with its reason); `work` must give up what it holds when its signal fires.
 */
export async function withDeadline<T>(ms: number, outer: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineError(ms)), ms);
  const onOuter = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  if (outer?.aborted) onOuter();
  try {
    return await new Promise<T>((resolve, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      work(controller.signal).then(resolve, reject);
    });
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}
