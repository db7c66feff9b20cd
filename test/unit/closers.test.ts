import { Closers } from '../../src/delivery/closers.js';

describe('what a run opened is closed last first (the account, the lock, the journal)', () => {
  test('the journal first, then the lock, then the account', async () => {
    const closed: string[] = [];
    const opened = new Closers();
    for (const name of ['account', 'lock', 'journal']) opened.add(async () => void closed.push(name));
    await opened.close();
    expect(closed).toEqual(['journal', 'lock', 'account']);
  });

  test('a close that fails does not keep the others open; the last failure is the one thrown, as nested finally would', async () => {
    const closed: string[] = [];
    const opened = new Closers();
    opened.add(async () => void closed.push('account'));
    opened.add(async () => {
      closed.push('lock');
      throw new Error('lock');
    });
    opened.add(async () => {
      closed.push('journal');
      throw new Error('journal');
    });
    await expect(opened.close()).rejects.toThrow('lock');
    expect(closed).toEqual(['journal', 'lock', 'account']);
  });

  test('nothing opened: nothing to close', async () => {
    await expect(new Closers().close()).resolves.toBeUndefined();
  });
});
