import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from '../config/yaml.js';
import type { CanisterClient } from '@soulrecall/canister-client';
import { CONFIG_FILE_NAME } from '../config/find.js';
import { parseProjectConfig } from '../config/loader.js';
import type { EnvironmentConfig, ProjectConfig } from '../config/types.js';
import { SoulrecallError, toSoulrecallError } from '../errors.js';
import { DFX_PROJECT_FILE, readDfxProject } from './project-import/dfx.js';
import { ICP_PROJECT_FILE, readIcpProject } from './project-import/icp.js';
import type { FoundCanisterId, ImportedAgent, ImportedEnvironment, ImportedProject } from './project-import/types.js';
import { switchRoute } from './routing.js';
import { Session } from './session.js';

export type { FoundCanisterId, ImportedAgent, ImportedEnvironment, ImportedProject };
export const INIT_SOURCES = ['dfx', 'icp'] as const;
export type InitSource = (typeof INIT_SOURCES)[number];

export interface InitRequest {
  /** The project folder (soulrecall.yaml is written there). */
  root: string;
  /** Which file to read when the folder has both dfx.json and icp.yaml. */
  from?: InitSource;
  /**
   * An existing soulrecall.yaml: `replace` it (--force), `ask` first (a terminal), or
   * `refuse` (--yes without --force: no question is asked, so nothing is replaced).
   */
  existing: 'replace' | 'ask' | 'refuse';
  dataDir?: string;
}

export interface InitHooks {
  /** Asks before replacing soulrecall.yaml; throws to refuse. */
  confirm?: (question: string) => Promise<void>;
  progress?: (message: string) => void;
}

/** One canister id taken into the history. */
export interface AdoptedCanister {
  agent: string;
  environment: string;
  canisterId: string;
  /** Where the id was read, relative to the project. */
  from: string;
  /** `adopted` now; `known` when the history had it already (nothing changed). */
  outcome: 'adopted' | 'known';
  /** soulrecall's identity for the environment controls it (null when the network did not answer). */
  controlled: boolean | null;
  /** The module the canister runs (certified read), null when empty or unreadable. */
  moduleSha256: string | null;
  /** Whether the network answered; an unreachable canister is adopted with its module unknown. */
  reachable: boolean;
  /** The version recorded for what it runs (null when nothing runs or the module is unknown). */
  version: number | null;
  /** The project's built module matched what runs, so its bytes are in the artifact store (promotable). */
  moduleStored: boolean;
  /** It became the live route of its agent and environment. */
  live: boolean;
}

export interface InitResult {
  /** The file read (`dfx.json`, `icp.yaml`), or null for the default pipeline. */
  source: ImportedProject['source'];
  /** soulrecall.yaml written. */
  file: string;
  replaced: boolean;
  pipeline: string[];
  environments: ImportedEnvironment[];
  agents: ImportedAgent[];
  adopted: AdoptedCanister[];
  warnings: string[];
}

/**
 * With nothing to read: the three-stage pipeline of the README, staging and production to be pointed at real networks.
 */
const DEFAULT_PIPELINE: ImportedProject = {
  source: null,
  file: null,
  environments: [
    { name: 'local', network: 'local', protected: false },
    { name: 'staging', network: 'http://127.0.0.1:4944', protected: false },
    { name: 'production', network: 'ic', protected: true },
  ],
  agents: [],
  canisterIds: [],
  warnings: [],
};

/** What there is to read in a folder: dfx.json, icp.yaml (`from` chooses when both are there), or nothing. */
export function readProjectToImport(root: string, from?: InitSource): ImportedProject {
  const hasDfx = existsSync(join(root, DFX_PROJECT_FILE));
  const hasIcp = existsSync(join(root, ICP_PROJECT_FILE));
  if (from === 'dfx' || (from === undefined && hasDfx && !hasIcp)) {
    if (!hasDfx) throw missingSource(root, DFX_PROJECT_FILE);
    return readDfxProject(root);
  }
  if (from === 'icp' || (from === undefined && hasIcp && !hasDfx)) {
    if (!hasIcp) throw missingSource(root, ICP_PROJECT_FILE);
    return readIcpProject(root);
  }
  if (hasDfx && hasIcp) {
    throw new SoulrecallError(`${root} has both ${DFX_PROJECT_FILE} and ${ICP_PROJECT_FILE}.`, {
      code: 'INIT_SOURCE_AMBIGUOUS',
      hint: 'Pass --from dfx or --from icp to say which one to read.',
    });
  }
  return DEFAULT_PIPELINE;
}

