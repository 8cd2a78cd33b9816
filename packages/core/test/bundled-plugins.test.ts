import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliLoadOptions, removedBundledPlugins, uninstallBundledPlugins } from '../src/plugins/bundled.js';

const HISTORY = '@soulrecall/plugin-history';
const NETWORK = '@soulrecall/plugin-network';

describe('bundled plugins: uninstalling what came with the CLI', () => {
  let root: string;
  let data: string;
  let env: NodeJS.ProcessEnv;
  const none = new Set<string>();

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'soulrecall-root-'));
    data = mkdtempSync(join(tmpdir(), 'soulrecall-data-'));
    env = { SOULRECALL_DATA_DIR: data };
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({
        name: 'soulrecall',
        oclif: { bin: 'soulrecall', plugins: ['@oclif/plugin-help', NETWORK, HISTORY] },
      }),
    );
  });
  afterEach(() => [root, data].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('loads the package as it is while nothing was uninstalled', () => {
    expect(cliLoadOptions(root, env)).to.deep.equal({ root });
  });

  it('removes a bundled plugin: done here, nothing left for plugin-plugins, and the next load leaves it out', () => {
    expect(uninstallBundledPlugins([HISTORY], { root, userInstalled: none, env })).to.deep.equal({
      removed: [HISTORY],
      remaining: [],
    });
    expect(removedBundledPlugins(env)).to.deep.equal([HISTORY]);
    expect(cliLoadOptions(root, env).pjson?.oclif).to.deep.equal({
      bin: 'soulrecall',
      plugins: ['@oclif/plugin-help', NETWORK],
    });
  });

  it('also hands a user-installed copy to plugin-plugins, so no copy is left', () => {
    expect(
      uninstallBundledPlugins(['-v', `${HISTORY}@0.1.0`], { root, userInstalled: new Set([HISTORY]), env }),
    ).to.deep.equal({ removed: [], remaining: ['-v', `${HISTORY}@0.1.0`] });
    expect(removedBundledPlugins(env)).to.deep.equal([HISTORY]);
  });

  it('leaves other plugins, oclif’s own bundled ones and a second uninstall to plugin-plugins', () => {
    uninstallBundledPlugins([HISTORY], { root, userInstalled: none, env });
    expect(
      uninstallBundledPlugins(['@oclif/plugin-help', 'someone-elses-plugin', HISTORY, NETWORK], {
        root,
        userInstalled: none,
        env,
      }),
    ).to.deep.equal({
      removed: [NETWORK],
      remaining: ['@oclif/plugin-help', 'someone-elses-plugin', HISTORY],
    });
    expect(removedBundledPlugins(env)).to.deep.equal([HISTORY, NETWORK]);
  });

  it('reads an unreadable record as nothing removed', () => {
    writeFileSync(join(data, 'removed-bundled-plugins.json'), '{"removed": [');
    expect(removedBundledPlugins(env)).to.deep.equal([]);
    expect(cliLoadOptions(root, env)).to.deep.equal({ root });
  });
});
