/**
 * Test support (not a test): puts canisters on a devnet and records them the way `deploy` does,
 * through the services and packages directly, so read-only commands can be tested on their own.
 */
import { loadProjectConfig } from '../src/config/loader.js';
import { resolveEnvironment } from '../src/config/environments.js';
import { switchRoute } from '../src/services/routing.js';
import { Session } from '../src/services/session.js';

export interface SeedOptions {
  dataDir: string;
  configPath: string;
  environment: string;
  agent: string;
  wasm: string;
  /** Make it the live canister of its agent and environment. */
  live?: boolean;
}

export interface SeededCanister {
  canisterId: string;
  moduleSha256: string;
  version: number;
}

/** create → record → install → record the deployment (→ route). */
export async function seedCanister(options: SeedOptions): Promise<SeededCanister> {
  return withSession(options, async (session) => {
    const environment = resolveEnvironment(session.config!, options.environment);
    const client = await session.client(environment);
    const canisterId = await client.createCanister();
    session.store.canisters.record({
      canisterId,
      networkUrl: environment.networkUrl,
      environment: environment.name,
      agent: options.agent,
    });
    const artifact = session.store.artifacts.putFile(options.wasm);
    const deployment = session.store.deployments.begin({
      agent: options.agent,
      environment: environment.name,
      canisterId,
      moduleSha256: artifact.sha256,
      installMode: 'install',
    });
    await client.install({ canisterId, module: options.wasm, mode: 'install' });
    session.store.deployments.finish(deployment.id, { status: 'succeeded' });
    if (options.live)
      switchRoute(session, {
        agent: options.agent,
        environment: environment.name,
        canisterId,
        cause: 'deploy',
        principal: client.principal,
      });
    return { canisterId, moduleSha256: artifact.sha256, version: deployment.version };
  });
}

/** Changes a canister behind soulrecall's back (upgrade, stop…), e.g. to create drift. */
export async function onChain<T>(
  options: Pick<SeedOptions, 'dataDir' | 'configPath' | 'environment'>,
  action: (client: Awaited<ReturnType<Session['client']>>) => Promise<T>,
): Promise<T> {
  return withSession(options, async (session) =>
    action(await session.client(resolveEnvironment(session.config!, options.environment))),
  );
}

async function withSession<T>(
  options: { dataDir: string; configPath: string },
  body: (session: Session) => Promise<T>,
): Promise<T> {
  const session = new Session({
    config: loadProjectConfig({ configPath: options.configPath }),
    dataDir: options.dataDir,
  });
  try {
    return await body(session);
  } finally {
    session.close();
  }
}

export const AGENT_WASM_DIR = new URL('../../../examples/agent/dist/', import.meta.url).pathname;
export const WASM = {
  v1: `${AGENT_WASM_DIR}agent-v1.wasm`,
  v2: `${AGENT_WASM_DIR}agent-v2.wasm`,
  broken: `${AGENT_WASM_DIR}agent-broken.wasm`,
};

/**
 * A soulrecall.yaml for end-to-end tests: `local` and protected `staging` on the devnet, `dead`
 * on a closed port, agent `my-agent` (v1 module, health method) and `other` (no module).
 */
export function projectYaml(devnetUrl: string, deadUrl: string): string {
  return `pipeline: [local, staging]
environments:
  local: { network: "${devnetUrl}" }
  staging: { network: "${devnetUrl}", aliases: [stg], protected: true }
  dead: { network: "${deadUrl}" }
agents:
  my-agent: { wasm: "${WASM.v1}", health: { method: health } }
  other: {}
`;
}

/** A URL on 127.0.0.1 where nothing listens (a port that was free a moment ago). */
export async function closedPortUrl(): Promise<string> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
