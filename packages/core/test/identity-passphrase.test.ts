import { expect } from 'chai';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { askSecret } from '../src/confirm.js';
import { toSoulrecallError } from '../src/errors.js';
import { withIdentities } from '../src/services/identity-commands.js';
import { Session } from '../src/services/session.js';

/** A stand-in terminal: keys written into `input` are what the user types; `output` is the screen. */
function fakeTerminal(typed: string, isTTY = true) {
  const input = Object.assign(new PassThrough(), { isTTY, rawModes: [] as boolean[] });
  const tty = Object.assign(input, { setRawMode: (raw: boolean) => input.rawModes.push(raw) });
  const output = new PassThrough();
  let screen = '';
  output.on('data', (chunk) => (screen += chunk));
  tty.write(typed);
  return { input: tty, output, screen: () => screen };
}

describe('askSecret: a passphrase typed on a terminal', () => {
  it('returns what was typed, with backspace, and shows none of it', async () => {
    const terminal = fakeTerminal('pax\u007fss\r');
    expect(await askSecret('Passphrase for key.pem: ', terminal)).to.equal('pass');
    expect(terminal.screen()).to.equal('Passphrase for key.pem: \n');
    expect(terminal.input.rawModes).to.deep.equal([true, false]);
  });

  it('Ctrl-C restores the terminal and interrupts (exit 130)', async () => {
    const terminal = fakeTerminal('xy\u0003cret\r');
    let interrupted = false;
    const error = await askSecret('Passphrase: ', { ...terminal, interrupt: () => (interrupted = true) }).then(
      () => expect.fail('expected an interruption'),
      (thrown: unknown) => toSoulrecallError(thrown),
    );
    expect(error).to.include({ code: 'INTERRUPTED', exitCode: 130 });
    expect(interrupted).to.equal(true);
    expect(terminal.input.rawModes).to.deep.equal([true, false]);
    expect(terminal.screen()).not.to.contain('xy');
  });
});

describe('withIdentities: encrypted keys', () => {
  const PASSPHRASE = 'correct horse battery staple';
  let dataDir: string;
  let session: Session;
  let saved: string | undefined;
  const encryptedKey = (name: string) => {
    const file = join(dataDir, `${name}.pem`);
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    writeFileSync(
      file,
      privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }),
    );
    return file;
  };
  beforeEach(() => {
    saved = process.env.SOULRECALL_IDENTITY_PASSPHRASE;
    delete process.env.SOULRECALL_IDENTITY_PASSPHRASE;
    dataDir = mkdtempSync(join(tmpdir(), 'soulrecall-'));
    session = new Session({ dataDir });
  });
  afterEach(() => {
    if (saved !== undefined) process.env.SOULRECALL_IDENTITY_PASSPHRASE = saved;
    session.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const failure = (run: Promise<unknown>) =>
    run.then(
      () => expect.fail('expected a refusal'),
      (thrown: unknown) => toSoulrecallError(thrown),
    );

  it('asks on a terminal, once per key file, and the operation goes on with it', async () => {
    const first = encryptedKey('first');
    const second = encryptedKey('second');
    const terminal = fakeTerminal(`${PASSPHRASE}\r${PASSPHRASE}\r`);
    let attempts = 0;
    const principals = await withIdentities(
      session,
      (identities) => {
        attempts++;
        return [identities.resolve(first).principal, identities.resolve(second).principal];
      },
      terminal,
    );
    expect(principals).to.have.length(2);
    expect(attempts).to.equal(3);
    expect(terminal.screen()).to.equal(`Passphrase for ${first}: \nPassphrase for ${second}: \n`);
    expect(terminal.screen()).not.to.contain(PASSPHRASE);
    // Remembered for the rest of the command: no second question for the same file.
    const again = fakeTerminal('');
    expect(await withIdentities(session, (identities) => identities.resolve(first).principal, again)).to.equal(
      principals[0],
    );
    expect(again.screen()).to.equal('');
  });

  it('asks one question at a time when two connections load keys at once (a promotion: source and target)', async () => {
    const first = encryptedKey('first');
    const second = encryptedKey('second');
    const terminal = fakeTerminal(`${PASSPHRASE}\r${PASSPHRASE}\r`);
    const [a, b] = await Promise.all([
      withIdentities(session, (identities) => identities.resolve(first).principal, terminal),
      withIdentities(session, (identities) => identities.resolve(second).principal, terminal),
    ]);
    expect(a).to.not.equal(b);
    expect(terminal.screen()).to.equal(`Passphrase for ${first}: \nPassphrase for ${second}: \n`);
  });

  it('asks once when two connections at once need the same key, and both go on with it', async () => {
    const first = encryptedKey('first');
    const terminal = fakeTerminal(`${PASSPHRASE}\r`);
    const [a, b] = await Promise.all(
      [1, 2].map(() => withIdentities(session, (identities) => identities.resolve(first).principal, terminal)),
    );
    expect(a).to.equal(b);
    expect(terminal.screen()).to.equal(`Passphrase for ${first}: \n`);
  });

  it('a wrong passphrase typed is one sentence, exit 5, asked only once', async () => {
    const file = encryptedKey('key');
    const terminal = fakeTerminal('nope\rnope\r');
    const error = await failure(withIdentities(session, (identities) => identities.resolve(file), terminal));
    expect(error).to.include({
      code: 'IDENTITY_PASSPHRASE_WRONG',
      exitCode: 5,
      message: `The passphrase does not decrypt ${file}`,
    });
    expect(terminal.screen()).to.equal(`Passphrase for ${file}: \n`);
  });

  it('without a terminal nothing is asked: IDENTITY_PASSPHRASE_REQUIRED, exit 5, the variable in the hint', async () => {
    const file = encryptedKey('key');
    const terminal = fakeTerminal(`${PASSPHRASE}\r`, false);
    const error = await failure(withIdentities(session, (identities) => identities.resolve(file), terminal));
    expect(error).to.include({ code: 'IDENTITY_PASSPHRASE_REQUIRED', exitCode: 5 });
    expect(error.hint).to.contain('SOULRECALL_IDENTITY_PASSPHRASE');
    expect(terminal.screen()).to.equal('');
  });
});
