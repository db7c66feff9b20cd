import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { InDoubtPolicy, RunResult } from '../delivery/run.js';
import { ExitCode, StopError } from '../errors.js';
import type { RunNotice } from '../system/notify.js';
import { limitOptions, limitsFrom, notice, oneOf, warn, wholeNumber, type LimitFlags } from './options.js';

// Implementations load inside the actions, so that `--help` and light commands start fast.

interface RunFlags extends LimitFlags {
  at?: string;
  spread?: string;
  wait?: boolean;
  notifyCommand?: string;
  via?: string;
  limit?: number;
  state?: string;
  json?: boolean;
  yes?: boolean;
  inDoubt: InDoubtPolicy;
}

export function registerCampaign(program: Command): void {
  const campaign = program.command('campaign').description('check, preview, send and follow a campaign');

  campaign
    .command('validate')
    .description('check the campaign file, templates and every recipient row; sends nothing')
    .argument('<file>', 'campaign YAML file')
    .option('--via <account>', "also check the messages against this account's size limit (default: the campaign's via)")
    .action(async (file: string, flags: { via?: string }) => {
      const [{ prepareCampaign, scanRecipients }, { rejectReasonText }] = await Promise.all([
        import('../campaign/prepare.js'),
        import('../campaign/recipients.js'),
      ]);
      const prepared = await prepareCampaign(file);
      // Account and time-zone code load only when the campaign needs them: validate of a huge list runs close to its memory budget.
      const via = flags.via ?? prepared.definition.via;
      const sizeLimit = via ? await (await import('../accounts/connect.js')).sizeLimitOfAccount(via) : undefined;
      prepared.layout.warnings.forEach(warn);
      const rejectedLines: string[] = [];
      const schedule = prepared.definition.deliver_at_local ? new (await import('../delivery/schedule.js')).DeliverySchedule(prepared.definition, Date.now(), warn) : undefined;
      const scan = await scanRecipients(prepared, {
        onRejected: (row) => {
          if (rejectedLines.length < 20) rejectedLines.push(`  line ${row.line}: ${rejectReasonText[row.reason]} ${JSON.stringify(row.value)}`); // escaped: a CSV cell may hold line breaks or terminal escapes
        },
        onRecipient: schedule && ((recipient) => void schedule.dueAt(recipient)), // warns once per unknown time zone
        sizeLimit,
      });
      const reasons = (Object.entries(scan.rejected) as [keyof typeof rejectReasonText, number][]).filter(([, count]) => count > 0);
      const rejected = reasons.reduce((total, [, count]) => total + count, 0);
      const out = [`${file}: OK — ${scan.recipients} recipient(s) to send`];
      if (rejected) {
        out.push(`${rejected} row(s) will be skipped (${reasons.map(([reason, count]) => `${count} ${rejectReasonText[reason]}`).join(', ')}):`, ...rejectedLines);
        if (rejected > rejectedLines.length) out.push(`  … and ${rejected - rejectedLines.length} more`);
      }
      process.stdout.write(out.join('\n') + '\n');
    });

  campaign
    .command('preview')
    .description("print one recipient's rendered message")
    .argument('<file>', 'campaign YAML file')
    .option('--row <n>', 'data row of the CSV (1 = first recipient)', wholeNumber(1), 1)
    .option('--raw', 'print the complete MIME message instead')
    .action(async (file: string, flags: { row: number; raw?: boolean }) => {
      const { previewRow } = await import('../campaign/preview.js');
      const { parts, message, recipient } = await previewRow(file, flags.row);
      if (flags.raw) {
        process.stdout.write(message.raw);
        return;
      }
      const headers = [
        `To: ${(parts.toName || recipient.name) ? `${parts.toName || recipient.name} <${message.to}>` : message.to}`,
        `Subject: ${parts.subject}`,
        ...Object.entries(parts.headers).map(([name, value]) => `${name}: ${value}`),
        ...(parts.listUnsubscribe.url || parts.listUnsubscribe.mailto
          ? [`List-Unsubscribe: ${[parts.listUnsubscribe.url, parts.listUnsubscribe.mailto].filter(Boolean).join(', ')}`]
          : []),
        ...(parts.attachments.length ? [`Attachments: ${parts.attachments.join(', ')}`] : []),
      ];
      const body = [`--- text ---`, parts.text.trimEnd(), ...(parts.html ? ['--- html ---', parts.html.trimEnd()] : [])];
      process.stdout.write([...headers, '', ...body].join('\n') + '\n');
    });

  const runOptions = (command: Command) =>
    limitOptions(command)
      .argument('<file>', 'campaign YAML file')
      .option('--via <account>', 'send through this account (default: the campaign\'s "via", else the outbox)')
      .option('--limit <n>', 'hand at most N messages to the server in this run', wholeNumber(0))
      .option('--state <dir>', 'state folder (default: .mailshot/<campaign file name>/ beside the campaign file)')
      .option('--in-doubt <policy>', 'recipients whose outcome was not recorded: resend or skip', oneOf(['resend', 'skip'] as const), 'resend')
      .option('--wait', 'when nothing is due yet (a schedule, a pause), wait in the foreground instead of exiting 75')
      .option('--notify-command <cmd>', 'run this shell command when the run ends (MAILSHOT_EVENT, MAILSHOT_CAMPAIGN, MAILSHOT_SENT … in its environment)')
      .option('--json', 'one JSON event per line on stdout');

  runOptions(campaign.command('send').description('send the campaign (continues it if it was started before)'))
    .option('--at <time>', 'start later: an ISO time or e.g. "tomorrow 09:00"; then run `resume` from cron, or add --wait')
    .option('--spread <duration>', 'space the deliveries evenly over this long, e.g. 6h, 90m or 2d (the account\'s rate still applies)')
    .option('--yes', 'do not ask before a first real send (no question is asked without a terminal)')
    .action(
    async (file: string, flags: RunFlags) => exitWith(await run(file, flags, false)),
  );
  runOptions(campaign.command('resume').description('continue a paused or interrupted campaign (safe from cron)')).action(
    async (file: string, flags: RunFlags) => exitWith(await run(file, flags, true)),
  );

  campaign
    .command('test')
    .description("send one row's message, marked [TEST], to the given addresses only; no campaign recipient gets it")
    .argument('<file>', 'campaign YAML file')
    .requiredOption('--to <addresses>', 'comma-separated addresses to send the test to')
    .option('--row <n>', 'data row of the CSV whose message to send (1 = first recipient)', wholeNumber(1), 1)
    .option('--via <account>', 'send through this account (default: the campaign\'s "via", else the outbox)')
    .action(async (file: string, flags: { to: string; row: number; via?: string }) => {
      const { sendTest } = await import('../delivery/test-send.js');
      const result = await sendTest({ campaignFile: file, to: flags.to.split(','), row: flags.row, via: flags.via });
      for (const { to, reply } of result.sent) notice(`test message sent to ${to} through "${result.via}": ${reply}`);
    });

  campaign
    .command('reset')
    .description('move the campaign\'s state folder aside (kept, never deleted) so that it can be sent again from the start')
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .action(async (file: string, flags: { state?: string }) => {
      const { resetCampaign } = await import('../delivery/reset.js');
      const kept = await resetCampaign(file, flags.state);
      notice(`the campaign's state is kept in ${kept}; the next \`mailshot campaign send ${file}\` starts from the first recipient`);
    });

  campaign
    .command('cron')
    .description('print a crontab line that resumes the campaign every few minutes')
    .argument('<file>', 'campaign YAML file')
    .option('--every <minutes>', 'how often, in minutes', wholeNumber(1), 5)
    .option('--state <dir>', 'state folder')
    .action(async (file: string, flags: { every: number; state?: string }) => {
      const [{ cronLine }, { statePaths }] = await Promise.all([import('../system/cron.js'), import('../store/state.js')]);
      const paths = statePaths(path.resolve(file), flags.state);
      process.stdout.write(cronLine({ campaignFile: path.resolve(file), stateDir: flags.state && paths.dir, log: path.join(paths.dir, 'cron.log'), everyMinutes: flags.every }) + '\n');
    });

  campaign
    .command('status')
    .description('where a campaign stands')
    .argument('<file>', 'campaign YAML file')
    .option('--state <dir>', 'state folder')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: { state?: string; json?: boolean }) => {
      const [{ summarise }, { formatTable }, { accountStanding, defaultMaxConcurrent }] = await Promise.all([
        import('../report/summary.js'),
        import('../report/table.js'),
        import('../accounts/limits.js'),
      ]);
      const summary = await summarise(file, flags.state, warn, 'in_doubt');
      const account = await accountStanding(summary.via);
      if (flags.json) {
        const { recipients: _omitted, ...status } = summary;
        process.stdout.write(JSON.stringify({ ...status, account }, null, 2) + '\n');
        return;
      }
      process.stdout.write(formatTable(summary));
      if (account) {
        const { maxConcurrent, rate, dailyLimit } = account.limits;
        process.stdout.write(
          `Account     ${summary.via}: ${account.sent_last_24h} sent in the last 24 h` +
            `${dailyLimit ? ` of ${dailyLimit} allowed` : ''}; at most ${maxConcurrent ?? defaultMaxConcurrent} at once${rate ? `, ${rate}` : ''}\n`,
        );
      }
    });
}