/** The soulrecall.yaml text of an imported project. */
export function renderProjectYaml(project: ImportedProject): string {
  const environments = Object.fromEntries(
    project.environments.map((environment) => [
      environment.name,
      { network: environment.network, ...(environment.protected ? { protected: true } : {}) },
    ]),
  );
  const agents = Object.fromEntries(
    project.agents.map((agent) => [
      agent.name,
      { ...(agent.wasm ? { wasm: agent.wasm } : {}), ...(agent.candid ? { candid: agent.candid } : {}) },
    ]),
  );
  const header = project.source
    ? `# Written by \`soulrecall init\` from ${project.source}; the module paths are where ${project.source === DFX_PROJECT_FILE ? 'dfx' : 'icp-cli'} builds them.\n`
    : '# Written by `soulrecall init`: point staging at your staging network, and add your agents.\n';
  const body = stringify(
    { pipeline: project.environments.map((environment) => environment.name), environments, agents },
    { flowCollectionPadding: true, lineWidth: 0 },
  );
  return header + body;
}

/**
 * `soulrecall init`: reads dfx.json or icp.yaml (or nothing), writes soulrecall.yaml, then
 * takes the canister ids the project's tool left behind into the history. Everything that can
 * be wrong with the files is found before anything is written; a network that does not answer
 * only leaves the module of its canisters unknown (a warning).
 */
export async function initProject(request: InitRequest, hooks: InitHooks = {}): Promise<InitResult> {
  const root = resolve(request.root);
  const file = join(root, CONFIG_FILE_NAME);
  const imported = readProjectToImport(root, request.from);
  const text = renderProjectYaml(imported);
  const config = parseProjectConfig(text, file);
  const replaced = existsSync(file);
  if (replaced) await settleExisting(file, request.existing, hooks);

  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);

  const warnings = [...imported.warnings];
  const session = new Session({ config, dataDir: request.dataDir });
  try {
    const adopted: AdoptedCanister[] = [];
    for (const environment of config.environments) {
      const found = imported.canisterIds.filter((entry) => entry.environment === environment.name);
      if (found.length === 0) continue;
      hooks.progress?.(
        `Adopting ${found.length} canister${found.length === 1 ? '' : 's'} in ${environment.name} (${environment.networkUrl})…`,
      );
      const client = await session.client(environment).catch((error: unknown) => {
        warnings.push(
          `${environment.name} (${environment.networkUrl}) did not answer (${toSoulrecallError(error).message}): its canisters are adopted with their module unknown.`,
        );
        return null;
      });
      for (const entry of found) {
        const canister = await adoptCanister(session, config, { environment, client }, entry, warnings);
        if (canister) adopted.push(canister);
      }
    }
    return {
      source: imported.source,
      file,
      replaced,
      pipeline: config.pipeline,
      environments: imported.environments,
      agents: imported.agents,
      adopted,
      warnings,
    };
  } finally {
    session.close();
  }
}

async function settleExisting(file: string, existing: InitRequest['existing'], hooks: InitHooks): Promise<void> {
  if (existing === 'replace') return;
  if (existing === 'refuse' || !hooks.confirm) {
    throw new SoulrecallError(`${file} already exists; soulrecall init does not replace it without asking.`, {
      code: 'NOT_CONFIRMED',
      hint: 'Pass --force to replace it, or run init in a terminal to be asked.',
    });
  }
  await hooks.confirm(`Replace ${file}?`);
}

/**
 * Records one canister the way `deploy --canister <id>` adopts one, plus what it runs: a
 * succeeded deployment of its on-chain module (with the module's bytes when the project's built
 * module is that one, so it can be promoted), and the live route when its agent has none there.
 */
