import { existsSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { Principal } from '@dfinity/principal';
import { SoulrecallError } from '../../errors.js';

/** What `soulrecall init` learnt from a dfx or icp-cli project, before anything is written. */
export interface ImportedProject {
  /** `dfx.json`, `icp.yaml`, or null when there was nothing to read (the default pipeline). */
  source: 'dfx.json' | 'icp.yaml' | null;
  /** The file read, absolute; null with no source. */
  file: string | null;
  /** In pipeline order. */
  environments: ImportedEnvironment[];
  agents: ImportedAgent[];
  canisterIds: FoundCanisterId[];
  /** What was read but not taken (ids of unknown canisters or networks), one sentence each. */
  warnings: string[];
}

export interface ImportedEnvironment {
  name: string;
  /** soulrecall's `network:` value: `local`, `ic` or a URL. */
  network: string;
  protected: boolean;
}

export interface ImportedAgent {
  name: string;
  /** Module path relative to the project root, where the project's tool writes it. */
  wasm?: string;
  /** Candid interface path relative to the project root, when the project names one. */
  candid?: string;
}

export interface FoundCanisterId {
  agent: string;
  environment: string;
  canisterId: string;
  /** The file it was read from, relative to the project root. */
  file: string;
}

/** Agent and environment names soulrecall.yaml accepts (the loader's NAME_PATTERN). */
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** A project file soulrecall cannot read: one sentence naming it, exit 3 like a bad soulrecall.yaml. */
export function importError(file: string, message: string, hint: string): SoulrecallError {
  return new SoulrecallError(`${file}: ${message}`, { code: 'CONFIG_IMPORT_INVALID', hint, details: { file } });
}

export function checkName(file: string, kind: 'canister' | 'network' | 'environment', name: string): string {
  if (NAME_PATTERN.test(name)) return name;
  throw importError(
    file,
    `${kind} name "${name}" cannot be a soulrecall ${kind === 'canister' ? 'agent' : 'environment'} name.`,
    'Rename it to letters, digits, "-" and "_", starting with a letter, or write soulrecall.yaml by hand.',
  );
}

/** A canister id read from a file: a principal, or one sentence naming the file (exit 5). */
export function checkCanisterId(file: string, where: string, value: unknown): string {
  try {
    if (typeof value === 'string') return Principal.fromText(value).toText();
  } catch {
    // reported below
  }
  throw new SoulrecallError(
    `${file}: ${where} is ${JSON.stringify(value)}, which is not a canister id (a principal such as rrkah-fqaaa-aaaaa-aaaaq-cai).`,
    {
      code: 'INVALID_CANISTER_ID',
      hint: 'Fix or remove that entry; nothing was written.',
      details: { file },
    },
  );
}

/** `http://<host:port>` of a bind address, with a wildcard host read as loopback. */
export function urlOfBind(bind: string): string {
  const [host, port] = bind.includes(']')
    ? [bind.slice(0, bind.indexOf(']') + 1), bind.slice(bind.indexOf(']') + 2)]
    : [bind.slice(0, bind.lastIndexOf(':')), bind.slice(bind.lastIndexOf(':') + 1)];
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
  return `http://${reachable}:${port}`;
}

/** Keeps the ids of known canisters and environments; the others become warnings. */
export function keepKnown(
  found: FoundCanisterId[],
  agents: ImportedAgent[],
  environments: ImportedEnvironment[],
  warnings: string[],
): FoundCanisterId[] {
  return found.filter((entry) => {
    if (!agents.some((agent) => agent.name === entry.agent)) {
      warnings.push(`${entry.file} names canister ${entry.agent}, which the project does not define: skipped.`);
      return false;
    }
    if (!environments.some((environment) => environment.name === entry.environment)) {
      warnings.push(
        `${entry.file} names network ${entry.environment} for ${entry.agent}, which the project does not define: skipped.`,
      );
      return false;
    }
    return true;
  });
}

/** Files of a folder that end with `suffix`, sorted; none when the folder does not exist. */
export function filesEnding(folder: string, suffix: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(suffix))
    .sort();
}

export function relativeTo(root: string, path: string): string {
  return relative(root, path).split('\\').join('/');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
