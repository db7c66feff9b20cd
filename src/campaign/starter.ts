/** The files `mailshot init` writes: a small campaign that `validate` passes and `send` delivers to the outbox. */
export const starterFiles: Record<string, string> = {
  'campaign.yaml': `# A mailshot campaign. Check it with:   mailshot campaign validate campaign.yaml
# See one message with:                mailshot campaign preview campaign.yaml
# Rehearse (writes .eml files only):   mailshot campaign send campaign.yaml
# Send for real through your account:  mailshot accounts add smtp NAME --service gmail --user … (or --host …), then set "via" below.

# Shown in reports and notifications.
name: My first campaign
# The sender, as "Name <address>" or just the address.
from: "Your Name <you@example.com>"
# Optional: where replies go.
# reply_to: "Your Name <you@example.com>"
# Merge tags {{ column }} take each recipient's value from recipients.csv.
subject: "Hello {{ first_name | default: 'there' }}"
# The display name in the To: header.
to_name: "{{ first_name }}"
# The message body (Markdown; the plain-text part is made from it). Or: html: body.html / text: body.txt
markdown: body.md
# One row per recipient; the first line names the columns.
recipients: recipients.csv
email_column: email
# The account to send through (mailshot accounts list). Without it, messages go to the outbox folder.
# via: work
# Optional: files to attach, relative to this folder.
# attachments:
#   - leaflet.pdf
`,
  'body.md': `Hello {{ first_name | default: "there" }},

this is a message from **my first campaign**. Every {% raw %}{{ column }}{% endraw %} tag is
replaced with the value from recipients.csv.

Best regards,
Your Name
`,
  'recipients.csv': `email,first_name
ann@example.com,Ann
bob@example.com,Bob
`,
};
