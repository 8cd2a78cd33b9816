import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import semver from 'semver';
import { SoulrecallError } from '../errors.js';

const run = promisify(execFile);

/** The version of @soulrecall/core this CLI runs: what a plugin's `@soulrecall/core` range must accept. */
export const CORE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** What `plugins install` was asked for, as plugin-plugins parses it (its `plugins:preinstall` payload). */
export type PluginRequest = { type: 'npm'; name: string; tag: string } | { type: 'repo'; url: string };

/** The parts of a plugin's package.json this check reads. */
export interface PluginPackage {
  name?: string;
  version?: string;
  oclif?: unknown;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface PluginCheckOptions {
  /** The registry `plugins install` will ask (oclif's `npmRegistry`, else npm's own setting). */
  registry: () => Promise<string>;
  coreVersion?: string;
  /** Where npm will run (oclif's data dir): a relative `file:` path is relative to it. */
  cwd?: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}

/**
 * Checks, before plugin-plugins runs npm, that what is about to be installed is a soulrecall
 * plugin this CLI can load: an npm package with an `oclif` section whose `@soulrecall/core`
 * range (peer or plain dependency) accepts this CLI's core. Registry packages are read from the
 * registry's package document, tarballs and folders from their package.json. A registry that
 * is down fails here in one sentence instead of as npm's page of output. Nothing is installed
 * when the check fails. Git URLs are left to npm.
 */
export async function checkPluginBeforeInstall(
  request: PluginRequest,
  options: PluginCheckOptions,
): Promise<PluginPackage | undefined> {
  const coreVersion = options.coreVersion ?? CORE_VERSION;
  if (request.type === 'npm') {
    const pkg = await fromRegistry(request.name, request.tag, options);
    if (pkg) assertLoadable(pkg, `${request.name}@${pkg.version}`, coreVersion);
    return pkg;
  }
  const path = localPath(request.url, options.cwd ?? process.cwd());
  if (path === undefined) return undefined;
  const pkg = await fromLocal(path);
  assertLoadable(pkg, pkg.name ?? path, coreVersion);
  return pkg;
}

/**
 * A `file:` URL of `plugins install` as a path (plugin-plugins reads anything else with a slash
 * as a git URL). npm resolves a relative one in the folder it runs in: `cwd`.
 */
function localPath(url: string, cwd: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  return url.startsWith('file://') ? fileURLToPath(url) : resolve(cwd, url.slice('file:'.length));
}

async function fromLocal(path: string): Promise<PluginPackage> {
  const notAPackage = (why: string) =>
    new SoulrecallError(`${path} is not an npm package: ${why}.`, {
      code: 'PLUGIN_NOT_A_PACKAGE',
      hint: 'Give `plugins install` a tarball made by `npm pack`, a package folder, or a package name.',
    });
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new SoulrecallError(`${path} does not exist.`, {
      code: 'PLUGIN_NOT_FOUND',
      hint: 'Check the path of the plugin tarball or folder.',
    });
  }
  let text: string;
  try {
    text = isDirectory
      ? readFileSync(join(path, 'package.json'), 'utf8')
      : (await run('tar', ['-xzOf', path, 'package/package.json'], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch {
    throw notAPackage(isDirectory ? 'it has no package.json' : 'it is not a tarball holding package/package.json');
  }
  try {
    return JSON.parse(text) as PluginPackage;
  } catch {
    throw notAPackage('its package.json is not valid JSON');
  }
}

async function fromRegistry(
  name: string,
  tag: string,
  options: PluginCheckOptions,
): Promise<PluginPackage | undefined> {
  const registry = (await options.registry()).replace(/\/?$/, '/');
  const url = `${registry}${name.replace('/', '%2f')}`;
  const unreachable = (why: string) =>
    new SoulrecallError(`The npm registry at ${registry} cannot be reached: ${why}.`, {
      code: 'PLUGIN_REGISTRY_UNREACHABLE',
      hint: 'Start the registry or point soulrecall at one that answers (`npm config get registry`, or SOULRECALL_NPM_REGISTRY), then install again.',
    });
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw unreachable(
      cause?.code === 'ECONNREFUSED'
        ? 'connection refused'
        : (error as Error).name === 'TimeoutError'
          ? 'no answer in time'
          : (cause?.code ?? (error as Error).message),
    );
  }
  // A registry that wants credentials for reads: npm has them, this check does not. npm decides.
  if (response.status === 401 || response.status === 403) return undefined;
  if (response.status === 404) {
    throw new SoulrecallError(`${name} is not in the npm registry at ${registry}.`, {
      code: 'PLUGIN_NOT_FOUND',
      hint: 'Check the plugin name; `soulrecall plugins` lists what is installed.',
    });
  }
  if (!response.ok) throw unreachable(`it answered HTTP ${response.status}`);
  const document = (await response.json()) as {
    'dist-tags'?: Record<string, string>;
    versions?: Record<string, PluginPackage>;
  };
  const versions = document.versions ?? {};
  const version =
    document['dist-tags']?.[tag] ?? (versions[tag] ? tag : semver.maxSatisfying(Object.keys(versions), tag));
  if (!version || !versions[version]) {
    throw new SoulrecallError(`${name} has no version ${tag} in the npm registry at ${registry}.`, {
      code: 'PLUGIN_NOT_FOUND',
      hint: `Its versions there: ${Object.keys(versions).join(', ') || 'none'}.`,
    });
  }
  return { version, ...versions[version] };
}

/** A soulrecall plugin this CLI can load, or one clear sentence why not. */
function assertLoadable(pkg: PluginPackage, label: string, coreVersion: string): void {
  if (pkg.oclif === undefined || pkg.oclif === null) {
    throw new SoulrecallError(`${label} is not a soulrecall plugin: its package.json has no "oclif" section.`, {
      code: 'PLUGIN_NOT_A_PLUGIN',
      hint: 'A plugin is an oclif plugin package (README "Writing a plugin"); check that you named the right package.',
    });
  }
  const range = pkg.peerDependencies?.['@soulrecall/core'] ?? pkg.dependencies?.['@soulrecall/core'];
  if (
    range !== undefined &&
    semver.validRange(range) !== null &&
    !semver.satisfies(coreVersion, range, { includePrerelease: true })
  ) {
    throw new SoulrecallError(`${label} needs @soulrecall/core ${range}, and this soulrecall has ${coreVersion}.`, {
      code: 'PLUGIN_CORE_MISMATCH',
      hint: `Install a version of the plugin made for @soulrecall/core ${coreVersion}, or a soulrecall whose core satisfies ${range}.`,
    });
  }
}

/** The registry npm would use for `name` in `cwd`: its scope's registry if one is set, else npm's registry. */
export async function npmRegistryFor(name: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // npm reads a project .npmrc in its working folder: plugin-plugins runs npm in oclif's data dir.
  const get = async (key: string) =>
    (
      await run(npm, ['config', 'get', key], {
        cwd: existsSync(cwd) ? cwd : undefined,
        env,
        shell: process.platform === 'win32',
      })
    ).stdout.trim();
  const scope = name.startsWith('@') ? name.split('/')[0] : undefined;
  const scoped = scope ? await get(`${scope}:registry`) : 'undefined';
  return scoped && scoped !== 'undefined' ? scoped : await get('registry');
}
