import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helpers/cli.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'typed-plugin');
const tsc = (project: string) =>
  spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(fixture, project), '--pretty', 'false'],
    { cwd: fixture, encoding: 'utf8', timeout: 120_000 },
  );

/**
 * What a plugin author gets from @soulrecall/core's published types (its built .d.ts, found
 * through node_modules as a third-party plugin finds it), compiled with `strict`.
 */
describe('hook types for plugin authors', function () {
  this.timeout(120_000);

  it("Hook<'promote:after'>, <'promote:before'> and <'promote:strategies'> are typed, and so is a strategy (PlanContext, typed journal steps): a strict plugin compiles", () => {
    const result = tsc('tsconfig.json');
    expect(result.stdout + result.stderr).to.equal('');
    expect(result.status).to.equal(0);
  });

  it('a payload property that does not exist fails to compile (TS2339 on its line), so the payload is not `any`', () => {
    const result = tsc('tsconfig.wrong.json');
    expect(result.status).to.not.equal(0);
    const errors = result.stdout.trim().split('\n');
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(
      /^wrong\/wrong\.ts\(5,\d+\): error TS2339: Property 'nonexistent' does not exist on type 'Promotion'\.$/,
    );
  });

  it('a journal step is read back as the type its definition declares: a wrong type, read or written, fails to compile (TS2322)', () => {
    const result = tsc('tsconfig.wrong-journal.json');
    expect(result.status).to.not.equal(0);
    const errors = result.stdout.split('\n').filter((line) => /error TS/.test(line));
    expect(errors).to.have.length(2);
    // Reading the number the step records as a string…
    expect(errors[0]).to.match(
      /^wrong-journal\/wrong-journal\.ts\(5,\d+\): error TS2322: Type 'number' is not assignable to type 'string'\.$/,
    );
    // …and recording a string where the definition says number.
    expect(errors[1]).to.match(/^wrong-journal\/wrong-journal\.ts\(6,\d+\): error TS2322: /);
    expect(result.stdout).to.include("Type 'string' is not assignable to type 'number'.");
  });
});
