import type { CampaignDefinition } from '../../src/campaign/definition.js';
import type { Recipient } from '../../src/campaign/recipients.js';
import { DeliverySchedule } from '../../src/delivery/schedule.js';
import { parseAt, parseSpread } from '../../src/delivery/when.js';

function definition(fields: Partial<CampaignDefinition>): CampaignDefinition {
  return { recipients: 'recipients.csv', ...fields } as CampaignDefinition;
}

function recipient(tz: string, line = 2): Recipient {
  return { line, address: 'a@example.com', key: 'a@example.com', fields: { tz } };
}

const at = (iso: string) => Date.parse(iso);

describe('DeliverySchedule', () => {
  test('without deliver_at_local everyone is due at the start', () => {
    const schedule = new DeliverySchedule(definition({}), at('2026-03-01T10:00:00Z'), () => undefined);
    expect(schedule.dueAt(recipient('Asia/Tokyo'))).toBe(at('2026-03-01T10:00:00Z'));
  });

  test('each recipient is due at the next 09:00 on their own clock', () => {
    const schedule = new DeliverySchedule(
      definition({ deliver_at_local: '09:00', timezone_column: 'tz', default_timezone: 'UTC' }),
      at('2026-03-01T10:00:00Z'),
      () => undefined,
    );
    expect(new Date(schedule.dueAt(recipient('Asia/Tokyo'))).toISOString()).toBe('2026-03-02T00:00:00.000Z'); // 19:00 there: tomorrow 09:00 JST
    expect(new Date(schedule.dueAt(recipient('America/New_York'))).toISOString()).toBe('2026-03-01T14:00:00.000Z'); // 05:00 there: today
    expect(new Date(schedule.dueAt(recipient('UTC'))).toISOString()).toBe('2026-03-02T09:00:00.000Z'); // 10:00: tomorrow
  });

  test('daylight-saving changes: the local time holds across the switch', () => {
    // Europe/Berlin goes from UTC+1 to UTC+2 on 2026-03-29 at 02:00 local.
    const schedule = new DeliverySchedule(
      definition({ deliver_at_local: '09:00', timezone_column: 'tz' }),
      at('2026-03-28T12:00:00Z'),
      () => undefined,
    );
    expect(new Date(schedule.dueAt(recipient('Europe/Berlin'))).toISOString()).toBe('2026-03-29T07:00:00.000Z'); // 09:00 CEST
    // A time that does not exist that night (02:30) moves forward with the clocks.
    const gap = new DeliverySchedule(
      definition({ deliver_at_local: '02:30', timezone_column: 'tz' }),
      at('2026-03-28T12:00:00Z'),
      () => undefined,
    );
    expect(new Date(gap.dueAt(recipient('Europe/Berlin'))).toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    // Autumn: 2026-10-25, UTC+2 → UTC+1.
    const autumn = new DeliverySchedule(
      definition({ deliver_at_local: '09:00', timezone_column: 'tz' }),
      at('2026-10-24T12:00:00Z'),
      () => undefined,
    );
    expect(new Date(autumn.dueAt(recipient('Europe/Berlin'))).toISOString()).toBe('2026-10-25T08:00:00.000Z'); // 09:00 CET
  });

  test('an empty or unknown zone falls back to default_timezone, with one warning per bad value', () => {
    const warnings: string[] = [];
    const schedule = new DeliverySchedule(
      definition({ deliver_at_local: '09:00', timezone_column: 'tz', default_timezone: 'Asia/Tokyo' }),
      at('2026-03-01T10:00:00Z'),
      (message) => warnings.push(message),
    );
    const tokyo = schedule.dueAt(recipient('Asia/Tokyo'));
    expect(schedule.dueAt(recipient(''))).toBe(tokyo);
    expect(schedule.dueAt(recipient('Mars/Olympus', 7))).toBe(tokyo);
    expect(schedule.dueAt(recipient('Mars/Olympus', 8))).toBe(tokyo);
    expect(warnings).toEqual(['line 7 of recipients.csv: "Mars/Olympus" is not a known time zone; using Asia/Tokyo']);
  });
});

describe('--at and --spread', () => {
  const now = new Date('2026-11-27T05:40:00Z');
  test.each([
    ['2026-12-01T10:00:00Z', '2026-12-01T10:00:00.000Z'],
    ['tomorrow 09:00', '2026-11-28T09:00:00.000Z'],
    ['in 2 hours', '2026-11-27T07:40:00.000Z'],
  ])('--at %s', (text, iso) => expect(parseAt(text, now).toISOString()).toBe(iso));

  test('a time in the past or not a time is refused', () => {
    expect(() => parseAt('yesterday', now)).toThrow(/in the past; give a later time, or leave out --at/);
    expect(() => parseAt('2026-01-01T00:00:00Z', now)).toThrow(/in the past/);
    expect(() => parseAt('whenever', now)).toThrow(/not a time/);
  });

  test('--spread takes durations', () => {
    expect(parseSpread('6h')).toBe(6 * 3_600_000);
    expect(parseSpread('90m')).toBe(90 * 60_000);
    expect(() => parseSpread('soon')).toThrow(/not a duration/);
    expect(() => parseSpread('-1h')).toThrow(/not a duration/);
  });
});
