import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODE_OF, ExitCode } from '../src/error-codes.js';

const readme = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'README.md');

/** The README's "Exit codes" table as the user reads it: the error codes of each exit code. */
function documentedExitCodes(): Map<string, number[]> {
  const text = readFileSync(readme, 'utf8');
  const section = text.slice(
    text.indexOf('\n## Exit codes\n'),
    text.indexOf('\n## ', text.indexOf('\n## Exit codes\n') + 1),
  );
  const documented = new Map<string, number[]>();
  for (const row of section.split('\n').filter((line) => /^\| \d+ \|/.test(line))) {
    const [exitCode, , codes] = row.split(/ \| /).map((cell) => cell.replace(/^\| |\s*\|$/g, ''));
    for (const [, code] of codes!.matchAll(/`([A-Z0-9_]+)`/g)) {
      documented.set(code!, [...(documented.get(code!) ?? []), Number(exitCode)]);
    }
  }
  return documented;
}

describe('the README documents every error code with its exit code', () => {
  const documented = documentedExitCodes();

  it('finds the table (a README rewrite that loses it fails here, not silently)', () => {
    expect(documented.size).to.be.greaterThan(100);
  });

  it('lists each code of the code under the exit code EXIT_CODE_OF gives it, once', () => {
    const wrong = Object.entries(EXIT_CODE_OF)
      .filter(([code, exitCode]) => documented.get(code)?.join() !== String(exitCode))
      .map(
        ([code, exitCode]) =>
          `${code}: code says ${exitCode}, README says ${documented.get(code)?.join(' and ') ?? 'nothing'}`,
      );
    expect(wrong).to.deep.equal([]);
  });

  it('lists no code the code does not have', () => {
    expect([...documented.keys()].filter((code) => !(code in EXIT_CODE_OF))).to.deep.equal([]);
  });

  it('documents only exit codes that exist', () => {
    const exitCodes = new Set<number>(Object.values(ExitCode));
    expect([...new Set([...documented.values()].flat())].filter((exitCode) => !exitCodes.has(exitCode))).to.deep.equal(
      [],
    );
  });
});
