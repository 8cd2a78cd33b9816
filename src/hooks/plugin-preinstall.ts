import { Errors, type Hook } from '@oclif/core';
import { resolve } from 'node:path';
import { ExitCode } from '@soulrecall/core';
import { readPackageJsonOf } from '../plugin-package.js';

/**
 * `plugins:preinstall`: a local package (`file:` tarball or folder) that is not an oclif plugin
 * is refused before npm runs. plugin-plugins would install it, then say only "plugin is invalid"
 * and leave it in the data directory's package.json and node_modules (its clean-up looks for
 * the `file:` URL, not the package's name). Packages from a registry are left to plugin-plugins:
 * they cannot be read before npm fetches them.
 */
const refuseNonPlugins: Hook<'plugins:preinstall'> = async function ({ plugin, config }) {
  if (plugin.type !== 'repo' || !plugin.url.startsWith('file:')) return;
  // npm runs in the data directory, so a relative `file:` path is relative to it.
  const pkg = readPackageJsonOf(resolve(config.dataDir, plugin.url.slice('file:'.length)));
  if (pkg === undefined || (typeof pkg.oclif === 'object' && pkg.oclif !== null)) return;
  const name = typeof pkg.name === 'string' ? pkg.name : plugin.url;
  // An oclif error with an exit code: runHook rethrows only such errors, so the install stops
  // here, and plugin-plugins' commands print it as they print their own.
  throw new Errors.CLIError(`${name} is not a soulrecall plugin: its package.json has no "oclif" section, so nothing was installed.`, {
    exit: ExitCode.InvalidInput,
    suggestions: ['A plugin declares its commands and hooks under "oclif" in package.json (see the README, "Writing a plugin").'],
  });
};

export default refuseNonPlugins;
