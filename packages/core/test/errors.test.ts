import { expect } from 'chai';
import { ExitCode, SoulrecallError, exitCodeForErrorCode, toSoulrecallError } from '../src/errors.js';
import { renderError } from '../src/base-command.js';

describe('errors and exit codes', () => {
  it('maps the codes of lower packages onto documented exit codes', () => {
    expect(exitCodeForErrorCode('NETWORK_UNREACHABLE')).to.equal(ExitCode.Unreachable);
    expect(exitCodeForErrorCode('NOT_A_CONTROLLER')).to.equal(ExitCode.Rejected);
    expect(exitCodeForErrorCode('STORE_CORRUPT')).to.equal(ExitCode.Store);
    expect(exitCodeForErrorCode('LOCK_HELD')).to.equal(ExitCode.Conflict);
    expect(exitCodeForErrorCode('WASM_INVALID')).to.equal(ExitCode.InvalidInput);
    expect(exitCodeForErrorCode('WASM_NOT_FOUND')).to.equal(ExitCode.NotFound);
    expect(exitCodeForErrorCode('CONFLICT')).to.equal(ExitCode.Conflict);
    expect(exitCodeForErrorCode('LOCK_LOST')).to.equal(ExitCode.Conflict);
    expect(exitCodeForErrorCode('ARTIFACT_CORRUPT')).to.equal(ExitCode.Store);
    expect(exitCodeForErrorCode('TRUST_ERROR')).to.equal(ExitCode.Unreachable);
    expect(exitCodeForErrorCode('INSUFFICIENT_CYCLES')).to.equal(ExitCode.Rejected);
    expect(exitCodeForErrorCode('SOMETHING_ELSE')).to.equal(undefined);
  });

  it('keeps the message and hint of a coded error', () => {
    const thrown = Object.assign(new Error('Cannot reach http://127.0.0.1:4943.'), { code: 'NETWORK_UNREACHABLE', hint: 'Run soulrecall network start.' });
    const error = toSoulrecallError(thrown);
    expect(error).to.include({ code: 'NETWORK_UNREACHABLE', exitCode: ExitCode.Unreachable, message: 'Cannot reach http://127.0.0.1:4943.', hint: 'Run soulrecall network start.' });
  });

  it('keeps the code and hint of an error whose code it does not know', () => {
    const error = toSoulrecallError(Object.assign(new Error('odd'), { code: 'SOMETHING_ELSE', hint: 'Do this.' }));
    expect(error).to.include({ code: 'SOMETHING_ELSE', exitCode: ExitCode.Internal, hint: 'Do this.' });
  });

  it('treats unknown errors as internal, without losing the message', () => {
    const error = toSoulrecallError(new TypeError('x is undefined'));
    expect(error).to.include({ code: 'INTERNAL', exitCode: ExitCode.Internal, message: 'Unexpected failure: x is undefined' });
  });

  it('renders one sentence and a hint, and the stack only when verbose', () => {
    const error = new SoulrecallError('Unknown agent "x".', { code: 'AGENT_NOT_FOUND', exitCode: ExitCode.NotFound, hint: 'Agents: a.' });
    expect(renderError(error, false)).to.equal('Error: Unknown agent "x".\nHint: Agents: a.\n');
    expect(renderError(error, true)).to.match(/Hint: Agents: a\.\n\n.*SoulrecallError/);
  });
  for (const code of ['EACCES', 'EPERM', 'EROFS', 'ENOSPC']) {
    it(`a file-system ${code} keeps the way forward it carries (a promotion's resume hint) after the fix it names`, () => {
      const thrown = Object.assign(new Error(`${code}: cannot write /data/history.db`), { code, hint: 'Then `soulrecall promote resume p-abc123` continues from the journal.' });
      const error = toSoulrecallError(thrown);
      expect(error).to.include({ code: `FS_${code}`, exitCode: ExitCode.Internal });
      expect(error.hint).to.equal('Check the permissions and free space of the folder named above. Then `soulrecall promote resume p-abc123` continues from the journal.');
      expect(toSoulrecallError(Object.assign(new Error(code), { code })).hint).to.equal('Check the permissions and free space of the folder named above.');
    });
  }
});
