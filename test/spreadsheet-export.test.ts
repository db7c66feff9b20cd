/**
 * Recipient lists as spreadsheets and address books export them: the address column under another usual
 * name, and Excel's empty ";;;;" rows.
 */
import { readdir } from 'node:fs/promises';
import { writeCampaign } from './helpers/cli.js';
import { runInProcess } from './helpers/in-process.js';

describe('spreadsheet exports', () => {
  test.each([
    ['Email', 'Email,Name'],
    ['E-mail Address', 'First Name,Last Name,E-mail Address'],
    ['Email Address', 'Name,Email Address'],
    ['e-mail', 'name,e-mail'],
    ['MAIL', 'MAIL,name'],
  ])('without email_column, the "%s" column holds the addresses, and validate says so', async (column, header) => {
    const names = header.split(',');
    const row = (address: string) => names.map((name) => (name === column ? address : 'Ann')).join(',');
    const campaign = await writeCampaign({
      csv: [header, row('ann@example.com'), row('bob@example.com')].join('\r\n') + '\r\n',
      markdown: 'Hello',
      fields: { subject: 'Hello' },
    });
    const { code, stdout, stderr } = await runInProcess(['campaign', 'validate', campaign.file]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`OK — 2 recipient(s) to send (addresses from column "${column}")`);
    const send = await runInProcess(['campaign', 'send', campaign.file]);
    expect(send.code).toBe(0);
    expect(await readdir(campaign.outbox)).toHaveLength(2);
  });

  test('the plain "email" column comes first when a list has several usual names', async () => {
    const campaign = await writeCampaign({
      csv: 'Mail,email\nold@example.com,new@example.com\n',
      markdown: 'Hello',
      fields: { subject: 'Hello' },
    });
    const json = JSON.parse((await runInProcess(['campaign', 'validate', campaign.file, '--json'])).stdout);
    expect(json).toMatchObject({ recipients: 1, email_column: 'email' });
  });

  test('an email_column written in the campaign is taken as it is: no other column is guessed', async () => {
    const campaign = await writeCampaign({ fields: { email_column: 'email' }, csv: 'Email,name\nann@example.com,Ann\n' });
    const { code, stderr } = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(code).toBe(2);
    expect(stderr).toContain('no "email" column (found: Email, name)');
  });

  test('a list with none of the usual names is refused with the columns it has', async () => {
    const campaign = await writeCampaign({ csv: 'address,name\nann@example.com,Ann\n' });
    const { code, stderr } = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(code).toBe(2);
    expect(stderr).toContain('no "email" column (found: address, name); rename the address column or set email_column');
  });

  test("Excel's rows of empty fields are passed over and counted as blank, not listed as invalid addresses", async () => {
    const csv = 'Name;E-mail Address;City\r\nAnn;ann@example.com;Oslo\r\n;;\r\n ; ;\r\nBob;bob@example.com;Rome\r\n;;\r\nCy;nope;Lima\r\n';
    const campaign = await writeCampaign({ csv, markdown: 'Hello', fields: { subject: 'Hello' } });
    const text = await runInProcess(['campaign', 'validate', campaign.file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('OK — 2 recipient(s) to send (addresses from column "E-mail Address", 3 blank row(s) passed over)');
    expect(text.stdout).toContain('1 row(s) will be skipped (1 invalid address):\n  line 7: invalid address "nope"\n');
    const json = JSON.parse((await runInProcess(['campaign', 'validate', campaign.file, '--json'])).stdout);
    expect(json).toMatchObject({ recipients: 2, blank: 3, skipped: 1, skipped_by_reason: { invalid_address: 1 } });
    const send = await runInProcess(['campaign', 'send', campaign.file]);
    expect(send.code).toBe(0);
    expect(await readdir(campaign.outbox)).toHaveLength(2);
  });
});
