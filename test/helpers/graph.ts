/** The environment that points mailshot at the local Graph simulator (test/servers/graph.ts), over its own HTTPS certificate. */
import { runCli, type CliResult } from './cli.js';
import { certificateFile, fileSecretsEnv, type Env } from './smtp.js';
import { testClientId, type GraphTestServer } from '../servers/graph.js';

/** A private config folder with file secrets, the simulator's certificate trusted, and its identity and Graph addresses. */
export async function graphEnv(graph: GraphTestServer): Promise<Env & { MAILSHOT_CONFIG_DIR: string }> {
  return {
    ...(await fileSecretsEnv()),
    NODE_EXTRA_CA_CERTS: await certificateFile(graph),
    MAILSHOT_MS_AUTHORITY: graph.authority,
    MAILSHOT_GRAPH_API_URL: graph.graphUrl,
  };
}

/** graphEnv, then `accounts add microsoft NAME --client-id … --device-code ARGS` in it; the test checks `linked.code`. */
export async function linkMicrosoft(
  graph: GraphTestServer,
  name: string,
  args: string[] = [],
): Promise<{ env: Env & { MAILSHOT_CONFIG_DIR: string }; linked: CliResult }> {
  const env = await graphEnv(graph);
  const linked = await runCli(['accounts', 'add', 'microsoft', name, '--client-id', testClientId, '--device-code', ...args], { env });
  return { env, linked };
}