async function run(file: string, flags: RunFlags, resume: boolean): Promise<RunResult> {
  const [{ runCampaign }, { progressView }, when, { keepAwake }, { notifyRunEnd }, { confirmSend }] = await Promise.all([
    import('../delivery/run.js'),
    import('./progress.js'),
    flags.at !== undefined || flags.spread !== undefined ? import('../delivery/when.js') : undefined, // chrono-node is slow to load
    import('../system/keep-awake.js'),
    import('../system/notify.js'),
    import('./confirm.js'),
  ]);
  let at = flags.at === undefined ? undefined : when!.parseAt(flags.at, new Date());
  let spreadMs = flags.spread === undefined ? undefined : when!.parseSpread(flags.spread);
  const controller = new AbortController();
  const view = progressView(Boolean(flags.json));
  let stoppingSince: number | undefined;
  const interrupt = () => {
    if (stoppingSince !== undefined) {
      // conf's exit hook (when-exit) raises the signal it saw once more: that echo, a moment after
      // the first, is not the person asking a second time.
      if (Date.now() - stoppingSince < 1000) return;
      process.exit(130);
    }
    stoppingSince = Date.now();
    notice('stopping: finishing messages in flight (press Ctrl-C again to quit at once)');
    controller.abort();
  };
  const notify = (event: RunNotice['event'], reason: string, counts: RunResult['counts']) =>
    notifyRunEnd({ event, campaign: path.basename(file), file: path.resolve(file), reason, counts }, { command: flags.notifyCommand });
  process.on('SIGINT', interrupt).on('SIGTERM', interrupt);
  try {
    for (;;) {
      const letSleep = at ? () => undefined : keepAwake(`sending ${path.basename(file)}`);
      let result: RunResult;
      try {
        result = await runCampaign({
          campaignFile: file,
          stateDir: flags.state,
          via: flags.via,
          limit: flags.limit,
          inDoubt: flags.inDoubt,
          limits: limitsFrom(flags),
          at,
          spreadMs,
          resume,
          confirm: flags.yes || !process.stdin.isTTY || !process.stderr.isTTY ? undefined : (plan) => confirmSend(plan),
          signal: controller.signal,
          onEvent: (event) => view.onEvent(event),
          warn,
        });
      } catch (error) {
        if (error instanceof StopError) notify('stopped', error.message, { sent: 0, failed: 0, deferred: 0, skipped: 0 });
        throw error;
      } finally {
        letSleep();
      }
      if (flags.wait && result.until && !controller.signal.aborted) {
        notice(`waiting until ${result.until} (${result.reason.split(';')[0]}); Ctrl-C stops, \`resume\` continues later`);
        await sleep(Math.max(0, Date.parse(result.until) - Date.now()), undefined, { signal: controller.signal }).catch(() => undefined);
        if (!controller.signal.aborted) {
          [at, spreadMs, resume] = [undefined, undefined, true];
          continue;
        }
      }
      if (!result.idle && result.status !== 'scheduled') notify(result.status, result.reason, result.counts);
      return result;
    }
  } finally {
    view.close();
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
  }
}

function exitWith(result: RunResult): void {
  const { counts } = result;
  const tally = `sent ${counts.sent}, failed ${counts.failed}, deferred ${counts.deferred}, skipped ${counts.skipped}`;
  if (result.status !== 'done') process.exitCode = ExitCode.later;
  // From cron, a run with nothing to do says nothing: the exit code tells.
  if (result.idle && !process.stderr.isTTY) return;
  if (result.status === 'done') {
    notice(result.idle ? result.reason : `done: ${tally}`);
  } else if (result.idle || result.status === 'scheduled') {
    notice(result.reason);
  } else {
    notice(`paused: ${result.reason} (this run: ${tally}). Run \`mailshot campaign resume\` to continue.`);
  }
  if (process.stderr.isTTY) process.stderr.write('\x07');
}
