import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { recipientsCsv, repoRoot, runCli, tempDir, writeCampaign, type CampaignFixture } from './helpers/cli.js';
import { pngOf } from './helpers/png.js';
import { addAccount, fileSecretsEnv, until } from './helpers/smtp.js';
import { reportJson } from './helpers/report.js';
import { writeJournal } from './helpers/journal.js';
import { runInProcess } from './helpers/in-process.js';
import { startSmtpServer } from './servers/smtp.js';

const chromiumPath = process.env.MAILSHOT_TEST_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'test-artifacts');
/** Fixed zone so the screenshot's axis labels do not depend on the machine. */
const env = { TZ: 'UTC' };

// CI (.ci/run installs chromium) must run these; a developer's machine without it is told, not failed.
const haveBrowser = existsSync(chromiumPath);
const missingBrowser = `the HTML report is tested in a real browser, and there is no chromium at ${chromiumPath}: install it with \`apt-get install chromium\` (.ci/run does so), or point MAILSHOT_TEST_CHROMIUM at a Chromium binary`;
if (!haveBrowser && !process.env.CI) console.warn(`skipping the browser tests: ${missingBrowser}`);
const describeInBrowser = haveBrowser || process.env.CI ? describe : describe.skip;

let browser: Browser;
beforeAll(async () => {
  if (!haveBrowser && !process.env.CI) return;
  if (!haveBrowser) throw new Error(missingBrowser);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
});

interface OpenedReport {
  page: Page;
  /** Every request the page made, the file itself included. */
  requests: string[];
  problems: string[];
}

async function openReport(file: string): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(pathToFileURL(file).href);
  return { page, requests, problems };
}

async function totalOf(page: Page, key: string): Promise<number> {
  return Number((await page.locator(`[data-total="${key}"]`).innerText()).replace(/\D/g, ''));
}

/** A state folder written by hand in the journal's documented format. */
async function handWrittenState(campaign: CampaignFixture, events: object[], recipients: number, status: string): Promise<void> {
  await mkdir(campaign.stateDir, { recursive: true });
  const now = new Date().toISOString();
  const state = {
    version: 1,
    campaignId: 'report-test',
    campaignFile: campaign.file,
    via: 'outbox',
    status,
    recipients,
    createdAt: now,
    updatedAt: now,
  };
  await writeFile(path.join(campaign.stateDir, 'state.json'), JSON.stringify(state));
  await writeJournal(campaign.stateDir, events);
}

const start = Date.UTC(2026, 2, 3, 9, 0, 0);
const at = (minutes: number, seconds = 0) => start + minutes * 60_000 + seconds * 1000;
const scriptReply = '550 5.1.1 <script>window.__pwned = 1</script> no such user';
const scriptAddress = 'x<script>window.__pwned=2</script>@example.com';

/**
 * Two runs: 09:00–09:03 with a slow-down and a speed-up, paused, then resumed at 10:30 (an idle stretch
 * the chart draws as a break). Outcomes fall in 6 distinct minutes.
 */
