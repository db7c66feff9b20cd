import type { Command } from 'commander';

/** Examples shown at the end of each command's --help (and in the man page, which is built from the help). */
const examples: Record<string, string[]> = {
  'accounts add smtp': [
    'mailshot accounts add smtp gmail --service gmail --user you@gmail.com    # asks for the app password',
    'mailshot accounts add smtp work --host smtp.example.com --user me@example.com',
    'printf \'%s\\n\' "$PW" | mailshot accounts add smtp work --host smtp.example.com --user me --password-stdin',
    'mailshot accounts add smtp relay --host mail.example.com --port 465 --security tls --rate 30/min',
  ],
  'accounts add google': [
    'mailshot accounts add google gmail --client-id 1234.apps.googleusercontent.com',
    'mailshot accounts add google gmail --client-id ID --workspace --no-browser',
  ],
  'accounts add microsoft': [
    'mailshot accounts add microsoft office --client-id 00000000-0000-0000-0000-000000000000',
    'mailshot accounts add microsoft office --client-id ID --tenant organizations --device-code',
  ],
  'accounts add ses': ['AWS_PROFILE=mail mailshot accounts add ses ses --region eu-west-1'],
  'accounts set': [
    'mailshot accounts set work --rate 20/min --daily-limit 500',
    'printf \'%s\\n\' "$PW" | mailshot accounts set work --password-stdin',
  ],
  'accounts list': ['mailshot accounts list', 'mailshot accounts list --json'],
  'accounts test': ['mailshot accounts test work'],
  'accounts remove': ['mailshot accounts remove work'],
  'campaign validate': ['mailshot campaign validate campaign.yaml', 'mailshot campaign validate campaign.yaml --via work'],
  'campaign check': ['mailshot campaign check campaign.yaml --via work', 'mailshot campaign check campaign.yaml --via work --json'],
  'campaign preview': ['mailshot campaign preview campaign.yaml --row 3', 'mailshot campaign preview campaign.yaml --raw > message.eml'],
  'campaign send': [
    'mailshot campaign send campaign.yaml                 # rehearsal: .eml files in the outbox folder',
    'mailshot campaign send campaign.yaml --via work --rate 30/min',
    'mailshot campaign send campaign.yaml --via work --at "tomorrow 09:00" --wait',
  ],
  'campaign test': [
    'mailshot campaign test campaign.yaml --to me@example.com --via work',
    'mailshot campaign test campaign.yaml --to me@example.com,boss@example.com --row 5',
  ],
  'campaign reset': ['mailshot campaign reset campaign.yaml'],
  'campaign unlock': ['mailshot campaign unlock campaign.yaml      # after `campaign status` shows the lock is stale'],
  'campaign repair': ['mailshot campaign repair campaign.yaml && mailshot campaign resume campaign.yaml'],
  'campaign resume': ['mailshot campaign resume campaign.yaml', 'mailshot campaign resume campaign.yaml --in-doubt skip --json'],
  'campaign cron': ['(crontab -l; mailshot campaign cron campaign.yaml --every 10) | crontab -'],
  'campaign status': ['mailshot campaign status campaign.yaml', 'mailshot campaign status campaign.yaml --json'],
  'suppress list': ['mailshot suppress list --account work', 'mailshot suppress list --account work --json'],
  'suppress add': ['mailshot suppress add ann@example.com bob@example.com --account work --reason unsubscribed'],
  'suppress remove': ['mailshot suppress remove ann@example.com --account work'],
  'suppress import': ['mailshot suppress import unsubscribed.csv --account work          # a CSV with an email column'],
  'suppress export': ['mailshot suppress export --account work > suppressed.csv'],
  'bounces check': ['mailshot bounces check work', 'mailshot bounces check work --since 2026-11-01 --json'],
  report: [
    'mailshot report campaign.yaml --failed',
    'mailshot report campaign.yaml --format csv --output results.csv',
    'mailshot report campaign.yaml --format html --open',
  ],
};

/** Adds an "Examples:" section to every command listed above. */
export function addExamples(command: Command, path: string[] = []): void {
  for (const child of command.commands) {
    const childPath = [...path, child.name()];
    const lines = examples[childPath.join(' ')];
    if (lines) child.addHelpText('after', `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`);
    addExamples(child, childPath);
  }
}
