import type { Hook } from '@oclif/core';
import { renderError, toSoulrecallError } from '@soulrecall/core';
// Its own entry point: the check (and semver, some 50 modules) loads only when a plugin is installed.
import { checkPluginBeforeInstall, npmRegistryFor } from '@soulrecall/core/plugin-install';

/**
 * `plugins:preinstall`: refuses, in one sentence and before npm runs, a package that is not a
 * soulrecall plugin, one whose `@soulrecall/core` range this CLI does not satisfy, and a
 * registry that does not answer. Nothing is installed then.
 */
const hook: Hook<'plugins:preinstall'> = async function ({ plugin }) {
  try {
    await checkPluginBeforeInstall(plugin, {
      registry: async () =>
        this.config.npmRegistry ??
        (await npmRegistryFor(plugin.type === 'npm' ? plugin.name : '', this.config.dataDir)),
      cwd: this.config.dataDir,
    });
  } catch (thrown) {
    const error = toSoulrecallError(thrown);
    process.stderr.write(renderError(error, false));
    this.exit(error.exitCode);
  }
};

export default hook;
