import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CanisterClientError, IdentityStore } from '@soulrecall/canister-client';
import { DevnetError, fundRunningNetwork, stopNetwork } from '@soulrecall/devnet';
import { HistoryStoreError } from '@soulrecall/history-store';
import { toSoulrecallError } from '../src/errors.js';

/** What a command shows for whatever a lower package threw. */
async function hintShownFor(failing: () => unknown): Promise<string | undefined> {
  try {
    await failing();
  } catch (error) {
    return toSoulrecallError(error).hint;
  }
  throw new Error('expected it to fail');
}

/**
 * The packages below core word their hints without naming soulrecall commands; a command that fails
 * with one of their errors shows the hint naming the command to run (the text it always showed).
 */
describe("the CLI hints of lower packages' errors, supplied by core", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'soulrecall-hints-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('devnet: no network to stop, a network to fund that is not running, a principal that is not one', async () => {
    expect(await hintShownFor(() => stopNetwork(dir))).to.equal(
      'Start one with `soulrecall network start --background`.',
    );
    expect(await hintShownFor(() => fundRunningNetwork(dir, 1, 'aaaaa-aa', 1n))).to.equal(
      'Start one with `soulrecall network start --background` (or name its port with --port).',
    );
    expect(await hintShownFor(() => fundRunningNetwork(dir, 1, 'not a principal', 1n))).to.match(
      /\(groups of up to five characters separated by dashes\); `soulrecall identity principal` prints yours\.$/,
    );
    const portInUse = await hintShownFor(() => {
      throw new DevnetError('PORT_IN_USE', 'Port 4943 on 127.0.0.1 is already in use.');
    });
    expect(portInUse).to.equal(
      'Stop whatever listens there (`soulrecall network stop`), or choose another port with --port.',
    );
  });

  it('canister-client: identities that are missing, encrypted by dfx, or not a key', async () => {
    const store = new IdentityStore({ dataDir: dir, home: dir, dfxConfigRoot: dir });
    expect(await hintShownFor(() => store.load('alice'))).to.equal(
      'Create it with `soulrecall identity new alice`, import one with `soulrecall identity import alice <pem>`, ' +
        'or use `dfx:<name>` for a dfx identity.',
    );
    expect(await hintShownFor(() => store.resolve(join(dir, 'missing.pem')))).to.equal(
      'Check the path, or list identities with `soulrecall identity list`.',
    );
    const dfxDir = join(dir, '.config', 'dfx', 'identity', 'bob');
    mkdirSync(dfxDir, { recursive: true });
    writeFileSync(join(dfxDir, 'identity.pem.encrypted'), 'x');
    expect(await hintShownFor(() => store.resolve('dfx:bob'))).to.equal(
      'Export it unencrypted (`dfx identity export bob > bob.pem`) and import it: `soulrecall identity import bob bob.pem`.',
    );
    writeFileSync(join(dir, 'junk.pem'), 'not a key');
    expect(await hintShownFor(() => store.resolve(join(dir, 'junk.pem')))).to.include(
      'openssl or `soulrecall identity new` write it.',
    );
  });

  it('canister-client: network failures name `network start` for the local network only', async () => {
    const unreachable = (details: Record<string, unknown>, hint = 'neutral') =>
      hintShownFor(() => {
        throw new CanisterClientError('NETWORK_UNREACHABLE', 'Cannot reach it', { hint, details });
      });
    expect(await unreachable({ url: 'http://127.0.0.1:4943', networkKind: 'local' })).to.equal(
      'Start the local network with `soulrecall network start`.',
    );
    expect(await unreachable({ url: 'http://127.0.0.1:4944', networkKind: 'url', timedOut: true })).to.equal(
      'Check that a replica is listening at http://127.0.0.1:4944 (for the embedded network: `soulrecall network start`). ' +
        'For a slow network, raise the timeout with SOULRECALL_REQUEST_TIMEOUT_MS (milliseconds).',
    );
    expect(
      await unreachable({ url: 'https://icp-api.io', networkKind: 'ic' }, 'Check your internet connection.'),
    ).to.equal('Check your internet connection.');
    expect(await unreachable({ networkKind: 'local', outcomeUnknown: true, method: 'install_code' })).to.match(
      /^Check the canister's state \(e\.g\. `soulrecall status`\) before retrying install_code; /,
    );
    const tls = await hintShownFor(() => {
      throw new CanisterClientError('HTTP_ERROR', 'TLS failure', {
        hint: 'Check the certificate.',
        details: { networkKind: 'local', url: 'x', tls: 'CERT' },
      });
    });
    expect(tls).to.equal('Check the certificate.');
  });

  it('history-store: missing records, locks and conflicts name the command that helps', async () => {
    const shown = (code: ConstructorParameters<typeof HistoryStoreError>[0], details?: Record<string, unknown>) =>
      hintShownFor(() => {
        throw new HistoryStoreError(code, 'it failed', { hint: 'neutral', details });
      });
    expect(await shown('NOT_FOUND', { entity: 'backup' })).to.equal('list backups with soulrecall backup list');
    expect(await shown('NOT_FOUND', { entity: 'promotion' })).to.equal(
      'list promotions with soulrecall promote list <agent>',
    );
    expect(await shown('NOT_FOUND')).to.equal('neutral');
    expect(await shown('LOCK_HELD', { holder: { operation: 'promotion', operationId: 'prm-ab12cd' } })).to.equal(
      'wait for it, or run soulrecall promote abort prm-ab12cd if it is dead',
    );
    expect(await shown('LOCK_HELD', { holder: { operation: 'deploy', operationId: 'dep-1' } })).to.equal('neutral');
    expect(await shown('CONFLICT', { reason: 'canister-of-other-agent', canisterId: 'aaaaa-aa' })).to.equal(
      'delete it first (soulrecall delete aaaaa-aa) or use another canister',
    );
    expect(await shown('LOCK_LOST')).to.equal(
      'another command took it over after the lease expired; stop and check soulrecall doctor',
    );
  });

  it('an error of another copy of core keeps the hint it was given', async () => {
    const fromPluginCopy = Object.assign(new Error('Lost the lock.'), {
      code: 'LOCK_LOST',
      exitCode: 9,
      hint: 'Its own hint.',
    });
    expect(await hintShownFor(() => Promise.reject(fromPluginCopy))).to.equal('Its own hint.');
  });
});
