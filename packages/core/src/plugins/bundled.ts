import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oclifDataDir } from '../data-dir.js';

/**
 * The plugins the `soulrecall` package bundles (its `oclif.plugins` in the `@soulrecall` scope)
 * are oclif core plugins, which oclif itself cannot uninstall. soulrecall can: `plugins
 * uninstall` of a bundled plugin records its name here, in oclif's data dir next to the user
 * plugins, and the entry script leaves recorded plugins out when it loads the CLI. A plugin of
 * the same name installed from a registry (`plugins install`) is a user plugin and loads as
 * usual, so a removed plugin comes back by installing it, at the version asked for.
 *
 * This module is loaded by bin/run.js on every command: node built-ins only.
 */
const RECORD_FILE = 'removed-bundled-plugins.json';
const BUNDLED_SCOPE = '@soulrecall/';

interface RootPackage {
  oclif?: { plugins?: string[] };
  [key: string]: unknown;
}

function readRootPackage(root: string): RootPackage {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as RootPackage;
}

/** The soulrecall plugins a CLI package at `root` bundles. */
export function bundledPlugins(root: string): string[] {
  return (readRootPackage(root).oclif?.plugins ?? []).filter((name) => name.startsWith(BUNDLED_SCOPE));
}

/** Bundled plugins the user has uninstalled. A missing or unreadable record removes nothing. */
export function removedBundledPlugins(env: NodeJS.ProcessEnv = process.env): string[] {
  try {
    const record = JSON.parse(readFileSync(join(oclifDataDir(env), RECORD_FILE), 'utf8')) as { removed?: unknown };
    return Array.isArray(record.removed)
      ? record.removed.filter((name): name is string => typeof name === 'string')
      : [];
  } catch {
    return [];
  }
}

function writeRemoved(names: string[], env: NodeJS.ProcessEnv): void {
  const dir = oclifDataDir(env);
  mkdirSync(dir, { recursive: true });
  // Written aside and renamed: a record cut short by a crash would bring every plugin back.
  const file = join(dir, RECORD_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ removed: [...new Set(names)].sort() }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * What oclif's `execute` loads: the CLI package at `root`, without the bundled plugins the user
 * removed (`pjson` is then the package.json with those left out of `oclif.plugins`).
 */
export function cliLoadOptions(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): { root: string; pjson?: RootPackage } {
  const removed = removedBundledPlugins(env);
  if (removed.length === 0) return { root };
  const pjson = readRootPackage(root);
  const oclif = pjson.oclif ?? {};
  return {
    root,
    pjson: { ...pjson, oclif: { ...oclif, plugins: (oclif.plugins ?? []).filter((name) => !removed.includes(name)) } },
  };
}

/** `@scope/name@tag` → `@scope/name`, as plugin-plugins names plugins. */
function withoutTag(spec: string): string {
  return spec.replace(/(?<!^)@.*$/, '');
}

export interface BundledUninstall {
  /** Bundled plugins removed here that no user-installed copy stands for: done, nothing for oclif to do. */
  removed: string[];
  /** The arguments left for plugin-plugins' `plugins uninstall` (user-installed or linked plugins, flags). */
  remaining: string[];
}

/**
 * `plugins uninstall <names…>`: records every bundled plugin named, so its commands are gone
 * from the next command on. A name that is also user-installed stays in `remaining` so that
 * plugin-plugins removes that copy too: afterwards the plugin is not there in any form.
 */
export function uninstallBundledPlugins(
  argv: readonly string[],
  options: { root: string; userInstalled: ReadonlySet<string>; env?: NodeJS.ProcessEnv },
): BundledUninstall {
  const env = options.env ?? process.env;
  const bundled = bundledPlugins(options.root);
  const alreadyRemoved = removedBundledPlugins(env);
  const removedNow: string[] = [];
  const remaining: string[] = [];
  for (const arg of argv) {
    const name = withoutTag(arg);
    if (arg.startsWith('-') || !bundled.includes(name)) {
      remaining.push(arg);
      continue;
    }
    if (!alreadyRemoved.includes(name)) removedNow.push(name);
    // Already removed and not user-installed: plugin-plugins says it is not installed, which is true.
    if (options.userInstalled.has(name) || alreadyRemoved.includes(name)) remaining.push(arg);
  }
  if (removedNow.length > 0) writeRemoved([...alreadyRemoved, ...removedNow], env);
  return { removed: removedNow.filter((name) => !options.userInstalled.has(name)), remaining };
}
