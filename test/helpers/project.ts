/**
 * A soulrecall test project: a temp folder with a `soulrecall.yaml` whose environments each
 * point at their own real devnet, plus the sample agent and ways to talk to it.
 *
 * ```ts
 * const sandbox = new CliSandbox();
 * const pool = new DevnetPool();
 * const project = await createProject(sandbox, pool, { stages: ['local', 'staging', 'production'] });
 * const { canisterId } = await project.deploy('my-agent', 'local');      // v1, --json, asserted exit 0
 * const actor = await project.agent('local', canisterId);
 * await actor.remember('likes tea');
 * const promoted = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging']);
 * // after(): await pool.stopAll(); sandbox.cleanup();
 * ```
 *
 * Defaults: the last stage is `protected`, `production` (when present) has the alias `prod`,
 * agent `my-agent` runs `agent-v1.wasm` with `health: { method: health }`. Several projects may
 * share one sandbox (one SOULRECALL_HOME, one history store) under different folder names.
 */
import { Actor, HttpAgent } from '@dfinity/agent';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CanisterClient, IdentityStore, readWasmArtifact } from '@soulrecall/canister-client';
import type { Devnet } from '@soulrecall/devnet';
import type { HistoryStore } from '@soulrecall/history-store';
import type { CliResult, CliSandbox } from './cli.js';
import type { DevnetPool } from './devnet.js';
import { freePort } from './ports.js';
import { agentIdl, agentWasm, toolIdl, type AgentActor, type ToolActor } from './sample-agent.js';

export * from './sample-agent.js';

export interface ProjectOptions {
  /** Environment names in pipeline order; each gets its own devnet. Default local, staging, production. */
  stages?: string[];
  /** Protected environments. Default: the last stage. */
  protectedStages?: string[];
  /** Aliases per environment. Default: `production: [prod]` when there is a production stage. */
  aliases?: Record<string, string[]>;
  /** Extra agents besides `my-agent` (name → yaml object text, e.g. `{ wasm: x.wasm }`). */
  extraAgents?: Record<string, string>;
  /** Folder name inside the sandbox home. Default `project`. */
  name?: string;
  /** Extra environments whose network is this URL (e.g. a closed port for "unreachable"), not in the pipeline. */
  extraEnvironments?: Record<string, string>;
  /** The module `my-agent` names in soulrecall.yaml (relative to the project folder). Default: agent-v1.wasm. */
  agentWasm?: string;
  /** Leave soulrecall.yaml unwritten (a folder where the user runs `soulrecall init`). */
  withoutConfig?: boolean;
}

