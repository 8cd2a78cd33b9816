import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The soulrecall data directory: history.db, artifacts/, identities/, networks/.
 * `SOULRECALL_HOME` wins (tests always set it); otherwise oclif's data dir for `soulrecall`
 * (`SOULRECALL_DATA_DIR`, else `$XDG_DATA_HOME/soulrecall`, else `~/.local/share/soulrecall`;
 * `%LOCALAPPDATA%\soulrecall` on Windows), computed here so packages need no oclif Config.
 */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SOULRECALL_HOME) return env.SOULRECALL_HOME;
  if (env.SOULRECALL_DATA_DIR) return env.SOULRECALL_DATA_DIR;
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'soulrecall');
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'soulrecall');
}
