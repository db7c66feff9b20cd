/** What an OAuth sign-in needs from the terminal; the command layer provides it, tests drive it through the CLI. */
export interface SignInIo {
  notice(message: string): void;
  warn(message: string): void;
  /** Opens the system browser at the URL; rejects when there is none. */
  openBrowser(url: string): Promise<void>;
  /** Shows the prompt on stderr and reads one line from stdin (a pasted redirect address); aborting stops reading. */
  readLine(prompt: string, signal?: AbortSignal): Promise<string>;
}
