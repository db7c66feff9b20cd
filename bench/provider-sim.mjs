/**
 * A provider simulator of the tests (test/servers/gmail.ts or graph.ts) in a process of its own, for the
 * provider rate cases. Node 20 runs no TypeScript, so it is forked with the tests' SWC loader:
 *
 *   fork('bench/provider-sim.mjs', [JSON options], { execArgv: ['--import', test/servers/ts-loader.mjs URL] })
 *
 * Options: {"provider": "gmail" | "graph", "simulator": {…startGmailSimulator / startGraphServer options}}.
 * Over IPC it sends {type: 'ready', env, client?, clientId?, address?, certificate?} once it listens and
 * answers {cmd: 'stats'} with the send requests' outcomes in the shape of bench/smtp-sink.js's stats
 * (firstMailAt = first send request answered, admitTimes = accepted sends, rejectTimes = refused ones,
 * `refusals` by status and reason); {cmd: 'exit'} closes it. It exits when the parent goes.
 */
import http from 'node:http';

const { provider, simulator: simulatorOptions = {} } = JSON.parse(process.argv[2] ?? '{}');
if (!process.send || !['gmail', 'graph'].includes(provider))
  throw new Error('usage: forked with IPC and {"provider": "gmail" | "graph", …}');

const stats = { firstMailAt: undefined, lastAcceptAt: undefined, accepted: 0, rejected: 0, admitTimes: [], rejectTimes: [], refusals: {} };
const sendPath = provider === 'gmail' ? /\/gmail\/v1\/users\/[^/]+\/messages\/send$/ : /^\/v1\.0\/me\/sendMail$/;

// Every answer of the simulator goes through writeHead (https answers are http.ServerResponse too):
// record those to send requests, with the refusal reason from the simulator's JSON body.
const { writeHead, end } = http.ServerResponse.prototype;
http.ServerResponse.prototype.writeHead = function (status, ...rest) {
  if (sendPath.test(new URL(this.req.url, 'http://x').pathname)) {
    const now = Date.now();
    stats.firstMailAt ??= now;
    if (status < 300) {
      stats.accepted++;
      stats.lastAcceptAt = now;
      stats.admitTimes.push(now);
    } else {
      stats.rejected++;
      stats.rejectTimes.push(now);
      this.benchRefused = status;
    }
  }
  return writeHead.call(this, status, ...rest);
};
http.ServerResponse.prototype.end = function (body, ...rest) {
  if (this.benchRefused && body) {
    const error = JSON.parse(String(body)).error;
    const key = `${this.benchRefused} ${error.errors?.[0]?.reason ?? error.code}: ${error.message.replace(/\s+Retry after .*/, '')}`;
    stats.refusals[key] = (stats.refusals[key] ?? 0) + 1;
  }
  return end.call(this, body, ...rest);
};

let ready;
let close;
if (provider === 'gmail') {
  const { startGmailSimulator } = await import('../test/servers/gmail.ts');
  const google = await startGmailSimulator(simulatorOptions);
  ready = { env: google.env, client: google.client };
  close = () => google.close();
} else {
  const { startGraphServer, testClientId } = await import('../test/servers/graph.ts');
  const graph = await startGraphServer(simulatorOptions);
  ready = {
    env: { MAILSHOT_MS_AUTHORITY: graph.authority, MAILSHOT_GRAPH_API_URL: graph.graphUrl },
    clientId: testClientId,
    address: graph.address,
    certificate: graph.certificate,
  };
  close = () => graph.close();
}

const exit = () => void close().then(() => process.exit(0));
process.on('message', (message) => {
  if (message?.cmd === 'stats') process.send({ type: 'stats', ...stats });
  else if (message?.cmd === 'exit') exit();
});
process.on('disconnect', exit);
process.send({ type: 'ready', ...ready });
