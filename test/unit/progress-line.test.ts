import { EtaEstimate, fitLine, formatEta } from '../../src/commands/progress-line.js';

const fields = ['250/1000', 'sent 250', 'failed 0', 'deferred 3', 'ETA 1m40s', '12.5/s', '4 at once, 30/min'];

describe('a progress line that fits', () => {
  test.each([120, 80, 60, 40, 30])('%i columns: whole fields from the left, nothing cut', (columns) => {
    const line = fitLine(columns, 0.25, fields);
    expect(line.length).toBeLessThan(columns);
    const kept = line
      .replace(/^\[[#-]+\] ?/, '')
      .split(' · ')
      .filter(Boolean);
    expect(kept).toEqual(fields.slice(0, kept.length));
  });

  test('at 80 columns the ETA and rate still show (deferred appears only when there are some)', () => {
    expect(
      fitLine(
        80,
        0.25,
        fields.filter((field) => field !== 'deferred 3'),
      ),
    ).toBe('[#####---------------] 250/1000 · sent 250 · failed 0 · ETA 1m40s · 12.5/s');
  });

  test('the ETA is smoothed and waits until it means something', () => {
    const eta = new EtaEstimate(0);
    expect(eta.remainingMs(500, 1, 100)).toBeUndefined();
    expect(eta.remainingMs(2000, 10, 100)).toBeUndefined(); // under 3 s
    const estimates: number[] = [];
    // 5 per second with a burst of 20 and a stall: the estimate moves, but does not jump with each.
    for (const [at, handled] of [
      [4000, 20],
      [5000, 40],
      [6000, 40],
      [7000, 45],
      [8000, 50],
    ])
      estimates.push(eta.remainingMs(at, handled, 100)!);
    for (let index = 1; index < estimates.length; index++)
      expect(Math.abs(estimates[index] - estimates[index - 1])).toBeLessThan(estimates[index - 1] * 0.5);
    expect(eta.remainingMs(9000, 100, 100)).toBeUndefined(); // nothing left
  });

  test('rounded so it does not flicker', () => {
    expect(formatEta(1200)).toBe('5s');
    expect(formatEta(43_000)).toBe('45s');
    expect(formatEta(100_000)).toBe('1m40s');
    expect(formatEta(3 * 3_600_000 + 5 * 60_000)).toBe('3h05m');
  });
});
