import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProjectConfig } from '../src/config/loader.js';
import { ExitCode, SoulrecallError } from '../src/errors.js';
import { deleteCanister } from '../src/services/deletion.js';
import { liveRoutes, setRouting } from '../src/services/inventory-routes.js';
import { listInventory } from '../src/services/inventory.js';
import { logTargets } from '../src/services/logs.js';
import { switchRoute } from '../src/services/routing.js';
import { Session } from '../src/services/session.js';

const A = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const B = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
const C = 'r7inp-6aaaa-aaaaa-aaabq-cai';
const UNKNOWN = 'rkp4c-7iaaa-aaaaa-aaaca-cai';

/** Store-only behaviour of list/delete/routing/logs: everything checked before any network call. */
describe('inventory, deletion and routing refusals (store only, no network)', () => {
  let dataDir: string;
  let session: Session;
  const yaml = `environments:
  local: { network: "http://127.0.0.1:9" }
  production: { network: "http://127.0.0.1:9", aliases: [prod], protected: true }
agents:
  bot: {}
`;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'soulrecall-'));
    session = new Session({ config: parseProjectConfig(yaml, join(dataDir, 'soulrecall.yaml')), dataDir });
    const store = session.store;
    for (const [id, environment] of [
      [A, 'local'],
      [B, 'local'],
      [C, 'production'],
    ] as const) {
      store.canisters.record({ canisterId: id, networkUrl: 'http://127.0.0.1:9', environment, agent: 'bot' });
    }
    const first = store.deployments.begin({
      agent: 'bot',
      environment: 'local',
      canisterId: A,
      moduleSha256: 'a'.repeat(64),
      installMode: 'install',
    });
    store.deployments.finish(first.id, { status: 'succeeded' });
    const second = store.deployments.begin({
      agent: 'bot',
      environment: 'local',
      canisterId: B,
      moduleSha256: 'b'.repeat(64),
      installMode: 'install',
    });
    store.deployments.finish(second.id, { status: 'failed', error: 'trap' });
    switchRoute(session, { agent: 'bot', environment: 'local', canisterId: A, cause: 'deploy' });
  });

  afterEach(() => {
    session.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function expectError(run: () => unknown, exitCode: number, code: string): SoulrecallError {
    try {
      run();
    } catch (error) {
      expect(error, String(error)).to.be.instanceOf(SoulrecallError);
      expect((error as SoulrecallError).exitCode).to.equal(exitCode);
      expect((error as SoulrecallError).code).to.equal(code);
      return error as SoulrecallError;
    }
    return expect.fail('did not throw');
  }

  async function expectRejection(promise: Promise<unknown>, exitCode: number, code: string): Promise<SoulrecallError> {
    return promise.then(
      () => expect.fail('resolved'),
      (error: unknown) =>
        expectError(
          () => {
            throw error;
          },
          exitCode,
          code,
        ),
    );
  }

  it('lists every canister with live flag, version and last status; filters by environment alias and agent', () => {
    const all = listInventory(session);
    expect(all.map((c) => [c.canisterId, c.environment, c.live, c.deployedVersion, c.lastStatus])).to.deep.equal([
      [A, 'local', true, 1, 'succeeded'],
      [B, 'local', false, null, 'failed'],
      [C, 'production', false, null, 'created'],
    ]);
    expect(listInventory(session, { environment: 'prod' }).map((c) => c.canisterId)).to.deep.equal([C]);
    expect(listInventory(session, { agent: 'nobody' })).to.deep.equal([]);
    expectError(() => listInventory(session, { environment: 'nowhere' }), ExitCode.NotFound, 'ENVIRONMENT_NOT_FOUND');
  });

  it('delete refuses the live canister, naming the route, when the network cannot say it is gone (unreachable here)', async () => {
    const error = await expectRejection(deleteCanister(session, A), ExitCode.Conflict, 'CANISTER_IS_LIVE');
    expect(error.message).to.include('live canister of bot in local');
    expect(error.hint).to.include('config set --routing');
  });

  it('delete refuses ids that are not principals, unknown canisters and deleted ones', async () => {
    await expectRejection(deleteCanister(session, 'not-a-principal'), ExitCode.InvalidInput, 'INVALID_CANISTER_ID');
    await expectRejection(deleteCanister(session, UNKNOWN), ExitCode.NotFound, 'CANISTER_NOT_RECORDED');
    session.store.canisters.decommission({ canisterId: B, environment: 'local' });
    await expectRejection(deleteCanister(session, B), ExitCode.NotFound, 'CANISTER_DECOMMISSIONED');
  });

  it('delete on a protected environment needs --yes when there is no terminal', async () => {
    await expectRejection(deleteCanister(session, C), ExitCode.NotConfirmed, 'NOT_CONFIRMED');
    expect(listInventory(session, { environment: 'production' })).to.have.length(1);
  });

  it('routing refuses unknown and deleted canisters; get --routing shows live routes', async () => {
    await expectRejection(setRouting(session, UNKNOWN), ExitCode.NotFound, 'CANISTER_NOT_RECORDED');
    session.store.canisters.decommission({ canisterId: B, environment: 'local' });
    await expectRejection(setRouting(session, B), ExitCode.NotFound, 'CANISTER_DECOMMISSIONED');
    expect(liveRoutes(session).map((r) => [r.agent, r.environment, r.canisterId])).to.deep.equal([['bot', 'local', A]]);
    expect(liveRoutes(session, { environment: 'prod' })).to.deep.equal([]);
  });

  it('logs targets: one canister, every canister of an environment, or a usage error', () => {
    expect(logTargets(session, { network: 'local' }).map((t) => t.canisterId)).to.deep.equal([A, B]);
    expect(
      logTargets(session, { canisterId: C }).map((t) => [t.canisterId, t.agent, t.environment.name]),
    ).to.deep.equal([[C, 'bot', 'production']]);
    expectError(() => logTargets(session, {}), ExitCode.Usage, 'LOGS_TARGET_MISSING');
  });
});