function journal(): object[] {
  const sent = (to: string, time: number, reply = '250 2.0.0 OK queued') => [
    { ev: 'attempt', to, at: time - 200 },
    { ev: 'sent', to, at: time, reply },
  ];
  return [
    { ev: 'run', at: at(0, 1), what: 'start', via: 'outbox' },
    { ev: 'skipped', at: at(0, 1), reason: 'invalid_address', line: 7, value: 'not-an-address' },
    { ev: 'skipped', at: at(0, 1), reason: 'duplicate', line: 9, value: 'R0@example.com' },
    ...[0, 1, 2, 3].flatMap((index) => sent(`r${index}@example.com`, at(0, 10 + index * 10))),
    { ev: 'limits', at: at(1, 5), concurrency: 2, rate: '30/min', why: 'throttled: 421 4.7.0 Too many connections' },
    ...[4, 5].flatMap((index) => sent(`r${index}@example.com`, at(1, 10 + index))),
    { ev: 'attempt', to: 'r6@example.com', at: at(1, 30) },
    { ev: 'deferred', to: 'r6@example.com', at: at(1, 31), kind: 'transient', code: '451', text: '451 4.3.0 try again later' },
    ...[7, 8, 9].flatMap((index) => sent(`r${index}@example.com`, at(2, index))),
    { ev: 'attempt', to: 'bad1@example.com', at: at(2, 20) },
    { ev: 'failed', to: 'bad1@example.com', at: at(2, 21), kind: 'permanent', code: '550', text: scriptReply },
    {
      ev: 'failed',
      to: 'bad2@example.com',
      at: at(2, 30),
      kind: 'template',
      text: 'the message for bad2@example.com is 30 MB, over the server limit of 25 MB',
    },
    ...sent('r6@example.com', at(3, 2)),
    { ev: 'attempt', to: 'bad3@example.com', at: at(3, 10) },
    {
      ev: 'failed',
      to: 'bad3@example.com',
      at: at(3, 11),
      kind: 'permanent',
      code: '550',
      text: '550 5.1.1 The email account that you tried to reach does not exist',
    },
    { ev: 'limits', at: at(3, 30), concurrency: 3, rate: '32/min', why: '20 messages accepted in a row' },
    { ev: 'run', at: at(3, 50), what: 'end', status: 'paused' },
    { ev: 'run', at: at(90, 5), what: 'start', via: 'outbox' },
    ...sent(scriptAddress, at(90, 10), '250 <img src="https://tracker.example/pixel.gif"> OK'),
    ...[10, 11].flatMap((index) => sent(`r${index}@example.com`, at(90, 20 + index))),
    ...[12, 13].flatMap((index) => sent(`r${index}@example.com`, at(91, index))),
    { ev: 'attempt', to: 'later@example.com', at: at(91, 20) },
    { ev: 'deferred', to: 'later@example.com', at: at(91, 21), kind: 'transient', code: '421', text: '421 4.4.2 connection dropped' },
    { ev: 'attempt', to: 'doubt@example.com', at: at(91, 30) },
    { ev: 'run', at: at(91, 40), what: 'end', status: 'done' },
  ];
}

