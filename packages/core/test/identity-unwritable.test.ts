import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoulrecallError, toSoulrecallError } from '../src/errors.js';
import {
  createIdentity,
  identityPrincipal,
  importIdentity,
  listIdentities,
  useIdentity,
} from '../src/services/identity-commands.js';
import { Session } from '../src/services/session.js';

/**
 * A data directory the identity commands cannot write is exit 11 with the directory named. The
 * path runs through a regular file (ENOTDIR), which refuses writes to root too; the read-only
 * (EACCES) case needs an unprivileged user and is covered by test/cli/bad-input-store-identity.
 */
describe('identity commands: an unwritable data directory', () => {
  let base: string;
  let session: Session;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'soulrecall-'));
    writeFileSync(join(base, 'file'), 'in the way\n');
    session = new Session({ dataDir: join(base, 'file', 'home') });
  });
  afterEach(() => {
    session.close();
    rmSync(base, { recursive: true, force: true });
  });

  const calls: Array<[string, () => Promise<unknown>]> = [
    ['create', () => createIdentity(session, 'bob')],
    ['import', () => importIdentity(session, 'bob', join(base, 'nowhere.pem'))],
    ['use', () => useIdentity(session, 'default')],
    ['list', () => listIdentities(session)],
    ['principal', () => identityPrincipal(session)],
  ];
  for (const [name, call] of calls) {
    it(`${name} → DATA_DIR_UNWRITABLE, exit 11`, async () => {
      const error = await call().then(
        () => expect.fail('it wrote'),
        (caught: unknown) => caught,
      );
      if (name === 'import') {
        // Reading the file to import fails first: that is the user's file, not the data directory.
        expect(toSoulrecallError(error)).to.include({ code: 'IDENTITY_NOT_FOUND', exitCode: 4 });
        return;
      }
      expect(error).to.be.instanceOf(SoulrecallError);
      expect(error).to.include({ code: 'DATA_DIR_UNWRITABLE', exitCode: 11 });
      expect((error as SoulrecallError).message).to.equal(
        `Cannot write soulrecall's identities to ${join(base, 'file', 'home', 'identities')}: part of that path is a file, not a directory (ENOTDIR).`,
      );
      expect((error as SoulrecallError).hint)
        .to.contain(join(base, 'file', 'home'))
        .and.contain('SOULRECALL_HOME');
      expect(toSoulrecallError(error)).to.equal(error);
      expect(readFileSync(join(base, 'file'), 'utf8')).to.equal('in the way\n');
    });
  }
});
