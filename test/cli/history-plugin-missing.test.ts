import { expect } from 'chai';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';

const HISTORY_PLUGIN = '@soulrecall/plugin-history';

/** What a user who uninstalled the bundled history plugin (`plugins uninstall`) gets. */
describe('soulrecall binary without plugin-history', function () {
  this.timeout(60_000);
  const sandbox = new CliSandbox();
  after(() => sandbox.cleanup());

  before(async () => {
    const removed = await sandbox.run(['plugins', 'uninstall', HISTORY_PLUGIN]);
    expect(removed.exitCode, removed.stderr).to.equal(0);
  });

  it('really lacks the plugin: `plugins --core` does not list it, plugin-promotion is there', async () => {
    const result = await sandbox.run(['plugins', '--core']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.include('@soulrecall/plugin-promotion');
    expect(result.stdout).to.not.include(HISTORY_PLUGIN);
  });

  for (const sub of ['list', 'show']) {
    it(`\`promote ${sub} x\` is not read as promoting an agent named "${sub}": it names the plugin and how to install it`, async () => {
      const result = await sandbox.run(['promote', sub, 'x']);
      expect(result.exitCode, result.stderr).to.equal(4);
      expect(result.stderr).to.include(`promote ${sub}`).and.include('history plugin');
      expect(result.stderr).to.include(`soulrecall plugins install ${HISTORY_PLUGIN}`);
      expect(result.stderr).to.not.match(STACK_TRACE);
      const json = await sandbox.run(['promote', sub, 'x', '--json']);
      expect(JSON.parse(json.stdout).error).to.include({ code: 'PLUGIN_MISSING', exitCode: 4 });
    });
  }
});
