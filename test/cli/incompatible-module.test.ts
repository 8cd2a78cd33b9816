import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { createProject, type TestProject } from '../helpers/project.js';

/**
 * A module the network would refuse as an upgrade (the sample agent is Motoko with enhanced
 * orthogonal persistence; a valid but empty module has none) is refused before anything is
 * recorded: no deployment, no snapshot, no artifact, no promotion, exit 5 with a hint.
 */
describe('soulrecall binary: an upgrade the network would refuse is refused before anything is recorded', function () {
  this.timeout(180_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let project: TestProject;
  let empty: string;

  before(async () => {
    project = await createProject(sandbox, pool, { stages: ['local', 'staging'], protectedStages: [] });
    await project.deploy('my-agent', 'local');
    await project.deploy('my-agent', 'staging');
    empty = join(sandbox.home, 'empty.wasm');
    writeFileSync(empty, Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  const counts = () =>
    project.withStore((store) => ({
      deployments: store.deployments.list({ limit: 1000 }).length,
      backups: store.backups.list({ limit: 1000 }).length,
      artifacts: store.artifacts.list().length,
      promotions: store.promotions.list({ limit: 1000 }).length,
    }));

  const cases = [
    { name: 'deploy', args: () => ['deploy', 'my-agent', '-e', 'staging', '-w', empty, '--yes'] },
    {
      name: 'promote (in place)',
      args: () => ['promote', 'my-agent', '--from', 'local', '--to', 'staging', '-w', empty, '--yes'],
    },
    {
      name: 'promote --blue-green (state copy)',
      args: () => ['promote', 'my-agent', '--from', 'local', '--to', 'staging', '-w', empty, '--blue-green', '--yes'],
    },
  ];
  for (const { name, args } of cases) {
    it(`${name}: exit 5, one sentence and a hint, nothing recorded`, async () => {
      const before = counts();
      const result = await project.run(args());
      expect(result.exitCode, result.stderr).to.equal(5);
      expect(result.stderr).to.match(
        /^Error: Module [0-9a-f]{12} cannot upgrade canister \S+: the canister runs Motoko with enhanced orthogonal persistence, and the new module does not, so the network would refuse it\.$/m,
      );
      expect(result.stderr).to.match(/^Hint: .*persistence/m);
      expect(result.stderr).to.not.match(STACK_TRACE);
      expect(counts()).to.deep.equal(before);
      const json = await project.json(args());
      expect(json.exitCode).to.equal(5);
      expect(json.json.error.code).to.equal('UPGRADE_INCOMPATIBLE');
      expect(counts()).to.deep.equal(before);
    });
  }
});
