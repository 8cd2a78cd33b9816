import type { Hook } from '@oclif/core';

/**
 * `prerun`: lets `plugins uninstall` remove a plugin bundled with soulrecall (oclif alone
 * answers "not installed" for core plugins). Every other command returns at once, before
 * anything is imported.
 */
const hook: Hook<'prerun'> = async function ({ Command, argv }) {
  if (Command.id !== 'plugins:uninstall') return;
  const { uninstallBundledPlugins } = await import('@soulrecall/core/bundled-plugins');
  const userInstalled = new Set(
    this.config
      .getPluginsList()
      .filter((plugin) => plugin.type === 'user' || plugin.type === 'link')
      .map((plugin) => plugin.name),
  );
  const { removed, remaining } = uninstallBundledPlugins(argv, { root: this.config.root, userInstalled });
  for (const name of removed)
    this.log(
      `Uninstalled ${name}, which came bundled with soulrecall; \`${this.config.bin} plugins install ${name}\` installs it again.`,
    );
  // plugin-plugins reads the same array: what is done here is taken out of its way.
  argv.splice(0, argv.length, ...remaining);
  // Nothing left for plugin-plugins, which given no names would try to uninstall ".": its run is
  // skipped (a hook's exit(0) does not stop the command; oclif runs it next with this argv).
  if (removed.length > 0 && !remaining.some((arg) => !arg.startsWith('-')))
    Object.assign(Command, { run: async () => undefined });
};

export default hook;
