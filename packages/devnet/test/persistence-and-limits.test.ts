import { expect } from 'chai';
import { Actor, CanisterStatus, type HttpAgent } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { startDevnet } from '../src/index.js';
import { canisterIdAt, canisterIndexOf } from '../src/state/canister-ids.js';
import {
  createCanister,
  installCode,
  installMode,
  makeAgent,
  makeTempDir,
  management,
  newIdentity,
  removeDir,
} from './support/fixtures.js';
import { counterIdl, counterWasm, type CounterActor } from './support/wat-canister.js';

const counter = (agent: HttpAgent, canisterId: Principal) =>
  Actor.createActor(counterIdl, { agent, canisterId }) as unknown as CounterActor;

describe('devnet persistence and message limits', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir();
  });

  afterEach(() => removeDir(dir));

  it('keeps keys, canisters, their memory, logs and snapshots across a restart', async () => {
    const owner = newIdentity();
    const first = await startDevnet({ port: 0, stateDir: dir });
    let agent = await makeAgent(first.url, owner);
    const id = await createCanister(agent);
    await installCode(agent, id, counterWasm());
    await counter(agent, id).inc();
    await counter(agent, id).stable_inc();
    await counter(agent, id).log();
    const mgmt = management(agent, id);
    await mgmt.stop_canister({ canister_id: id });
    const snapshot = await mgmt.take_canister_snapshot({ canister_id: id, replace_snapshot: [] });
    await mgmt.start_canister({ canister_id: id });
    const rootKey = first.rootKey;
    await first.close();

    const second = await startDevnet({ port: 0, stateDir: dir });
    try {
      expect(Buffer.from(second.rootKey).equals(Buffer.from(rootKey))).to.equal(true);
      agent = await makeAgent(second.url, owner);
      expect(await counter(agent, id).get()).to.equal(1n);
      expect(await counter(agent, id).stable_get()).to.equal(1n);
      expect(await counter(agent, id).inc()).to.equal(2n);
      const again = management(agent, id);
      const logs = await again.fetch_canister_logs.withOptions({ effectiveCanisterId: id })({ canister_id: id });
      expect(
        logs.canister_log_records.map((r: { content: Uint8Array }) => new TextDecoder().decode(r.content)),
      ).to.include('hello log');
      expect(await again.list_canister_snapshots({ canister_id: id })).to.have.length(1);
      const status = await CanisterStatus.request({ canisterId: id, agent, paths: ['controllers', 'module_hash'] });
      expect((status.get('controllers') as Principal[])[0]!.toText()).to.equal(owner.getPrincipal().toText());
      await again.stop_canister({ canister_id: id });
      await again.load_canister_snapshot({ canister_id: id, snapshot_id: snapshot.id, sender_canister_version: [] });
      await again.start_canister({ canister_id: id });
      expect(await counter(agent, id).get()).to.equal(1n);
      // Ids continue where the first run stopped, in the network's own range.
      expect((await createCanister(agent)).toText()).to.equal(canisterIdAt(canisterIndexOf(id)! + 1n).toText());
    } finally {
      await second.close();
    }
  });

  it('traps a message that runs past the time limit and keeps serving meanwhile and after', async () => {
    const devnet = await startDevnet({ port: 0, stateDir: dir, messageTimeLimitMs: 1000 });
    try {
      const agent = await makeAgent(devnet.url, newIdentity());
      const id = await createCanister(agent);
      await installCode(agent, id, counterWasm());
      const actor = counter(agent, id);
      await actor.inc();
      const spinning = actor.spin().then(
        () => 'replied',
        (error: Error) => error.message,
      );
      // While the loop runs, the network still answers status and certified read_state requests.
      const status = await fetch(new URL('/api/v2/status', devnet.url));
      expect(status.status).to.equal(200);
      const time = await CanisterStatus.request({ canisterId: id, agent, paths: ['time', 'controllers'] });
      expect(time.get('time')).to.be.instanceOf(Date);
      const outcome = await spinning;
      expect(outcome).to.contain('Reject code: 5');
      expect(await actor.inc()).to.equal(2n);
      await installCode(agent, id, counterWasm({ version: 2 }), installMode.upgrade);
      expect(await actor.get()).to.equal(0n);
    } finally {
      await devnet.close();
    }
  });
});
