import { expect } from 'chai';
import { join } from 'node:path';
import { repoRoot, runProgram } from '../helpers/cli.js';

/**
 * docs/commands.md is generated from the oclif manifests (`npm run build` writes it): the file in the work tree and
 * the one checked into git must both be what the manifests of this build give, so a renamed command or flag
 * cannot leave the reference behind.
 */
describe('the command reference (docs/commands.md)', function () {
  this.timeout(60_000);

  it('is what the oclif manifests give', async () => {
    const result = await runProgram(process.execPath, [join(repoRoot, 'scripts', 'command-reference.mjs'), '--check'], {
      cwd: repoRoot,
      env: process.env,
    });
    expect(result.exitCode, result.stderr).to.equal(0);
  });
});
