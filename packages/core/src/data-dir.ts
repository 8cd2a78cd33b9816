import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The soulrecall data directory: history.db, artifacts/, identities/, networks/.
 * `SOULRECALL_HOME` wins (tests always set it); otherwise oclif's data dir.
 */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SOULRECALL_HOME || oclifDataDir(env);
}

/**
 * oclif's data dir for `soulrecall`, where user-installed plugins live: `SOULRECALL_DATA_DIR`,
 * else `$XDG_DATA_HOME/soulrecall`, else `%LOCALAPPDATA%\soulrecall` on Windows, else
 * `~/.local/share/soulrecall`. Computed the way @oclif/core's Config does, so packages and the entry script
 * need no Config.
 */
export function oclifDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SOULRECALL_DATA_DIR) return env.SOULRECALL_DATA_DIR;
  const base =
    env.XDG_DATA_HOME ||
    (process.platform === 'win32' && env.LOCALAPPDATA) ||
    join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'soulrecall');
}
