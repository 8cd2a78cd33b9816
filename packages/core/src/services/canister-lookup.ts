import { Principal } from '@dfinity/principal';
import type { Canister } from '@soulrecall/history-store';
import { findEnvironment, resolveEnvironment } from '../config/environments.js';
import { environmentOfNetwork } from '../config/loader.js';
import type { AgentConfig, EnvironmentConfig } from '../config/types.js';
import { SoulrecallError } from '../errors.js';
import type { Session } from './session.js';

export interface LocatedCanister {
  canisterId: string;
  environment: EnvironmentConfig;
  /** What the store knows about it; null for a canister soulrecall never recorded. */
  record: Canister | null;
}

/** Checks that text is a principal, with the user-facing error when it is not. */
export function parseCanisterId(text: string): string {
  try {
    return Principal.fromText(text).toText();
  } catch (error) {
    if (error instanceof Error) {
      throw new SoulrecallError(`"${text}" is not a canister id (a principal such as rrkah-fqaaa-aaaaa-aaaaq-cai).`, {
        code: 'INVALID_CANISTER_ID',
        hint: 'Copy the id from `soulrecall list`.',
      });
    }
    throw error;
  }
}

export interface EnvironmentLookup {
  /**
   * Also take a bare network (`ic`, `local` or a URL) for `--network`, in a project or outside
   * one: for read-only commands (status, health, logs), which need nothing but a network.
   */
  acceptNetwork?: boolean;
}

/**
 * Finds the environment of a canister: from `--network <env>` when given, else from the store.
 * `allowUnrecorded` lets read-only commands look at canisters soulrecall did not create.
 */
export function locateCanister(
  session: Session,
  canisterIdText: string,
  options: { network?: string; allowUnrecorded?: boolean } & EnvironmentLookup = {},
): LocatedCanister {
  const canisterId = parseCanisterId(canisterIdText);
  if (options.network !== undefined) {
    const environment = requireEnvironment(session, options.network, options);
    const record = session.store.canisters.get(environment.name, canisterId);
    if (!record && !options.allowUnrecorded) throw unknownCanister(canisterId, `in environment ${environment.name}`);
    return { canisterId, environment, record };
  }
  const records = session.store.canisters.find(canisterId);
  const live = records.filter((record) => record.decommissionedAt === null);
  const candidates = live.length > 0 ? live : records;
  if (candidates.length === 0) throw unknownCanister(canisterId, '');
  if (candidates.length > 1) {
    throw new SoulrecallError(
      `Canister ${canisterId} is recorded in several environments (${candidates.map((c) => c.environment).join(', ')}).`,
      {
        code: 'CANISTER_AMBIGUOUS',
        hint: 'Say which with --network <env>.',
      },
    );
  }
  const record = candidates[0]!;
  return { canisterId, environment: environmentOfRecord(session, record), record };
}

/**
 * An environment named on the command line (`--network`, `-e`). The project's names and aliases
 * win (an environment may well be called `local`); with `acceptNetwork`, a value that names none
 * of them and is `ic`, `local` or a URL is that network.
 */
export function requireEnvironment(session: Session, name: string, options: EnvironmentLookup = {}): EnvironmentConfig {
  const configured = session.config && findEnvironment(session.config, name);
  if (configured) return configured;
  const network = options.acceptNetwork ? environmentOfNetwork(name) : undefined;
  if (network) return network;
  if (options.acceptNetwork && !session.config) {
    throw new SoulrecallError(
      `--network "${name}" is neither \`ic\`, \`local\` nor an http(s) URL, and no soulrecall.yaml is here to name it as an environment.`,
      {
        code: 'UNKNOWN_NETWORK',
        hint: "Outside a project pass --network ic, --network local or a URL such as http://127.0.0.1:4943; for a project's environments run the command in its folder or pass --config.",
      },
    );
  }
  if (!session.config) {
    throw new SoulrecallError('--network needs a soulrecall.yaml to resolve the environment.', {
      code: 'CONFIG_NOT_FOUND',
      hint: 'Run the command in your project folder or pass --config.',
    });
  }
  return resolveEnvironment(session.config, name);
}

/** The agent's configuration when the project declares it (health method), else undefined. */
export function agentConfigOf(session: Session, agentName: string): AgentConfig | undefined {
  return session.config?.agents.find((agent) => agent.name === agentName);
}

/**
 * The configured environment of a recorded canister, or one rebuilt from its network URL when
 * the command runs outside the project. The store does not know whether that environment is
 * protected, so it is treated as protected: destructive commands ask (or need --yes) rather
 * than assume it is safe.
 */
export function environmentOfRecord(session: Session, record: Canister): EnvironmentConfig {
  const configured = session.config?.environments.find((environment) => environment.name === record.environment);
  if (configured) return configured;
  const rebuilt = environmentOfNetwork(record.networkUrl, record.environment);
  if (rebuilt) return rebuilt;
  throw new SoulrecallError(
    `The store records canister ${record.canisterId} on "${record.networkUrl}", which is not a network URL.`,
    {
      code: 'STORE_INVALID_NETWORK',
      hint: `Run the command in the project folder whose soulrecall.yaml defines environment ${record.environment}.`,
    },
  );
}

function unknownCanister(canisterId: string, where: string): SoulrecallError {
  return new SoulrecallError(`Canister ${canisterId} is not known to soulrecall${where ? ` ${where}` : ''}.`, {
    code: 'CANISTER_NOT_RECORDED',
    hint: '`soulrecall list` shows the canisters soulrecall knows; pass --network <env> to look at another one.',
  });
}
