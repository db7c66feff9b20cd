/** One line of the pre-flight: what was checked, how it came out, why, and the DNS record that fixes it. */
export interface Finding {
  check: 'spf' | 'dkim' | 'dmarc' | 'alignment' | 'bulk' | 'free-mail';
  status: 'pass' | 'warn' | 'fail';
  why: string;
  /** The record to add or change, as "NAME TYPE VALUE". */
  record?: string;
}

export const pass = (check: Finding['check'], why: string): Finding => ({ check, status: 'pass', why });
export const warn = (check: Finding['check'], why: string, record?: string): Finding => ({
  check,
  status: 'warn',
  why,
  ...(record ? { record } : {}),
});
export const fail = (check: Finding['check'], why: string, record?: string): Finding => ({
  check,
  status: 'fail',
  why,
  ...(record ? { record } : {}),
});
