import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Node, Pair, YAMLMap } from 'yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from './yaml.js';
import { historyBackendOf, redactUrl, type JsonObject } from '@soulrecall/history-store';
import { ConfigError, type ConfigErrorCode } from './errors.js';
import { CONFIG_FILE_NAME, findConfigFile } from './find.js';
import {
  LOCAL_NETWORK_URL,
  MAINNET_URL,
  type AgentConfig,
  type EnvironmentConfig,
  type ProjectConfig,
} from './types.js';

export { CONFIG_FILE_NAME, findConfigFile };

const TOP_LEVEL_KEYS = ['project', 'history', 'pipeline', 'environments', 'agents', 'plugins'];
const ENVIRONMENT_KEYS = ['network', 'aliases', 'protected', 'identity'];
const AGENT_KEYS = ['wasm', 'candid', 'health'];
const HEALTH_KEYS = ['method'];
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** What the history store accepts as a project name. */
const PROJECT_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Records from before projects existed, and commands run outside any project. */
export const DEFAULT_PROJECT = 'default';
/** Hosts of the IC mainnet API boundary nodes. */
const MAINNET_HOSTS = ['icp-api.io', 'ic0.app', 'icp0.io'];

export interface LoadConfigOptions {
  /** `--config`: a file that must exist. */
  configPath?: string;
  /** Where to start looking for soulrecall.yaml (default: process.cwd()). */
  cwd?: string;
}

/** Finds, reads and validates the project file. Every problem is a ConfigError naming file and line. */
export function loadProjectConfig(options: LoadConfigOptions = {}): ProjectConfig {
  const cwd = options.cwd ?? process.cwd();
  let file: string;
  if (options.configPath) {
    file = resolve(cwd, options.configPath);
    if (!existsSync(file)) {
      throw new ConfigError(
        'CONFIG_NOT_FOUND',
        file,
        undefined,
        'the configuration file given with --config does not exist.',
        'Check the path passed to --config.',
      );
    }
    if (statSync(file).isDirectory()) {
      throw new ConfigError(
        'CONFIG_NOT_FOUND',
        file,
        undefined,
        'the path given with --config is a folder, not a file.',
        `Pass the file itself, e.g. --config ${join(options.configPath, CONFIG_FILE_NAME)}.`,
      );
    }
  } else {
    const found = findConfigFile(cwd);
    if (!found) {
      throw new ConfigError(
        'CONFIG_NOT_FOUND',
        join(resolve(cwd), CONFIG_FILE_NAME),
        undefined,
        `no ${CONFIG_FILE_NAME} in this folder or any parent folder.`,
        `Create ${CONFIG_FILE_NAME} (see the README's Configuration section) or pass --config <file>.`,
      );
    }
    file = found;
  }
  const text = readFileSync(file, 'utf8');
  if (lastLoaded?.file !== file || lastLoaded.text !== text)
    lastLoaded = { file, text, config: parseProjectConfig(text, file) };
  // A copy: the caller may change its config; the next caller gets the file's.
  return structuredClone(lastLoaded.config);
}

/**
 * The file parsed last, with its text. bin/run.js's prestart reads the project file to find the
 * history store, then the command reads it again: the second read parses nothing when the text
 * is the same (parsing YAML is ≈ 15 ms of a command's start-up: bench/startup).
 */
let lastLoaded: { file: string; text: string; config: ProjectConfig } | undefined;