export interface TestProject {
  dir: string;
  configPath: string;
  sandbox: CliSandbox;
  /** The devnet behind each pipeline stage. */
  devnets: Record<string, Devnet>;
  /** Runs the binary in the project folder. */
  run(args: string[], options?: { env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult>;
  /** Runs with --json and parses stdout (fails loudly when stdout is not one JSON document). */
  json(args: string[], options?: { env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult & { json: any }>;
  /** `deploy <agent> -e <env> [-w wasm] --yes --json`; asserts success, returns the result. */
  deploy(agent: string, environment: string, wasm?: string): Promise<any>;
  /**
   * The sample agent in an environment, called like a user would (root key fetched, verification
   * on): anonymously, or `asController` with the sandbox's selected identity (the deployer).
   */
  agent(environment: string, canisterId: string, options?: { asController?: boolean }): Promise<AgentActor>;
  /** The sample tool canister in an environment, called anonymously. */
  tool(environment: string, canisterId: string): Promise<ToolActor>;
  /** A management client of an environment's devnet with the sandbox's selected identity (outside soulrecall). */
  client(environment: string): Promise<CanisterClient>;
  /** Opens the sandbox's history store; close it after use. */
  store(): HistoryStore;
  /** Same, closed after `read`. */
  withStore<T>(read: (store: HistoryStore) => T): T;
}

export async function createProject(
  sandbox: CliSandbox,
  pool: DevnetPool,
  options: ProjectOptions = {},
): Promise<TestProject> {
  const stages = options.stages ?? ['local', 'staging', 'production'];
  const protectedStages = options.protectedStages ?? [stages[stages.length - 1]!];
  const aliases = options.aliases ?? (stages.includes('production') ? { production: ['prod'] } : {});
  const devnets: Record<string, Devnet> = {};
  for (const stage of stages) devnets[stage] = await pool.start();

  const dir = join(sandbox.home, options.name ?? 'project');
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, 'soulrecall.yaml');
  const environmentLines = stages.map((stage) => {
    const parts = [`network: "${devnets[stage]!.url}"`];
    if (aliases[stage]?.length) parts.push(`aliases: [${aliases[stage]!.join(', ')}]`);
    if (protectedStages.includes(stage)) parts.push('protected: true');
    return `  ${stage}: { ${parts.join(', ')} }`;
  });
  for (const [name, url] of Object.entries(options.extraEnvironments ?? {}))
    environmentLines.push(`  ${name}: { network: "${url}" }`);
  const agentLines = [
    `  my-agent: { wasm: ${JSON.stringify(options.agentWasm ?? agentWasm.v1)}, health: { method: health } }`,
  ];
  for (const [name, yaml] of Object.entries(options.extraAgents ?? {})) agentLines.push(`  ${name}: ${yaml}`);
  if (!options.withoutConfig)
    writeFileSync(
      configPath,
      [`pipeline: [${stages.join(', ')}]`, 'environments:', ...environmentLines, 'agents:', ...agentLines, ''].join(
        '\n',
      ),
    );

  const run: TestProject['run'] = (args, runOptions = {}) => sandbox.run(args, { cwd: dir, ...runOptions });
  const json: TestProject['json'] = async (args, runOptions = {}) => {
    const result = await run([...args, '--json'], runOptions);
    try {
      return { ...result, json: JSON.parse(result.stdout) };
    } catch {
      throw new Error(
        `stdout is not one JSON document for \`${args.join(' ')}\` (exit ${result.exitCode}):\n${result.stdout}\n--- stderr:\n${result.stderr}`,
      );
    }
  };
  const store = () => sandbox.openStore(dir);
  return {
    dir,
    configPath,
    sandbox,
    devnets,
    run,
    json,
    async deploy(agent, environment, wasm) {
      const result = await json(['deploy', agent, '-e', environment, ...(wasm ? ['-w', wasm] : []), '--yes']);
      if (result.exitCode !== 0)
        throw new Error(
          `deploy ${agent} to ${environment} failed (exit ${result.exitCode}): ${result.stderr}${result.stdout}`,
        );
      return result.json;
    },
    async agent(environment, canisterId, options = {}) {
      const identity = options.asController
        ? new IdentityStore({ dataDir: sandbox.home }).resolve().identity
        : undefined;
      const agent = await HttpAgent.create({ host: devnets[environment]!.url, shouldFetchRootKey: true, identity });
      return Actor.createActor<AgentActor>(agentIdl, { agent, canisterId });
    },
    async tool(environment, canisterId) {
      const agent = await HttpAgent.create({ host: devnets[environment]!.url, shouldFetchRootKey: true });
      return Actor.createActor<ToolActor>(toolIdl, { agent, canisterId });
    },
    async client(environment) {
      const identity = new IdentityStore({ dataDir: sandbox.home }).resolve();
      return CanisterClient.connect({ name: environment, url: devnets[environment]!.url, kind: 'url' }, identity);
    },
    store,
    withStore(read) {
      const opened = store();
      try {
        return read(opened);
      } finally {
        opened.close();
      }
    },
  };
}

/** A URL where nothing listens (a port that was free a moment ago): an unreachable network. */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/** Upgrades a canister directly with canister-client, outside soulrecall (creates drift). */
export async function upgradeOutsideSoulrecall(
  client: CanisterClient,
  canisterId: string,
  wasmPath: string,
): Promise<string> {
  const module = await readWasmArtifact(wasmPath);
  const result = await client.install({ canisterId, module, mode: 'upgrade', stopBeforeUpgrade: true });
  return result.moduleHash;
}
