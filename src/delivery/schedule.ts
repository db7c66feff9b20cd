import type { CampaignDefinition } from '../campaign/definition.js';
import type { Recipient } from '../campaign/recipients.js';
import { luxonDateTime as dateTime } from '../system/luxon.js'; // loads only for a campaign with deliver_at_local

/**
 * When each recipient becomes due. Without `deliver_at_local` everyone is due when the campaign starts;
 * with it, each recipient is due at the first moment at or after the start when the clock in their time
 * zone (the `timezone_column` value, else `default_timezone`, else this machine's zone) shows that time.
 * Luxon does the zone arithmetic, including daylight-saving changes (a time that does not exist on the
 * day the clocks go forward moves forward with them).
 */
export class DeliverySchedule {
  private readonly hour: number;
  private readonly minute: number;
  private readonly defaultZone: string;
  private readonly badZones = new Set<string>();

  constructor(
    private readonly definition: CampaignDefinition,
    private readonly startsAt: number,
    private readonly warn: (message: string) => void,
  ) {
    const [hour, minute] = (definition.deliver_at_local ?? '00:00').split(':').map(Number);
    this.hour = hour;
    this.minute = minute;
    // Intl's first use costs tens of milliseconds: only a local-time schedule needs the zone.
    this.defaultZone = this.isLocal ? (definition.default_timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone) : 'UTC';
  }

  get isLocal(): boolean {
    return this.definition.deliver_at_local !== undefined;
  }

  dueAt(recipient: Recipient): number {
    if (!this.isLocal) return this.startsAt;
    const start = dateTime().fromMillis(this.startsAt, { zone: this.zoneOf(recipient) });
    let due = start.set({ hour: this.hour, minute: this.minute, second: 0, millisecond: 0 });
    if (due.toMillis() < this.startsAt) due = due.plus({ days: 1 }).set({ hour: this.hour, minute: this.minute });
    return due.toMillis();
  }

  private zoneOf(recipient: Recipient): string {
    const column = this.definition.timezone_column;
    const zone = column ? recipient.fields[column]?.trim() : '';
    if (!zone) return this.defaultZone;
    if (dateTime().local().setZone(zone).isValid) return zone;
    if (!this.badZones.has(zone)) {
      this.badZones.add(zone);
      this.warn(`line ${recipient.line} of ${this.definition.recipients}: "${zone}" is not a known time zone; using ${this.defaultZone}`);
    }
    return this.defaultZone;
  }
}
