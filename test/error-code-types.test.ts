import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers/cli.js';

const tscBin = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const tsc = (project: string, cwd: string) =>
  spawnSync(process.execPath, [tscBin, '-p', project, '--pretty', 'false'], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
const errorsOf = (result: ReturnType<typeof tsc>) => result.stdout.split('\n').filter((line) => / error TS/.test(line));

const errorCodesSource = readFileSync(join(repoRoot, 'packages', 'core', 'src', 'error-codes.ts'), 'utf8');

/**
 * Compiles packages/core/src/error-codes.ts as it is, after `change`, in a folder of its own whose
 * node_modules is the repository's (so the lower packages' code unions come from their built .d.ts).
 */
function compileErrorCodes(change: (source: string) => string) {
  const changed = change(errorCodesSource);
  const dir = mkdtempSync(join(tmpdir(), 'soulrecall-error-codes-'));
  try {
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(dir, 'error-codes.ts'), changed);
    const compilerOptions = {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['error-codes.ts'] }));
    const result = tsc('tsconfig.json', dir);
    // TypeScript explains an error on the indented lines after it (e.g. which property is missing).
    return Object.assign(errorsOf(result), { output: result.stdout });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Replaces text that must be there, so a renamed line makes the test fail instead of testing nothing. */
const replacing = (from: string, to: string) => (source: string) => {
  expect(source, `error-codes.ts contains ${JSON.stringify(from)}`).to.include(from);
  return source.replace(from, to);
};

/** Line number (1-based) of the first line of the changed source containing text. */
const lineOf = (source: string, text: string) => source.split('\n').findIndex((line) => line.includes(text)) + 1;

describe('error codes and exit codes are checked by the compiler', function () {
  this.timeout(240_000);

  it("error-codes.ts compiles on its own as it is (so each failure below is the change's)", () => {
    expect(compileErrorCodes((source) => source).output).to.equal('');
  });

  it('an exit code that is not documented, given to a code in EXIT_CODE_OF, fails to compile (TS2322)', () => {
    const change = replacing('  UNHEALTHY: ExitCode.Unhealthy,', '  UNHEALTHY: 42,');
    const errors = compileErrorCodes(change);
    expect(errors).to.have.length(1);
    const line = lineOf(change(errorCodesSource), 'UNHEALTHY: 42');
    expect(errors[0]).to.match(
      new RegExp(`^error-codes\\.ts\\(${line},\\d+\\): error TS2322: Type '42' is not assignable`),
    );
  });

  it('a code of a lower package left out of EXIT_CODE_OF fails to compile, naming the code (TS1360)', () => {
    const errors = compileErrorCodes(replacing('  PORT_IN_USE: ExitCode.Conflict,\n', ''));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(
      /error TS1360: .*does not satisfy the expected type 'Record<SoulrecallErrorCode, ExitCodeValue>'/,
    );
    expect(errors.output).to.include("Property 'PORT_IN_USE' is missing");
  });

  it('a new core code without an exit code (TS1360), or one for an undeclared code (TS2353), fails to compile', () => {
    const undeclared = compileErrorCodes(replacing("  'INTERNAL',\n", "  'INTERNAL',\n  'BRAND_NEW',\n"));
    expect(undeclared).to.have.length(1);
    expect(undeclared[0]).to.match(/error TS1360: /);
    expect(undeclared.output).to.include("Property 'BRAND_NEW' is missing");
    const unknown = compileErrorCodes(
      replacing(
        '  INTERNAL: ExitCode.Internal,\n',
        '  INTERNAL: ExitCode.Internal,\n  NOT_A_CODE: ExitCode.Internal,\n',
      ),
    );
    expect(unknown).to.have.length(1);
    expect(unknown[0]).to.match(
      /error TS2353: Object literal may only specify known properties, and 'NOT_A_CODE' does not exist/,
    );
  });

  it("a plugin's SoulrecallError with an unknown code (TS2322) or an exit code (TS2353) does not compile", () => {
    const fixture = join(repoRoot, 'test', 'fixtures', 'typed-plugin');
    const errors = errorsOf(tsc('tsconfig.wrong-error.json', fixture));
    expect(errors).to.have.length(2);
    expect(errors[0]).to.match(/^wrong-error\/wrong-error\.ts\(3,\d+\): error TS2322: /);
    expect(errors[0]).to.include(`Type '"NOT_A_CODE"' is not assignable to type 'SoulrecallErrorCode'.`);
    expect(errors[1]).to.match(/^wrong-error\/wrong-error\.ts\(4,\d+\): error TS2353: /);
    expect(errors[1]).to.include("'exitCode' does not exist in type 'SoulrecallErrorOptions'.");
  });
});
