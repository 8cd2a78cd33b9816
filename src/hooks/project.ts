import type { Hook } from '@oclif/core';
import { loadProjectConfig } from '@soulrecall/core';

/**
 * `soulrecall:project`: reads soulrecall.yaml for a plugin that uses only core's types at run
 * time (a plugin installed from a tarball cannot bring @soulrecall/core along, see README
 * "Writing a plugin"), with the same search and the same errors as every command.
 */
const project: Hook<'soulrecall:project'> = async function ({ configPath, cwd }) {
  return loadProjectConfig({ configPath, cwd });
};

export default project;
