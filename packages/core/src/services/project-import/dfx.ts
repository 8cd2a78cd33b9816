import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainnetUrl } from '../../config/loader.js';
import { CANISTER_IDS_FILE, readIdsFile } from '../canister-ids.js';
import {
  checkCanisterId,
  checkName,
  isObject,
  importError,
  keepKnown,
  relativeTo,
  urlOfBind,
  type FoundCanisterId,
  type ImportedAgent,
  type ImportedEnvironment,
  type ImportedProject,
} from './types.js';

export const DFX_PROJECT_FILE = 'dfx.json';
/** dfx's own local network address since dfx 0.15, the one soulrecall's `network: local` names too. */
const DFX_DEFAULT_LOCAL_BIND = '127.0.0.1:4943';

interface DfxCanister {
  type?: unknown;
  wasm?: unknown;
  candid?: unknown;
}

interface DfxNetwork {
  providers?: unknown;
  bind?: unknown;
}

/**
 * Reads a dfx project: canisters (custom → their `wasm`; motoko and rust → the module dfx
 * writes to `.dfx/local/canisters/<name>/<name>.wasm`), dfx's built-in `local` and `ic`
 * networks plus the project's own (`local` first, `ic` last and protected), and the canister
 * ids dfx keeps (`canister_ids.json` for persistent networks, `.dfx/<network>/canister_ids.json`
 * for the others). Reads no network.
 */
export function readDfxProject(root: string): ImportedProject {
  const file = join(root, DFX_PROJECT_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw importError(
      file,
      `invalid JSON (${error instanceof Error ? error.message : String(error)}).`,
      'Fix the file (dfx itself cannot read it either).',
    );
  }
  if (!isObject(parsed))
    throw importError(
      file,
      'the file must be a JSON object with `canisters`.',
      'See https://internetcomputer.org/docs/building-apps/developer-tools/dfx-json-reference.',
    );
  const canisters = parsed.canisters ?? {};
  if (!isObject(canisters))
    throw importError(
      file,
      '`canisters` must be an object of canister names.',
      'Write e.g. "canisters": { "my_agent": { "type": "motoko", "main": "src/main.mo" } }.',
    );
  const networks = parsed.networks ?? {};
  if (!isObject(networks))
    throw importError(
      file,
      '`networks` must be an object of network names.',
      'Write e.g. "networks": { "staging": { "providers": ["http://127.0.0.1:4944"] } }.',
    );

  const agents: ImportedAgent[] = Object.entries(canisters).map(([name, value]) =>
    agentOf(file, checkName(file, 'canister', name), value),
  );
  const custom = Object.keys(networks).filter((name) => name !== 'local' && name !== 'ic');
  const environments: ImportedEnvironment[] = [
    { name: 'local', network: networkValue(file, 'local', networks.local), protected: false },
    ...custom.map((name) => ({
      name: checkName(file, 'network', name),
      network: networkValue(file, name, networks[name]),
      protected: false,
    })),
    { name: 'ic', network: networkValue(file, 'ic', networks.ic), protected: true },
  ];
  const found = [
    ...idsIn(root, join(root, CANISTER_IDS_FILE)),
    ...ephemeralIdFiles(root).flatMap((idsFile) => idsIn(root, idsFile)),
  ];
  const warnings: string[] = [];
  return {
    source: DFX_PROJECT_FILE,
    file,
    environments,
    agents,
    canisterIds: keepKnown(found, agents, environments, warnings),
    warnings,
  };
}

function agentOf(file: string, name: string, value: unknown): ImportedAgent {
  if (!isObject(value)) throw importError(file, `canisters.${name} must be an object.`, 'Give it at least a "type".');
  const canister = value as DfxCanister;
  const type = typeof canister.type === 'string' ? canister.type : 'custom';
  const candid = typeof canister.candid === 'string' && !/^https?:/.test(canister.candid) ? canister.candid : undefined;
  if (type === 'custom') {
    const wasm = typeof canister.wasm === 'string' && !/^https?:/.test(canister.wasm) ? canister.wasm : undefined;
    return { name, ...(wasm ? { wasm } : {}), ...(candid ? { candid } : {}) };
  }
  if (type === 'motoko' || type === 'rust') {
    // Where `dfx build` leaves the module (and, for Motoko, the generated interface) for the local network.
    const output = `.dfx/local/canisters/${name}`;
    return {
      name,
      wasm: `${output}/${name}.wasm`,
      candid: candid ?? (type === 'motoko' ? `${output}/${name}.did` : undefined),
    };
  }
  // assets, pull and other kinds have no module of the project's own to deploy.
  return { name, ...(candid ? { candid } : {}) };
}

/**
 * soulrecall's `network:` for a dfx network: its first provider, else its bind address; `ic` and the default local bind
 * by name.
 */
function networkValue(file: string, name: string, value: unknown): string {
  if (value !== undefined && !isObject(value))
    throw importError(
      file,
      `networks.${name} must be an object.`,
      'Write e.g. { "providers": ["http://127.0.0.1:4944"] }.',
    );
  const network = (value ?? {}) as DfxNetwork;
  const providers = network.providers;
  if (
    providers !== undefined &&
    (!Array.isArray(providers) || providers.some((provider) => typeof provider !== 'string'))
  ) {
    throw importError(
      file,
      `networks.${name}.providers must be a list of URLs.`,
      'Write e.g. "providers": ["https://icp-api.io"].',
    );
  }
  if (network.bind !== undefined && (typeof network.bind !== 'string' || !/:\d+$/.test(network.bind))) {
    throw importError(file, `networks.${name}.bind must be "<host>:<port>".`, 'Write e.g. "bind": "127.0.0.1:4943".');
  }
  const url =
    (providers as string[] | undefined)?.[0] ??
    (typeof network.bind === 'string' ? urlOfBind(network.bind) : undefined);
  if (name === 'ic') return url === undefined || isMainnetUrl(url) ? 'ic' : url;
  if (name === 'local') return url === undefined || url === `http://${DFX_DEFAULT_LOCAL_BIND}` ? 'local' : url;
  if (url === undefined)
    throw importError(file, `networks.${name} has neither "providers" nor "bind".`, 'Give the network a provider URL.');
  return isMainnetUrl(url) ? 'ic' : url;
}

/** `.dfx/<network>/canister_ids.json` of every network dfx has created canisters on. */
function ephemeralIdFiles(root: string): string[] {
  const folder = join(root, '.dfx');
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(folder, entry.name, CANISTER_IDS_FILE))
    .filter((idsFile) => existsSync(idsFile))
    .sort();
}

/** dfx's `{"<canister>": {"<network>": "<id>"}}`, every id checked. */
function idsIn(root: string, idsFile: string): FoundCanisterId[] {
  const shown = relativeTo(root, idsFile);
  const ids = readIdsFile({ file: idsFile, shape: 'by-network' }) as Record<string, Record<string, unknown>>;
  return Object.entries(ids).flatMap(([agent, byNetwork]) =>
    Object.entries(byNetwork).map(([environment, id]) => ({
      agent,
      environment,
      canisterId: checkCanisterId(shown, `${agent}.${environment}`, id),
      file: shown,
    })),
  );
}
