import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EnvironmentConfig, ProjectConfig } from '../config/types.js';
import { SoulrecallError } from '../errors.js';
import { ICP_PROJECT_FILE, icpNetworkModeOf } from './project-import/icp.js';

export const CANISTER_IDS_FILE = 'canister_ids.json';

/**
 * Where the live canister id of one environment is written, as dfx and icp-cli users expect:
 * mainnet and other shared networks in the project's `canister_ids.json` (the file dfx keeps
 * under version control); a local network's ids, which mean nothing on another machine, where
 * the project's tool keeps them — `.dfx/<env>/canister_ids.json`, or icp-cli's mappings file
 * `.icp/{cache|data}/mappings/<env>.ids.json` in a project with an icp.yaml.
 */
export interface CanisterIdsLocation {
  file: string;
  /** `by-network`: `{"<agent>": {"<env>": "<id>"}}` (dfx); `flat`: `{"<agent>": "<id>"}` (icp-cli). */
  shape: 'by-network' | 'flat';
}

/**
 * A local environment is dfx's and icp-cli's `local` network: `network: local`, or the
 * environment named `local` whatever its address (dfx and icp-cli let that network listen on
 * any port). Every other network, loopback URLs included, is shared, as dfx treats them.
 */
export function isLocalEnvironment(environment: Pick<EnvironmentConfig, 'name' | 'networkKind'>): boolean {
  return environment.networkKind === 'local' || environment.name === 'local';
}

export function canisterIdsLocation(
  config: Pick<ProjectConfig, 'root' | 'environments'>,
  environmentName: string,
): CanisterIdsLocation {
  const environment = config.environments.find((candidate) => candidate.name === environmentName);
  if (!environment || !isLocalEnvironment(environment))
    return { file: join(config.root, CANISTER_IDS_FILE), shape: 'by-network' };
  if (existsSync(join(config.root, ICP_PROJECT_FILE))) {
    // icp-cli keeps the ids of networks it manages as cache, those of connected ones as data.
    const store = icpNetworkModeOf(config.root, environmentName) === 'connected' ? 'data' : 'cache';
    return { file: join(config.root, '.icp', store, 'mappings', `${environmentName}.ids.json`), shape: 'flat' };
  }
  return { file: join(config.root, '.dfx', environmentName, CANISTER_IDS_FILE), shape: 'by-network' };
}

/** The id written for an agent in an environment, or undefined. */
export function readCanisterId(
  config: Pick<ProjectConfig, 'root' | 'environments'>,
  agent: string,
  environment: string,
): string | undefined {
  const location = canisterIdsLocation(config, environment);
  const ids = readIdsFile(location);
  const entry = ids[agent];
  if (location.shape === 'flat') return typeof entry === 'string' ? entry : undefined;
  return typeof entry === 'object' && entry !== null ? (entry as Record<string, string>)[environment] : undefined;
}

/** Every `{agent, environment}` written in the files of these environments. */
export function writtenRoutes(
  config: Pick<ProjectConfig, 'root' | 'environments'>,
): Array<{ agent: string; environment: string; canisterId: string }> {
  return config.environments.flatMap((environment) => {
    const location = canisterIdsLocation(config, environment.name);
    return Object.keys(readIdsFile(location)).flatMap((agent) => {
      const canisterId = readCanisterId(config, agent, environment.name);
      return canisterId === undefined ? [] : [{ agent, environment: environment.name, canisterId }];
    });
  });
}

/**
 * Sets the agent's id for an environment in its file, keeping everything else (temp file + rename). Returns the file.
 */
export function writeCanisterId(
  config: Pick<ProjectConfig, 'root' | 'environments'>,
  agent: string,
  environment: string,
  canisterId: string,
): string {
  const location = canisterIdsLocation(config, environment);
  const ids = readIdsFile(location);
  if (location.shape === 'flat') ids[agent] = canisterId;
  else
    ids[agent] = {
      ...(typeof ids[agent] === 'object' ? (ids[agent] as Record<string, string>) : {}),
      [environment]: canisterId,
    };
  const file = writeIdsFile(location.file, ids);
  dropFromRootFile(config, location, agent, environment);
  return file;
}

/** Drops the agent's id for an environment (and the agent when it has no environment left). */
export function removeCanisterId(
  config: Pick<ProjectConfig, 'root' | 'environments'>,
  agent: string,
  environment: string,
): void {
  const location = canisterIdsLocation(config, environment);
  dropFromRootFile(config, location, agent, environment);
  removeFrom(location, agent, environment);
}

function removeFrom(location: CanisterIdsLocation, agent: string, environment: string): void {
  const ids = readIdsFile(location);
  if (!(agent in ids)) return;
  if (location.shape === 'flat') {
    delete ids[agent];
  } else {
    const byEnvironment = ids[agent] as Record<string, string>;
    if (!(environment in byEnvironment)) return;
    const { [environment]: _removed, ...rest } = byEnvironment;
    if (Object.keys(rest).length === 0) delete ids[agent];
    else ids[agent] = rest;
  }
  writeIdsFile(location.file, ids);
}

/**
 * soulrecall once wrote local ids into the root canister_ids.json too: once a local id lives in
 * its own file, the old entry there is dropped so the file holds only shared networks' ids.
 */
function dropFromRootFile(
  config: Pick<ProjectConfig, 'root'>,
  location: CanisterIdsLocation,
  agent: string,
  environment: string,
): void {
  const root = { file: join(config.root, CANISTER_IDS_FILE), shape: 'by-network' as const };
  if (location.file !== root.file) removeFrom(root, agent, environment);
}

function writeIdsFile(file: string, ids: Record<string, unknown>): string {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(ids, null, 2)}\n`);
  renameSync(temp, file);
  return file;
}

/** The file's object, {} when there is none; anything else is an error naming the file. */
export function readIdsFile(location: CanisterIdsLocation): Record<string, unknown> {
  if (!existsSync(location.file)) return {};
  const expected =
    location.shape === 'flat' ? '{"<canister>": "<canister id>"}' : '{"<canister>": {"<network>": "<canister id>"}}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(location.file, 'utf8'));
  } catch {
    parsed = undefined;
  }
  const valueOk = (value: unknown) =>
    location.shape === 'flat'
      ? typeof value === 'string'
      : typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every((id) => typeof id === 'string');
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every(valueOk))
    return parsed as Record<string, unknown>;
  throw new SoulrecallError(`${location.file} is not a JSON object of ${expected}.`, {
    code: 'CANISTER_IDS_INVALID',
    hint: 'Fix or delete the file; soulrecall rewrites it from its history on the next route change.',
  });
}
