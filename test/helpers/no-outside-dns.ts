// Every test and every CLI it starts looks names up at a closed port on loopback unless the test starts its own DNS
// server: the deliverability check before a first real send must never reach the machine's resolver from a test.
process.env.MAILSHOT_DNS_SERVER ??= '127.0.0.1:9';