/** Validates the text of a project file; `file` is used in messages and to resolve relative paths. */
export function parseProjectConfig(text: string, file: string): ProjectConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined): number | undefined =>
    node?.range ? lines.linePos(node.range[0]).line : undefined;
  const fail = (
    code: ConfigErrorCode,
    node: { range?: [number, number, number] | null } | null | undefined,
    message: string,
    hint: string,
  ): never => {
    throw new ConfigError(code, file, lineOf(node), message, hint);
  };

  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    // Errors at the very end of the file (an unclosed bracket) point past the last line: name the last one.
    const line = Math.max(1, text.slice(0, Math.min(first.pos[0], text.trimEnd().length)).split('\n').length);
    const reason = first.message.split('\n')[0]!.replace(/\.$/, '');
    throw new ConfigError(
      'CONFIG_INVALID_YAML',
      file,
      line,
      `invalid YAML: ${reason}.`,
      'Fix the YAML syntax at that line (indentation, quotes, colons).',
    );
  }
  const top = doc.contents;
  if (top === null || top === undefined) {
    fail('CONFIG_EMPTY', null, 'the file is empty.', 'Define at least `environments:` (see the README).');
  }
  if (!isMap(top))
    fail(
      'CONFIG_NOT_A_MAPPING',
      top as Node,
      'the file must be a mapping with `pipeline`, `environments` and `agents`.',
      'Start the file with `environments:`.',
    );
  const root = top as YAMLMap;
  checkKeys(root, TOP_LEVEL_KEYS, '', fail);

  /**
   * The entries of an optional mapping of names (`agents:`, `plugins:`), each name checked as it is
   * reached: absent or empty is none, anything but a mapping is refused.
   */
  const namedEntries = function* (
    key: string,
    refusal: { notMapping: string; hint: string; nameOf: string },
  ): Generator<{ name: string; pair: Pair<Node, Node> }> {
    const node = root.get(key, true) as Node | undefined;
    if (node === undefined || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) fail('CONFIG_INVALID_VALUE', node, refusal.notMapping, refusal.hint);
    for (const pair of (node as YAMLMap).items as Pair<Node, Node>[]) {
      const name = String((pair.key as { value?: unknown })?.value ?? '');
      if (!NAME_PATTERN.test(name))
        fail(
          'CONFIG_INVALID_NAME',
          pair.key,
          `${refusal.nameOf} name "${name}" is not valid.`,
          'Use letters, digits, "-" and "_", starting with a letter.',
        );
      yield { name, pair };
    }
  };

  const environmentsNode = root.get('environments', true) as Node | undefined;
  if (!environmentsNode || !isMap(environmentsNode) || environmentsNode.items.length === 0) {
    fail(
      'CONFIG_NO_ENVIRONMENTS',
      environmentsNode ?? root,
      '`environments` must be a mapping with at least one environment.',
      'Add e.g. `environments: { local: { network: local } }`.',
    );
  }
  const environments: EnvironmentConfig[] = [];
  const owners = new Map<string, string>(); // name or alias -> environment that owns it
  for (const pair of (environmentsNode as YAMLMap).items as Pair<Node, Node>[]) {
    const name = String((pair.key as { value?: unknown })?.value ?? '');
    const where = `environments.${name}`;
    if (!NAME_PATTERN.test(name))
      fail(
        'CONFIG_INVALID_NAME',
        pair.key,
        `environment name "${name}" is not valid.`,
        'Use letters, digits, "-" and "_", starting with a letter.',
      );
    const body = pair.value;
    if (!isMap(body))
      fail(
        'CONFIG_INVALID_VALUE',
        body ?? pair.key,
        `${where} must be a mapping with at least \`network\`.`,
        `Write e.g. \`${name}: { network: local }\`.`,
      );
    const envMap = body as YAMLMap;
    checkKeys(envMap, ENVIRONMENT_KEYS, `${where}.`, fail);
    const networkNode = envMap.get('network', true) as Node | undefined;
    if (!networkNode)
      fail(
        'CONFIG_MISSING_KEY',
        envMap,
        `${where}.network is missing.`,
        'Set it to `local`, `ic` or the URL of a network.',
      );
    const network = scalarString(networkNode!, `${where}.network`, fail);
    const resolved =
      resolveNetwork(network) ??
      fail(
        'CONFIG_INVALID_URL',
        networkNode,
        `${where}.network "${network}" is neither \`local\`, \`ic\` nor a valid http(s) URL.`,
        'Use `local`, `ic`, or a URL such as http://127.0.0.1:4944.',
      );
    const aliasesNode = envMap.get('aliases', true) as Node | undefined;
    const aliases: string[] = [];
    if (aliasesNode !== undefined) {
      if (!isSeq(aliasesNode))
        fail(
          'CONFIG_INVALID_VALUE',
          aliasesNode,
          `${where}.aliases must be a list of names.`,
          'Write e.g. `aliases: [prod]`.',
        );
      for (const item of (aliasesNode as { items: Node[] }).items) {
        const alias = scalarString(item, `${where}.aliases`, fail);
        if (!NAME_PATTERN.test(alias))
          fail(
            'CONFIG_INVALID_NAME',
            item,
            `alias "${alias}" of environment ${name} is not valid.`,
            'Use letters, digits, "-" and "_", starting with a letter.',
          );
        aliases.push(alias);
      }
    }
    for (const [label, node] of [
      [name, pair.key],
      ...aliases.map((alias, index) => [alias, (aliasesNode as { items: Node[] }).items[index]]),
    ] as [string, Node][]) {
      const owner = owners.get(label);
      if (owner !== undefined) {
        fail(
          'CONFIG_DUPLICATE_NAME',
          node,
          `"${label}" names two environments (${owner} and ${name}).`,
          'Every environment name and alias must be unique.',
        );
      }
      owners.set(label, name);
    }
    const protectedNode = envMap.get('protected', true) as Node | undefined;
    let isProtected = false;
    if (protectedNode !== undefined) {
      if (!isScalar(protectedNode) || typeof protectedNode.value !== 'boolean') {
        fail(
          'CONFIG_INVALID_VALUE',
          protectedNode,
          `${where}.protected must be true or false.`,
          'Write `protected: true` to ask for confirmation before destructive changes.',
        );
      }
      isProtected = (protectedNode as { value: boolean }).value;
    }
    const identityNode = envMap.get('identity', true) as Node | undefined;
    const identity = identityNode === undefined ? undefined : scalarString(identityNode, `${where}.identity`, fail);
    environments.push({ name, network, ...resolved, aliases, protected: isProtected, identity });
  }

  let pipeline = environments.map((environment) => environment.name);
  const pipelineNode = root.get('pipeline', true) as Node | undefined;
  if (pipelineNode !== undefined) {
    if (!isSeq(pipelineNode) || pipelineNode.items.length === 0) {
      fail(
        'CONFIG_INVALID_VALUE',
        pipelineNode,
        '`pipeline` must be a non-empty list of environment names.',
        'Write e.g. `pipeline: [local, staging, production]`.',
      );
    }
    pipeline = [];
    for (const item of (pipelineNode as { items: Node[] }).items) {
      const stage = scalarString(item, 'pipeline', fail);
      const owner = owners.get(stage);
      if (owner === undefined) {
        fail(
          'CONFIG_UNKNOWN_ENVIRONMENT',
          item,
          `pipeline names "${stage}", which is not defined under \`environments\`.`,
          `Define environments.${stage} or remove it from the pipeline (defined: ${environments.map((e) => e.name).join(', ')}).`,
        );
      }
      if (pipeline.includes(owner!))
        fail(
          'CONFIG_DUPLICATE_NAME',
          item,
          `pipeline lists environment ${owner} twice.`,
          'Each environment may appear once in the pipeline.',
        );
      pipeline.push(owner!);
    }
  }

  const agents: AgentConfig[] = [];
  for (const { name, pair } of namedEntries('agents', {
    notMapping: '`agents` must be a mapping of agent names.',
    hint: 'Write e.g. `agents: { my-agent: { wasm: dist/agent.wasm } }`.',
    nameOf: 'agent',
  })) {
    const where = `agents.${name}`;
    const agent: AgentConfig = { name };
    const body = pair.value;
    if (body !== null && !(isScalar(body) && body.value === null)) {
      if (!isMap(body))
        fail(
          'CONFIG_INVALID_VALUE',
          body,
          `${where} must be a mapping (wasm, candid, health).`,
          `Write e.g. \`${name}: { wasm: dist/agent.wasm }\`.`,
        );
      checkKeys(body as YAMLMap, AGENT_KEYS, `${where}.`, fail);
      const wasmNode = (body as YAMLMap).get('wasm', true) as Node | undefined;
      if (wasmNode !== undefined) {
        agent.wasm = scalarString(wasmNode, `${where}.wasm`, fail);
        agent.wasmLine = lineOf(wasmNode);
      }
      const candidNode = (body as YAMLMap).get('candid', true) as Node | undefined;
      if (candidNode !== undefined) agent.candid = scalarString(candidNode, `${where}.candid`, fail);
      const healthNode = (body as YAMLMap).get('health', true) as Node | undefined;
      if (healthNode !== undefined) {
        if (!isMap(healthNode))
          fail(
            'CONFIG_INVALID_VALUE',
            healthNode,
            `${where}.health must be a mapping such as { method: health }.`,
            'Name a query method that reports health.',
          );
        checkKeys(healthNode as YAMLMap, HEALTH_KEYS, `${where}.health.`, fail);
        const methodNode = (healthNode as YAMLMap).get('method', true) as Node | undefined;
        if (!methodNode)
          fail(
            'CONFIG_MISSING_KEY',
            healthNode,
            `${where}.health.method is missing.`,
            'Name a query method that reports health, e.g. `method: health`.',
          );
        agent.health = { method: scalarString(methodNode!, `${where}.health.method`, fail) };
      }
    }
    agents.push(agent);
  }
  let project = projectFromFolder(dirname(file));
  const projectNode = root.get('project', true) as Node | undefined;
  if (projectNode !== undefined) {
    project = scalarString(projectNode, 'project', fail);
    if (!PROJECT_PATTERN.test(project)) {
      fail(
        'CONFIG_INVALID_NAME',
        projectNode,
        `project name "${project}" is not valid.`,
        'Use 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit.',
      );
    }
  }
  let history: string | undefined;
  const historyNode = root.get('history', true) as Node | undefined;
  if (historyNode !== undefined) {
    history = scalarString(historyNode, 'history', fail);
    if (!isHistoryUrl(history)) {
      fail(
        'CONFIG_INVALID_URL',
        historyNode,
        `history "${redactUrl(history)}" is neither \`sqlite\` nor a postgres:// URL with a host and a database.`,
        'Write `history: sqlite` (the default) or e.g. `history: postgres://soulrecall@db.internal:5432/soulrecall`.',
      );
    }
  }
  const plugins: Record<string, JsonObject> = {};
  for (const { name, pair } of namedEntries('plugins', {
    notMapping: '`plugins` must be a mapping of plugin names to their settings.',
    hint: 'Write e.g. `plugins: { notify: { webhook: https://hooks.example.com/x } }`.',
    nameOf: 'plugin settings',
  })) {
    if (!isMap(pair.value))
      fail(
        'CONFIG_INVALID_VALUE',
        pair.value ?? pair.key,
        `plugins.${name} must be a mapping of that plugin's settings.`,
        `Write e.g. \`${name}: { key: value }\` (see the plugin's README).`,
      );
    plugins[name] = (pair.value as YAMLMap).toJSON() as JsonObject;
  }
  return { project, history, file, root: dirname(file), pipeline, environments, agents, plugins };
}

