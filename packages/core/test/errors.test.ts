import { expect } from 'chai';
import { ExitCode, SoulrecallError, toSoulrecallError } from '../src/errors.js';
import { renderError } from '../src/base-command.js';

describe('errors and exit codes', () => {
  it('gives the errors of lower packages the exit codes of their codes, across package copies', () => {
    const cases = [
      ['NETWORK_UNREACHABLE', ExitCode.Unreachable],
      ['NOT_A_CONTROLLER', ExitCode.Rejected],
      ['STORE_CORRUPT', ExitCode.Store],
      ['LOCK_HELD', ExitCode.Conflict],
      ['WASM_INVALID', ExitCode.InvalidInput],
      ['WASM_NOT_FOUND', ExitCode.NotFound],
      ['ARTIFACT_CORRUPT', ExitCode.Store],
      ['INSUFFICIENT_CYCLES', ExitCode.Rejected],
      ['PORT_IN_USE', ExitCode.Conflict],
    ] as const;
    for (const [code, exitCode] of cases) {
      // A plain Error with a code is what an error class of another package (or package copy) looks like here.
      expect(toSoulrecallError(Object.assign(new Error(code), { code })).exitCode, code).to.equal(exitCode);
    }
  });

  it('derives the exit code of a SoulrecallError from its code', () => {
    expect(new SoulrecallError('x', { code: 'UNHEALTHY' }).exitCode).to.equal(ExitCode.Unhealthy);
    expect(new SoulrecallError('x', { code: 'CONFIG_UNKNOWN_KEY' }).toJSON()).to.include({
      code: 'CONFIG_UNKNOWN_KEY',
      exitCode: ExitCode.Config,
    });
  });

  it('keeps the message and hint of a coded error', () => {
    const thrown = Object.assign(new Error('Cannot reach http://127.0.0.1:4943.'), {
      code: 'NETWORK_UNREACHABLE',
      hint: 'Run soulrecall network start.',
    });
    const error = toSoulrecallError(thrown);
    expect(error).to.include({
      code: 'NETWORK_UNREACHABLE',
      exitCode: ExitCode.Unreachable,
      message: 'Cannot reach http://127.0.0.1:4943.',
      hint: 'Run soulrecall network start.',
    });
  });

  it('reports an error whose code it does not know as internal, keeping that code in details and the hint', () => {
    const error = toSoulrecallError(Object.assign(new Error('odd'), { code: 'SOMETHING_ELSE', hint: 'Do this.' }));
    expect(error).to.include({
      code: 'INTERNAL',
      exitCode: ExitCode.Internal,
      hint: 'Do this.',
      message: 'Unexpected failure: odd',
    });
    expect(error.details).to.deep.equal({ causeCode: 'SOMETHING_ELSE' });
  });

  it('treats unknown errors as internal, without losing the message', () => {
    const error = toSoulrecallError(new TypeError('x is undefined'));
    expect(error).to.include({
      code: 'INTERNAL',
      exitCode: ExitCode.Internal,
      message: 'Unexpected failure: x is undefined',
    });
  });

  it('renders one sentence and a hint, and the stack only when verbose', () => {
    const error = new SoulrecallError('Unknown agent "x".', { code: 'AGENT_NOT_FOUND', hint: 'Agents: a.' });
    expect(renderError(error, false)).to.equal('Error: Unknown agent "x".\nHint: Agents: a.\n');
    expect(renderError(error, true)).to.match(/Hint: Agents: a\.\n\n.*SoulrecallError/);
  });
  for (const code of ['EACCES', 'EPERM', 'EROFS', 'ENOSPC']) {
    it(`a file-system ${code} keeps the way forward it carries (a promotion's resume hint) after the fix it names`, () => {
      const thrown = Object.assign(new Error(`${code}: cannot write /data/history.db`), {
        code,
        hint: 'Then `soulrecall promote resume p-abc123` continues from the journal.',
      });
      const error = toSoulrecallError(thrown);
      expect(error).to.include({ code: `FS_${code}`, exitCode: ExitCode.Internal });
      expect(error.hint).to.equal(
        'Check the permissions and free space of the folder named above. Then `soulrecall promote resume p-abc123` continues from the journal.',
      );
      expect(toSoulrecallError(Object.assign(new Error(code), { code })).hint).to.equal(
        'Check the permissions and free space of the folder named above.',
      );
    });
  }
});
