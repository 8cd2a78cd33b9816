import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from '../../config/yaml.js';
import { isMainnetUrl } from '../../config/loader.js';
import { readIdsFile } from '../canister-ids.js';
import {
  checkCanisterId,
  checkName,
  isObject,
  filesEnding,
  importError,
  keepKnown,
  relativeTo,
  type FoundCanisterId,
  type ImportedAgent,
  type ImportedEnvironment,
  type ImportedProject,
} from './types.js';

export const ICP_PROJECT_FILE = 'icp.yaml';
/** icp-cli's implicit `local` network: managed, its gateway on 127.0.0.1:8000. */
const ICP_DEFAULT_LOCAL_URL = 'http://127.0.0.1:8000';

interface IcpNetwork {
  name: string;
  mode: 'managed' | 'connected';
  /** soulrecall's `network:` value. */
  network: string;
}

/**
 * Reads an icp-cli project: canisters (a `pre-built` step's `path`, else the artifact icp-cli
 * builds into `.icp/cache/artifacts/<name>`), networks (`managed` → its gateway address,
 * `connected` → its `url`), environments (the implicit `local` and `ic` ones included), and the
 * ids in `.icp/{data,cache}/mappings/<env>.ids.json`. Reads no network.
 */
export function readIcpProject(root: string): ImportedProject {
  const file = join(root, ICP_PROJECT_FILE);
  const manifest = readManifest(file);
  const agents = listOf(file, manifest, 'canisters').map((entry, index) => agentOf(root, file, entry, index));
  const networks = networksOf(file, manifest);
  const declared = listOf(file, manifest, 'environments').map((entry, index) => {
    if (!isObject(entry) || typeof entry.name !== 'string')
      throw importError(
        file,
        `environments[${index}] must be a mapping with a \`name\`.`,
        'Write e.g. `- name: staging\\n  network: ic`.',
      );
    const networkName = entry.network === undefined ? 'local' : String(entry.network);
    const network = networks.find((candidate) => candidate.name === networkName);
    if (!network)
      throw importError(
        file,
        `environment ${entry.name} names network "${networkName}", which is not defined.`,
        `Define it under \`networks:\` (defined: ${networks.map((n) => n.name).join(', ')}).`,
      );
    return {
      name: checkName(file, 'environment', entry.name),
      network: network.network,
      protected: network.network === 'ic',
    };
  });
  const implicitLocal = { name: 'local', network: networks.find((n) => n.name === 'local')!.network, protected: false };
  const implicitIc = { name: 'ic', network: 'ic', protected: true };
  const environments: ImportedEnvironment[] = [
    declared.find((environment) => environment.name === 'local') ?? implicitLocal,
    ...declared.filter((environment) => environment.name !== 'local' && environment.name !== 'ic'),
    declared.find((environment) => environment.name === 'ic') ?? implicitIc,
  ];
  const found = ['data', 'cache'].flatMap((store) => {
    const folder = join(root, '.icp', store, 'mappings');
    return filesEnding(folder, '.ids.json').flatMap((name) =>
      idsIn(root, join(folder, name), name.slice(0, -'.ids.json'.length)),
    );
  });
  const warnings: string[] = [];
  return {
    source: ICP_PROJECT_FILE,
    file,
    environments,
    agents,
    canisterIds: keepKnown(found, agents, environments, warnings),
    warnings,
  };
}

/**
 * Whether icp-cli manages the network of an environment (its ids are cache) or connects to it
 * (its ids are data). A manifest that cannot be read counts as the implicit, managed local one.
 */
export function icpNetworkModeOf(root: string, environment: string): 'managed' | 'connected' {
  try {
    const file = join(root, ICP_PROJECT_FILE);
    const manifest = readManifest(file);
    const declared = listOf(file, manifest, 'environments').find(
      (entry) => isObject(entry) && entry.name === environment,
    ) as Record<string, unknown> | undefined;
    const networkName =
      declared?.network === undefined ? (environment === 'ic' ? 'ic' : 'local') : String(declared.network);
    return networksOf(file, manifest).find((network) => network.name === networkName)?.mode ?? 'managed';
  } catch {
    return 'managed';
  }
}