describeInBrowser('report --format html', () => {
  test('writes one self-contained page: totals, a chart with a bar per minute and a marker per limit change and pause, failures by reason, every recipient', async () => {
    const campaign = await writeCampaign();
    // 15 sent, 3 failed, 1 deferred, 1 in doubt: 20 valid recipients; 2 CSV rows skipped.
    await handWrittenState(campaign, journal(), 20, 'done');

    const result = await runInProcess(['report', campaign.file, '--format', 'html'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const file = path.join(campaign.stateDir, 'report.html');
    expect(result.stdout).toBe(file + '\n');
    const source = await readFile(file, 'utf8');
    expect(source).not.toContain('<script');
    expect(source).not.toMatch(/(?:src|href)="(?!#)/); // nothing to fetch, not even a relative file

    const { page, requests, problems } = await openReport(file);
    expect(await totalOf(page, 'sent')).toBe(15);
    expect(await totalOf(page, 'failed')).toBe(3);
    expect(await totalOf(page, 'pending')).toBe(1);
    expect(await totalOf(page, 'in_doubt')).toBe(1);
    expect(await totalOf(page, 'skipped')).toBe(2);
    expect(await totalOf(page, 'recipients')).toBe(20);
    expect(await page.locator('header .status').innerText()).toMatch(/^Done/);

    const chart = page.locator('svg.chart');
    expect(await chart.isVisible()).toBe(true);
    expect(await chart.locator('g.bar').count()).toBe(6);
    expect(await chart.locator('g.bar rect.failed').count()).toBe(2); // minutes 09:02 and 09:03
    expect(await chart.locator('g.bar rect.deferred').count()).toBe(2); // minutes 09:01 and 10:31
    expect(await chart.locator('g.break').count()).toBe(1);
    expect(await chart.locator('g.marker').count()).toBe(3);
    expect(await chart.locator('g.marker-limits').count()).toBe(2);
    expect(await chart.locator('g.marker-paused').count()).toBe(1);
    expect(await chart.locator('g.marker text').allTextContents()).toEqual(['1', '2', '3']);
    const events = await page.locator('ol.events li').allInnerTexts();
    expect(events).toHaveLength(3);
    expect(events[0]).toMatch(/2 at once, 30\/min[\s\S]*421 4\.7\.0 Too many connections/);
    expect(events[1]).toMatch(/3 at once, 32\/min/);
    expect(events[2]).toMatch(/paused[\s\S]*resumed 1 h 26 min later/);
    // the bars' heights follow the counts: 09:00 had 4 sent, 09:01 had 2
    const heights = await chart.locator('g.bar rect.sent').evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute('height'))));
    expect(heights[0] / heights[1]).toBeCloseTo(2, 1);

    expect(await page.locator('.reason[data-reason="permanent"] .reason-count').innerText()).toBe('2');
    expect(await page.locator('.reason[data-reason="template"] .reason-count').innerText()).toBe('1');
    expect(await page.locator('.reason[data-reason="permanent"] li').allInnerTexts()).toEqual([
      expect.stringContaining('bad1@example.com'),
      expect.stringContaining('bad3@example.com'),
    ]);
    expect(await page.locator('.skipped').innerText()).toMatch(/invalid address 1[\s\S]*duplicate 1/);

    const rows = page.locator('section.recipients tbody tr');
    expect(await rows.count()).toBe(22);
    expect(await page.locator('tbody tr[data-status="sent"]').count()).toBe(15);
    expect(await page.locator('tbody tr[data-status="failed"]').count()).toBe(3);
    expect(await page.locator('tbody tr[data-status="in_doubt"]').innerText()).toContain('doubt@example.com');
    expect(await page.locator('tbody tr[data-status="skipped"]').allInnerTexts()).toEqual([
      expect.stringMatching(/not-an-address line 7/),
      expect.stringMatching(/R0@example\.com line 9/),
    ]);

    // what came from the journal is text, never markup
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('body').innerText()).toContain(scriptReply);
    expect(await page.locator('td.address', { hasText: scriptAddress }).count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);

    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'report.png'), fullPage: true });
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
    await page.close();
  });

  test('after a real run that the server slowed down: a marker per recorded limit change, a bar per minute, every recipient sent', async () => {
    const smtp = await startSmtpServer({ maxConnections: 2, rateLimit: { max: 15, windowMs: 1000 }, delayMs: 20 });
    try {
      const config = await fileSecretsEnv();
      await addAccount(config, 'limited', smtp, { args: ['--max-concurrent', '8'] });
      const campaign = await writeCampaign({ csv: recipientsCsv(40), fields: { via: 'limited' } });
      const sent = await runCli(['campaign', 'send', campaign.file], { env: { ...config, ...env } });
      expect(sent.stderr).toContain('done: sent 40');

      const json = await reportJson(campaign.file, [], { env: config });
      expect(json.limit_changes.length).toBeGreaterThan(0);
      const output = path.join(await tempDir(), 'throttled.html');
      const result = await runInProcess(['report', campaign.file, '--format', 'html', '--output', output], { env: { ...config, ...env } });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(output + '\n');

      const { page, requests } = await openReport(output);
      expect(await totalOf(page, 'sent')).toBe(40);
      expect(await page.locator('svg.chart g.bar').count()).toBe(json.per_minute.length);
      expect(await page.locator('svg.chart g.marker').count()).toBe(json.limit_changes.length);
      expect(await page.locator('ol.events li').count()).toBe(json.limit_changes.length);
      expect(await page.locator('section.recipients tbody tr[data-status="sent"]').count()).toBe(40);
      expect(await page.locator('.failures .empty').innerText()).toBe('No recipient failed.');
      expect(requests).toEqual([pathToFileURL(output).href]);
      await page.close();
    } finally {
      await smtp.close();
    }
  }, 90_000);

  test('a very large campaign: the table stops at 5,000 rows and says so', async () => {
    const campaign = await writeCampaign();
    const count = 5003;
    const events = [
      { ev: 'run', at: at(0), what: 'start', via: 'outbox' },
      ...Array.from({ length: count }, (_, index) => ({
        ev: 'sent',
        to: `r${index}@example.com`,
        at: at(0) + index * 50,
        reply: '250 OK',
      })),
      { ev: 'run', at: at(0) + count * 50, what: 'end', status: 'done' },
    ];
    await handWrittenState(campaign, events, count, 'done');
    const result = await runInProcess(['report', campaign.file, '--format', 'html'], { env });
    expect(result.code).toBe(0);

    const { page } = await openReport(result.stdout.trim());
    expect(await totalOf(page, 'sent')).toBe(count);
    expect(await page.locator('section.recipients tbody tr').count()).toBe(5000);
    expect(await page.locator('.cap-note').innerText()).toMatch(/first 5,?000 of 5,?003/);
    expect(await page.locator('svg.chart g.bar').count()).toBe(5); // 5,003 × 50 ms = 4 min 10 s: five clock minutes
    await page.close();
  });

  (process.platform === 'linux' ? test : test.skip)(
    '--open hands the page to the browser named by $BROWSER (xdg-open, no desktop)',
    async () => {
      const campaign = await writeCampaign();
      await handWrittenState(campaign, journal(), 20, 'done');
      const { opened, env: browserEnv } = await fakeBrowser();
      const result = await runCli(['report', campaign.file, '--format', 'html', '--open'], { env: browserEnv });
      expect(result.code).toBe(0);
      const file = result.stdout.trim();
      expect(await until(() => existsSync(opened), 5000)).toBe(true);
      expect(await readFile(opened, 'utf8')).toBe(file);
    },
  );

  (process.platform === 'linux' ? test : test.skip)(
    'campaign preview --open: the browser named by $BROWSER gets a page with the inline image rendered',
    async () => {
      const campaign = await writeCampaign({
        markdown:
          'Hi **{{ name }}**,\n\n![Logo](logo.png)\n\n<div style="width:20px;height:20px;background-image:url(logo.png)" class="banner"></div>\n',
        files: { 'logo.png': pngOf(200, 30, 30) },
      });
      const { opened, env: browserEnv } = await fakeBrowser();
      const result = await runCli(['campaign', 'preview', campaign.file, '--open'], { env: browserEnv });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const page = result.stdout.trim();
      expect(await until(() => existsSync(opened), 5000)).toBe(true);
      expect(await readFile(opened, 'utf8')).toBe(page);
      expect(await readFile(page, 'utf8')).not.toContain('cid:');

      const { page: tab, requests, problems } = await openReport(page);
      expect(await tab.locator('strong').innerText()).toBe('Ann');
      const image = tab.locator('img[alt="Logo"]');
      expect(
        await image.evaluate((element) => {
          const picture = element as unknown as { complete: boolean; naturalWidth: number };
          return [picture.complete, picture.naturalWidth];
        }),
      ).toEqual([true, 1]);
      // the pixel the browser drew is the PNG's red, for the <img> and the CSS background alike (run in the page)
      const drawn = await tab.evaluate(`(async () => {
      const pixelOf = async (source) => {
        const picture = new Image();
        picture.src = source;
        await picture.decode();
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 1;
        const context = canvas.getContext('2d');
        context.drawImage(picture, 0, 0);
        return Array.from(context.getImageData(0, 0, 1, 1).data);
      };
      const background = getComputedStyle(document.querySelector('.banner')).backgroundImage.replace(/^url\\("?|"?\\)$/g, '');
      return [await pixelOf(document.querySelector('img').src), await pixelOf(background)];
    })()`);
      expect(drawn).toEqual([
        [200, 30, 30, 255],
        [200, 30, 30, 255],
      ]);
      await mkdir(artifacts, { recursive: true });
      await tab.screenshot({ path: path.join(artifacts, 'preview.png') });
      expect(requests.filter((url) => !url.startsWith('data:'))).toEqual([pathToFileURL(page).href]);
      expect(problems).toEqual([]);
      await tab.close();
    },
  );

  test('bad usage: --open without --format html, an --output folder that does not exist', async () => {
    const campaign = await writeCampaign();
    await handWrittenState(campaign, journal(), 20, 'done');
    const withoutHtml = await runCli(['report', campaign.file, '--open']);
    expect(withoutHtml.code).toBe(2);
    expect(withoutHtml.stderr).toContain('--open goes with --format html');
    const nowhere = path.join(campaign.dir, 'missing', 'report.html');
    const unwritable = await runInProcess(['report', campaign.file, '--format', 'html', '--output', nowhere]);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain(`cannot write the report to ${nowhere}`);
    expect(unwritable.stdout).toBe('');
  });

  test('the campaign name is the title; addresses and codes never break mid-word in a narrow window; each code once', async () => {
    const campaign = await writeCampaign();
    const longAddress = 'firstname.middlename.lastname.department@subdomain.example-company.com';
    await handWrittenState(
      campaign,
      [
        { ev: 'run', at: at(0), what: 'start', via: 'outbox', name: 'Spring newsletter' },
        { ev: 'attempt', to: longAddress, at: at(0, 1), line: 2 },
        {
          ev: 'failed',
          to: longAddress,
          at: at(0, 2),
          kind: 'permanent',
          code: '550 5.1.1',
          text: '550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
        },
        { ev: 'run', at: at(0, 3), what: 'end', status: 'done' },
      ],
      1,
      'done',
    );
    const result = await runInProcess(['report', campaign.file, '--format', 'html'], { env });
    expect(result.code).toBe(0);
    const page = await browser.newPage({ viewport: { width: 480, height: 800 } });
    await page.goto(pathToFileURL(result.stdout.trim()).href);
    expect(await page.title()).toBe('Spring newsletter — mailshot report');
    expect(await page.locator('h1').innerText()).toBe('Spring newsletter');
    const lineBoxes = (selector: string) =>
      // The distinct tops of the text's boxes: one line, one top.
      page
        .locator(selector)
        .first()
        .evaluate((cell) => {
          interface Box {
            top: number;
          }
          const doc = (
            cell as unknown as {
              ownerDocument: { createRange(): { selectNodeContents(node: unknown): void; getClientRects(): Iterable<Box> } };
            }
          ).ownerDocument;
          const range = doc.createRange();
          range.selectNodeContents((cell as unknown as { firstChild: unknown }).firstChild);
          return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
        });
    expect(await lineBoxes('td.address')).toBe(1);
    expect(await lineBoxes('td.code')).toBe(1);
    expect(await page.locator('main').innerText()).not.toContain('550 5.1.1 550 5.1.1');
    expect(await page.locator('td.detail').first().innerText()).toBe(
      '<x@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
    );
  });
});

/** A "browser" that writes the address it was given to a file, and an environment with no desktop that names it in $BROWSER. */
async function fakeBrowser(): Promise<{ opened: string; env: Record<string, string | undefined> }> {
  const dir = await tempDir();
  const opened = path.join(dir, 'opened.txt');
  const browser = path.join(dir, 'browser.sh');
  await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
  await chmod(browser, 0o755);
  const noDesktop = [
    'DISPLAY',
    'WAYLAND_DISPLAY',
    'XDG_CURRENT_DESKTOP',
    'DESKTOP_SESSION',
    'KDE_FULL_SESSION',
    'GNOME_DESKTOP_SESSION_ID',
  ];
  return { opened, env: { ...Object.fromEntries(noDesktop.map((name) => [name, undefined])), BROWSER: browser } };
}