async function adoptCanister(
  session: Session,
  config: ProjectConfig,
  /** The environment the canister is in, and a client of its network (null when it did not answer). */
  { environment, client }: { environment: EnvironmentConfig; client: CanisterClient | null },
  entry: FoundCanisterId,
  warnings: string[],
): Promise<AdoptedCanister | null> {
  const { store } = session;
  const base = { agent: entry.agent, environment: environment.name, canisterId: entry.canisterId, from: entry.file };
  const known = store.canisters.get(environment.name, entry.canisterId);
  if (known) {
    const latest = store.deployments.latest({ environment: environment.name, canisterId: entry.canisterId });
    return {
      ...base,
      outcome: 'known',
      controlled: null,
      moduleSha256: latest?.moduleSha256 ?? null,
      reachable: client !== null,
      version: latest?.version ?? null,
      moduleStored: latest ? store.artifacts.has(latest.moduleSha256) : false,
      live: store.routes.get(entry.agent, environment.name)?.canisterId === entry.canisterId,
    };
  }
  let moduleSha256: string | null = null;
  let controlled: boolean | null = null;
  let reachable = client !== null;
  if (client) {
    try {
      // Certified, and readable by anyone: what runs there and who controls it.
      const info = await client.info(entry.canisterId);
      if (info.moduleHash === null && info.controllers.length === 0) {
        // No such canister (or a useless one): dfx leaves such ids behind after `dfx start --clean`.
        warnings.push(
          `${entry.file} names ${entry.canisterId} for ${entry.agent}, which is not on ${environment.name} (${environment.networkUrl}): skipped.`,
        );
        return null;
      }
      moduleSha256 = info.moduleHash;
      controlled = info.controllers.includes(client.principal);
      if (!controlled) {
        warnings.push(
          `${entry.canisterId} (${entry.agent} in ${environment.name}) is controlled by ${info.controllers.join(', ')}, not by soulrecall's identity ${client.principal}: set environments.${environment.name}.identity (e.g. dfx:<name>) before deploying to it.`,
        );
      }
    } catch (error) {
      reachable = false;
      warnings.push(
        `The module of ${entry.canisterId} (${entry.agent} in ${environment.name}) could not be read (${toSoulrecallError(error).message}): adopted with its module unknown.`,
      );
    }
  }
  const by = client ? { principal: client.principal } : undefined;
  store.canisters.record({
    canisterId: entry.canisterId,
    networkUrl: environment.networkUrl,
    environment: environment.name,
    agent: entry.agent,
    by,
  });
  let version: number | null = null;
  let moduleStored = false;
  if (moduleSha256 !== null) {
    moduleStored = await storeBuiltModule(session, config, entry.agent, moduleSha256, by);
    const pending = store.deployments.begin({
      agent: entry.agent,
      environment: environment.name,
      canisterId: entry.canisterId,
      moduleSha256,
      installMode: 'install',
      by,
    });
    version = store.deployments.finish(pending.id, { status: 'succeeded' }, by).version;
  }
  const live = !store.routes.get(entry.agent, environment.name);
  if (live)
    switchRoute(session, {
      agent: entry.agent,
      environment: environment.name,
      canisterId: entry.canisterId,
      cause: 'manual',
      reason: `adopted by soulrecall init from ${entry.file}`,
      expectedCanisterId: null,
      principal: client?.principal,
    });
  return { ...base, outcome: 'adopted', controlled, moduleSha256, reachable, version, moduleStored, live };
}

/** Keeps the agent's built module in the artifact store when it is the one running on chain. */
async function storeBuiltModule(
  session: Session,
  config: ProjectConfig,
  agentName: string,
  moduleSha256: string,
  by: { principal: string } | undefined,
): Promise<boolean> {
  if (session.store.artifacts.has(moduleSha256)) return true;
  const agent = config.agents.find((candidate) => candidate.name === agentName);
  if (!agent?.wasm || !existsSync(resolve(config.root, agent.wasm))) return false;
  const { readWasmArtifact } = await import('@soulrecall/canister-client');
  const built = await readWasmArtifact(resolve(config.root, agent.wasm)).catch(() => null);
  if (built?.sha256 !== moduleSha256) return false;
  session.store.artifacts.put(built.bytes, by);
  return true;
}

function missingSource(root: string, name: string): SoulrecallError {
  return new SoulrecallError(`There is no ${name} in ${root}.`, {
    code: 'INIT_SOURCE_NOT_FOUND',
    hint: 'Run init in the project folder, or leave out --from.',
  });
}