function readManifest(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(file, 'utf8'), { prettyErrors: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]!.replace(/\.$/, '') : String(error);
    throw importError(file, `invalid YAML: ${reason}.`, 'Fix the YAML syntax (icp-cli itself cannot read it either).');
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isObject(parsed))
    throw importError(
      file,
      'the file must be a mapping with `canisters`, `networks` and `environments`.',
      'Start the file with `canisters:`.',
    );
  return parsed;
}

function listOf(file: string, manifest: Record<string, unknown>, key: string): unknown[] {
  const value = manifest[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw importError(file, `\`${key}\` must be a list.`, `Write each entry as \`- name: …\` under \`${key}:\`.`);
  return value;
}

function networksOf(file: string, manifest: Record<string, unknown>): IcpNetwork[] {
  const declared = listOf(file, manifest, 'networks').map((entry, index): IcpNetwork => {
    if (!isObject(entry) || typeof entry.name !== 'string')
      throw importError(
        file,
        `networks[${index}] must be a mapping with a \`name\`.`,
        'Write e.g. `- name: testnet\\n  mode: connected\\n  url: https://…`.',
      );
    const where = `network ${entry.name}`;
    if (entry.mode === 'connected') {
      const url =
        typeof entry.url === 'string' ? entry.url : typeof entry['api-url'] === 'string' ? entry['api-url'] : undefined;
      if (url === undefined)
        throw importError(file, `${where} is connected but has no \`url\`.`, 'Give it `url: https://…`.');
      return { name: entry.name, mode: 'connected', network: isMainnetUrl(url) ? 'ic' : url.replace(/\/$/, '') };
    }
    if (entry.mode !== 'managed')
      throw importError(
        file,
        `${where} has mode ${JSON.stringify(entry.mode)}, neither \`managed\` nor \`connected\`.`,
        'Set `mode: managed` or `mode: connected`.',
      );
    const gateway = isObject(entry.gateway) ? entry.gateway : {};
    const host = typeof gateway.bind === 'string' && gateway.bind !== '0.0.0.0' ? gateway.bind : '127.0.0.1';
    const port = typeof gateway.port === 'number' ? gateway.port : 8000;
    return { name: entry.name, mode: 'managed', network: `http://${host}:${port}` };
  });
  return [
    declared.find((network) => network.name === 'local') ?? {
      name: 'local',
      mode: 'managed',
      network: ICP_DEFAULT_LOCAL_URL,
    },
    ...declared.filter((network) => network.name !== 'local' && network.name !== 'ic'),
    // icp-cli does not let a project redefine `ic`.
    { name: 'ic', mode: 'connected', network: 'ic' },
  ];
}

/** An inline canister, or a path to a canister.yaml (or its folder); globs are not expanded. */
function agentOf(root: string, file: string, entry: unknown, index: number): ImportedAgent {
  let canister = entry;
  let folder = root;
  if (typeof entry === 'string') {
    const path = join(root, entry);
    const manifestFile = existsSync(path) && statSync(path).isDirectory() ? join(path, 'canister.yaml') : path;
    if (!existsSync(manifestFile))
      throw importError(
        file,
        `canisters[${index}] names ${entry}, which is no canister.yaml (soulrecall does not expand globs).`,
        "List the canister's folder or canister.yaml itself.",
      );
    canister = readManifest(manifestFile);
    folder = dirname(manifestFile);
  }
  if (!isObject(canister) || typeof canister.name !== 'string')
    throw importError(file, `canisters[${index}] must be a mapping with a \`name\`.`, 'Write e.g. `- name: backend`.');
  const name = checkName(file, 'canister', canister.name);
  const steps = isObject(canister.build) && Array.isArray(canister.build.steps) ? canister.build.steps : [];
  const prebuilt = steps.find(
    (step) => isObject(step) && step.type === 'pre-built' && typeof step.path === 'string',
  ) as { path: string } | undefined;
  return { name, wasm: prebuilt ? relativeTo(root, join(folder, prebuilt.path)) : `.icp/cache/artifacts/${name}` };
}

/** icp-cli's `{"<canister>": "<id>"}` of one environment, every id checked. */
function idsIn(root: string, idsFile: string, environment: string): FoundCanisterId[] {
  const shown = relativeTo(root, idsFile);
  const ids = readIdsFile({ file: idsFile, shape: 'flat' });
  return Object.entries(ids).map(([agent, id]) => ({
    agent,
    environment,
    canisterId: checkCanisterId(shown, agent, id),
    file: shown,
  }));
}
