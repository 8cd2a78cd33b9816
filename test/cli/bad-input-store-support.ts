import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { STACK_TRACE, type CliResult } from '../helpers/cli.js';

/**
 * Every file and folder under `root` with the sha256 of its bytes (folders as `dir`), so a test
 * can prove that a refused command changed nothing: no byte, no new -wal/-shm, no new folder.
 */
export function treeDigest(root: string): Record<string, string> {
  const digest: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        digest[relative(root, path)] = 'dir';
        walk(path);
      } else {
        digest[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
      }
    }
  };
  if (statSync(root, { throwIfNoEntry: false })?.isDirectory()) walk(root);
  else digest['.'] = createHash('sha256').update(readFileSync(root)).digest('hex');
  return digest;
}

/** The README's error contract: nothing on stdout, one `Error:` sentence, one `Hint:`, no stack trace. */
export function expectRefusal(result: CliResult, exitCode: number, error: RegExp): void {
  const shown = `exit ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  expect(result.exitCode, shown).to.equal(exitCode);
  expect(result.stdout, shown).to.equal('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, shown).to.have.length(2);
  expect(lines[0], shown).to.match(/^Error: \S/);
  expect(lines[0], shown).to.match(error);
  expect(lines[1], shown).to.match(/^Hint: \S/);
  expect(result.stderr, shown).to.not.match(STACK_TRACE);
}

/** The same refusal with --json: one JSON document on stdout carrying the code and exit code. */
export function expectJsonRefusal(result: CliResult, exitCode: number, code: string): void {
  const shown = `exit ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  expect(result.exitCode, shown).to.equal(exitCode);
  const { error } = JSON.parse(result.stdout) as {
    error: { code: string; exitCode: number; message: string; hint?: string };
  };
  expect(error, shown).to.include({ code, exitCode });
  expect(error.hint, shown).to.be.a('string').and.not.equal('');
}
