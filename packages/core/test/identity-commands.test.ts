import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toSoulrecallError } from '../src/errors.js';
import {
  createIdentity,
  identityPrincipal,
  importIdentity,
  listIdentities,
  useIdentity,
} from '../src/services/identity-commands.js';
import { Session } from '../src/services/session.js';

describe('identity commands service', () => {
  let dataDir: string;
  let session: Session;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'soulrecall-'));
    session = new Session({ dataDir });
  });
  afterEach(() => {
    session.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates, selects, lists and exports principals without touching the history store', async () => {
    const deployer = await createIdentity(session, 'deployer');
    const ci = await createIdentity(session, 'ci', 'secp256k1');
    expect(ci.keyType).to.equal('secp256k1');
    expect((await identityPrincipal(session)).name).to.equal('default');
    expect(await useIdentity(session, 'deployer')).to.deep.include({
      name: 'deployer',
      selected: true,
      principal: deployer.principal,
    });
    expect(await identityPrincipal(session)).to.deep.equal({ name: 'deployer', principal: deployer.principal });
    expect((await identityPrincipal(session, 'ci')).principal).to.equal(ci.principal);
    expect((await listIdentities(session)).map((i) => [i.name, i.selected])).to.deep.include.members([
      ['deployer', true],
      ['ci', false],
    ]);
    expect(readdirSync(dataDir)).to.not.include('history.db');
  });

  it('imports a PEM file and keeps its principal', async () => {
    const source = await createIdentity(session, 'original');
    const imported = await importIdentity(session, 'copy', join(dataDir, 'identities', 'original.pem'));
    expect(imported.principal).to.equal(source.principal);
  });

  it('maps identity errors onto the documented exit codes', async () => {
    await createIdentity(session, 'taken');
    const exit = async (run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        return toSoulrecallError(error).exitCode;
      }
      return 0;
    };
    expect(await exit(() => useIdentity(session, 'missing'))).to.equal(4);
    expect(await exit(() => createIdentity(session, 'taken'))).to.equal(9);
    expect(await exit(() => importIdentity(session, 'x', join(dataDir, 'nope.pem')))).to.be.oneOf([4, 5]);
  });
});