function isHistoryUrl(value: string): boolean {
  try {
    historyBackendOf(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The project of a soulrecall.yaml without `project:`: its folder's name, lower-cased, with
 * anything the store does not take turned into "-" (`My Agents` → `my-agents`).
 */
export function projectFromFolder(folder: string): string {
  const name = basename(resolve(folder))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return name === '' ? DEFAULT_PROJECT : name;
}

/** Whether a network URL is the IC mainnet (whose root key is built in). */
export function isMainnetUrl(networkUrl: string): boolean {
  try {
    return MAINNET_HOSTS.includes(new URL(networkUrl).hostname);
  } catch {
    return false;
  }
}

type Fail = (code: ConfigErrorCode, node: Node | null | undefined, message: string, hint: string) => never;

function checkKeys(map: YAMLMap, allowed: string[], prefix: string, fail: Fail): void {
  for (const pair of map.items as Pair<Node, Node>[]) {
    const key = String((pair.key as { value?: unknown })?.value ?? '');
    if (!allowed.includes(key)) {
      fail('CONFIG_UNKNOWN_KEY', pair.key, `unknown key "${prefix}${key}".`, `Allowed here: ${allowed.join(', ')}.`);
    }
  }
}

function scalarString(node: Node, where: string, fail: Fail): string {
  if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') {
    fail(
      'CONFIG_INVALID_VALUE',
      node,
      `${where} must be a non-empty string.`,
      'Quote the value if it contains special characters.',
    );
  }
  return (node as { value: string }).value;
}

/**
 * An environment that is nothing but a network (`local`, `ic` or a URL), built exactly as
 * `network:` in soulrecall.yaml builds one: what read commands take for `--network ic` outside a
 * project, and what a recorded canister's network becomes when its environment is not
 * configured. Nothing says such an environment is safe, so it is protected. Undefined when the
 * value is not a network.
 */
export function environmentOfNetwork(network: string, name = network): EnvironmentConfig | undefined {
  const resolved = resolveNetwork(network);
  return resolved && { name, network, ...resolved, aliases: [], protected: true };
}

/** How a `network:` value is reached; undefined when it is neither `local`, `ic` nor an http(s) URL. */
function resolveNetwork(
  network: string,
): Pick<EnvironmentConfig, 'networkKind' | 'networkUrl' | 'rootKey'> | undefined {
  if (network === 'local') return { networkKind: 'local', networkUrl: LOCAL_NETWORK_URL, rootKey: 'fetched' };
  if (network === 'ic') return { networkKind: 'ic', networkUrl: MAINNET_URL, rootKey: 'builtin-mainnet' };
  let url: URL;
  try {
    url = new URL(network);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  const networkUrl = url.toString().replace(/\/$/, '');
  // Mainnet written as a URL is still mainnet: its root key must be the built-in one, never one
  // fetched from whoever answers at that address.
  if (isMainnetUrl(networkUrl)) return { networkKind: 'ic', networkUrl, rootKey: 'builtin-mainnet' };
  return { networkKind: 'url', networkUrl, rootKey: 'fetched' };
}
