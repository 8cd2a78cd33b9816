import type { JsonObject } from '@soulrecall/history-store';

/** What `network:` resolved to. */
export type NetworkKind = 'local' | 'ic' | 'url';

export const LOCAL_NETWORK_URL = 'http://127.0.0.1:4943';
export const MAINNET_URL = 'https://icp-api.io';

export interface EnvironmentConfig {
  name: string;
  /** The value written in the file: `local`, `ic` or a URL. */
  network: string;
  networkKind: NetworkKind;
  /** The URL soulrecall talks to. */
  networkUrl: string;
  /** Where the root key comes from: built into soulrecall for mainnet, fetched otherwise. */
  rootKey: 'builtin-mainnet' | 'fetched';
  aliases: string[];
  protected: boolean;
  /** PEM path, soulrecall identity name or `dfx:<name>`; undefined = the default identity. */
  identity?: string;
}

export interface AgentConfig {
  name: string;
  /** Module path as written in the file (relative to the project root). */
  wasm?: string;
  /** Line of `wasm:` in the file, so a missing module can be located when it is used. */
  wasmLine?: number;
  /** Candid interface file (relative to the project root), as dfx.json names it; informational. */
  candid?: string;
  health?: { method: string };
}

export interface ProjectConfig {
  /**
   * The project every record of this folder belongs to: `project:` in the file, or else the
   * folder's name made lower case (as Docker Compose names a project).
   */
  project: string;
  /** `history:` — `sqlite` or a postgres:// URL of a shared store; undefined = the default (SQLite). */
  history?: string;
  /** Absolute path of the soulrecall.yaml that was read. */
  file: string;
  /** Folder holding it: relative paths in the file are relative to it. */
  root: string;
  pipeline: string[];
  environments: EnvironmentConfig[];
  agents: AgentConfig[];
  /**
   * `plugins:` — each installed plugin's own settings under its key (e.g. `plugins.notify`),
   * unchecked here: core cannot know a third-party plugin's schema, so the plugin validates
   * its section. Empty when the file has none.
   */
  plugins: Record<string, JsonObject>;
}
