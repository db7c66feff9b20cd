#!/usr/bin/env bash
# Runs one campaign through a real Postfix on 127.0.0.1 whose anvil limits throttle localhost,
# and prints what happened. Needs root and Postfix (apt-get install postfix); changes /etc/postfix/main.cf.
# Usage: bench/postfix-limits.sh [recipients]   (from the repository root, after npm run build)
set -euo pipefail
count=${1:-300}
command -v postconf >/dev/null || { echo "Postfix is not installed (apt-get install postfix)"; exit 1; }
postconf -e 'inet_interfaces = loopback-only' 'mydestination =' 'mynetworks = 127.0.0.0/8' \
  'default_transport = discard' 'relay_transport = discard' \
  'smtpd_client_connection_count_limit = 2' 'smtpd_client_message_rate_limit = 60' \
  'anvil_rate_time_unit = 20s' 'smtpd_client_event_limit_exceptions =' 'smtpd_tls_security_level = none'
postfix stop >/dev/null 2>&1 || true
postfix start
sleep 1

work=$(mktemp -d)
export MAILSHOT_CONFIG_DIR="$work/config" MAILSHOT_SECRET_STORE=file
{ echo "email,name"; for i in $(seq 1 "$count"); do echo "p$i@example.com,Person $i"; done; } > "$work/recipients.csv"
printf 'Hello **{{ name }}**\n' > "$work/body.md"
cat > "$work/campaign.yaml" <<YAML
name: Postfix limits
from: sender@example.com
subject: "Hi {{ name }}"
markdown: body.md
recipients: recipients.csv
YAML
node bin/mailshot.js accounts add smtp postfix --host 127.0.0.1 --port 25 --security none --max-concurrent 8
start=$(date +%s)
set +e
node bin/mailshot.js campaign send "$work/campaign.yaml" --via postfix
code=$?
set -e
echo "exit code $code after $(( $(date +%s) - start )) s"
node bin/mailshot.js report "$work/campaign.yaml" | head -40
echo "Postfix said:"
grep -hE 'too many connections|too much mail|Rate limit' /var/log/mail.log 2>/dev/null | tail -5 || true
