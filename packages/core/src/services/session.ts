import type { CanisterClient, IdentityStore, LoadedIdentity, NetworkDescription } from '@soulrecall/canister-client';
import { openHistoryStore, type HistoryStore } from '@soulrecall/history-store';
import type { EnvironmentConfig, ProjectConfig } from '../config/types.js';
import { dataDir as defaultDataDir } from '../data-dir.js';
import { DEFAULT_PROJECT } from '../config/loader.js';
import { withIdentities } from './identity-commands.js';

export interface SessionOptions {
  /** soulrecall.yaml, when the command has one (most do; `network` and `health <id>` may not). */
  config?: ProjectConfig;
  dataDir?: string;
  /** Per-request timeout towards networks. */
  requestTimeoutMs?: number;
}

/** Where a command's history lives: SOULRECALL_HISTORY_URL, else the project's `history:`, else undefined (SQLite). */
export function historyUrlOf(config: ProjectConfig | undefined): string | undefined {
  return process.env.SOULRECALL_HISTORY_URL || config?.history;
}

/**
 * What one command invocation works with: the project config, the history store, the identities
 * and one verified connection per environment. Opened lazily (a command that never talks to a
 * network never connects) and closed once at the end of the command.
 */
export class Session {
  readonly config?: ProjectConfig;
  readonly dataDir: string;
  private storeInstance?: HistoryStore;
  private identityStore?: Promise<IdentityStore>;
  private readonly clients = new Map<string, Promise<CanisterClient>>();
  private readonly requestTimeoutMs?: number;

  constructor(options: SessionOptions = {}) {
    this.config = options.config;
    this.dataDir = options.dataDir ?? defaultDataDir();
    this.requestTimeoutMs = options.requestTimeoutMs;
  }

  /** The project whose records this command sees: soulrecall.yaml's, or `default` outside any project. */
  get project(): string {
    return this.config?.project ?? DEFAULT_PROJECT;
  }

  /**
   * Where the history lives: `SOULRECALL_HISTORY_URL`, else soulrecall.yaml's `history:`, else
   * SQLite in the data directory. The variable wins so CI can point at a server (and keep its
   * password) without editing the file.
   */
  get historyUrl(): string | undefined {
    return historyUrlOf(this.config);
  }

  /** The history store (SQLite in the data directory, or PostgreSQL), opened on first use, scoped to the project. */
  get store(): HistoryStore {
    this.storeInstance ??= openHistoryStore({ dataDir: this.dataDir, project: this.project, url: this.historyUrl });
    return this.storeInstance;
  }

  /**
   * soulrecall's identities. canister-client (and with it @dfinity/agent's BLS set-up) is loaded
   * only here and in `client()`, so commands that never sign or call start faster.
   */
  identities(): Promise<IdentityStore> {
    this.identityStore ??= import('@soulrecall/canister-client').then(
      ({ IdentityStore }) => new IdentityStore({ dataDir: this.dataDir }),
    );
    return this.identityStore;
  }

  /** The identity an environment deploys with (its `identity:` or the selected soulrecall identity). */
  async identityFor(environment: EnvironmentConfig): Promise<LoadedIdentity> {
    return withIdentities(this, (identities) => identities.resolve(environment.identity));
  }

  /** A verified connection to the environment's network, signed by its identity; one per environment. */
  client(environment: EnvironmentConfig): Promise<CanisterClient> {
    let client = this.clients.get(environment.name);
    if (!client) {
      client = Promise.all([import('@soulrecall/canister-client'), this.identityFor(environment)]).then(
        ([{ CanisterClient: Client }, identity]) =>
          Client.connect(networkOf(environment), identity, { requestTimeoutMs: this.requestTimeoutMs }),
      );
      // A failed connection is not cached: the next caller gets a fresh attempt and its own error.
      client.catch(() => this.clients.delete(environment.name));
      this.clients.set(environment.name, client);
    }
    return client;
  }

  close(): void {
    this.storeInstance?.close();
    this.storeInstance = undefined;
  }
}

/** The plain network description canister-client takes. */
export function networkOf(environment: EnvironmentConfig): NetworkDescription {
  return { name: environment.name, url: environment.networkUrl, kind: environment.networkKind };
}
