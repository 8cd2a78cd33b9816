import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from '../config/yaml.js';
import { findConfigFile } from '../config/find.js';
import { NO_PROJECT_NAMES, type ProjectNames } from './complete.js';

/**
 * The environment and agent names of the project file, for completion: `--config` when given,
 * else the nearest soulrecall.yaml above `cwd`.
 *
 * Deliberately not the validating loader: a file being edited (an unknown key, a bad URL) still
 * has names worth offering, and a TAB must never print an error. Anything unreadable gives no
 * names.
 */
export function readProjectNames(options: { cwd: string; configPath?: string }): ProjectNames {
  try {
    const file = options.configPath ? resolve(options.cwd, options.configPath) : findConfigFile(options.cwd);
    if (file === undefined) return NO_PROJECT_NAMES;
    const document: unknown = parse(readFileSync(file, 'utf8'), { uniqueKeys: false });
    if (!isRecord(document)) return NO_PROJECT_NAMES;
    const environments = entries(document.environments).map(([name, body]) => ({
      name,
      aliases:
        isRecord(body) && Array.isArray(body.aliases)
          ? body.aliases.filter((alias): alias is string => typeof alias === 'string')
          : [],
      description:
        isRecord(body) && typeof body.network === 'string'
          ? `network ${body.network}${body.protected === true ? ', protected' : ''}`
          : undefined,
    }));
    const agents = entries(document.agents).map(([name, body]) => ({
      name,
      description: isRecord(body) && typeof body.wasm === 'string' ? body.wasm : undefined,
    }));
    return { environments, agents };
  } catch {
    return NO_PROJECT_NAMES;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(value: unknown): Array<[string, unknown]> {
  return isRecord(value) ? Object.entries(value) : [];
}
