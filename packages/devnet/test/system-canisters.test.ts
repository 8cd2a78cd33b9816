import { expect } from 'chai';
import { Actor, type ActorSubclass, type HttpAgent, type SignIdentity } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { startDevnetWithEngine, type Devnet } from '../src/devnet.js';
import { CYCLES_MINTING_CANISTER_ID } from '../src/system-canisters/cycles-minting-canister.js';
import { createEchoEngine } from './support/echo-engine.js';
import { createCanister, makeAgent, makeTempDir, newIdentity, removeDir } from './support/fixtures.js';

type Cmc = ActorSubclass<{
  get_default_subnets: () => Promise<Principal[]>;
  get_icp_xdr_conversion_rate: () => Promise<unknown>;
}>;

/** How icp-cli's `canister create` and the dfx SDK ask the CMC which subnet takes new canisters. */
const cmcIdl: IDL.InterfaceFactory = ({ IDL }) =>
  IDL.Service({
    get_default_subnets: IDL.Func([], [IDL.Vec(IDL.Principal)], ['query']),
    // Not served by the devnet's CMC: it must answer as a replica does for a missing method.
    get_icp_xdr_conversion_rate: IDL.Func([], [IDL.Nat], []),
  });

describe('system canisters at their mainnet ids (the cycles minting canister)', () => {
  let dir: string;
  let devnet: Devnet;
  let agent: HttpAgent;
  const identity = newIdentity() as SignIdentity;

  before(async () => {
    dir = makeTempDir();
    devnet = await startDevnetWithEngine({ port: 0, stateDir: dir }, createEchoEngine);
    agent = await makeAgent(devnet.url, identity);
  });

  after(async () => {
    await devnet.close();
    removeDir(dir);
  });

  const cmc = (mode: 'query' | 'update' = 'query'): Cmc => {
    const factory: IDL.InterfaceFactory =
      mode === 'query'
        ? cmcIdl
        : ({ IDL }) => IDL.Service({ get_default_subnets: IDL.Func([], [IDL.Vec(IDL.Principal)], []) });
    return Actor.createActor(factory, { agent, canisterId: CYCLES_MINTING_CANISTER_ID }) as Cmc;
  };

  it("names this network's subnet as the one default subnet, by a verified query and by a certified update", async () => {
    const subnetId = Principal.selfAuthenticating(devnet.rootKey);
    const byQuery = await cmc('query').get_default_subnets();
    const byUpdate = await cmc('update').get_default_subnets();
    expect(byQuery.map((p) => p.toText())).to.deep.equal([subnetId.toText()]);
    expect(byUpdate.map((p) => p.toText())).to.deep.equal([subnetId.toText()]);
  });

  it('rejects a method it does not have as the replica does, and keeps serving', async () => {
    let rejected: Error | undefined;
    try {
      await cmc().get_icp_xdr_conversion_rate();
    } catch (error) {
      rejected = error as Error;
    }
    expect(rejected?.message).to.contain('IC0536').and.contain("has no update method 'get_icp_xdr_conversion_rate'");
    expect(await cmc().get_default_subnets()).to.have.length(1);
  });

  it('answers only its query methods as queries', async () => {
    const asQuery = Actor.createActor(
      ({ IDL }) => IDL.Service({ get_icp_xdr_conversion_rate: IDL.Func([], [IDL.Nat], ['query']) }),
      {
        agent,
        canisterId: CYCLES_MINTING_CANISTER_ID,
      },
    ) as ActorSubclass<{ get_icp_xdr_conversion_rate: () => Promise<bigint> }>;
    let rejected: Error | undefined;
    try {
      await asQuery.get_icp_xdr_conversion_rate();
    } catch (error) {
      rejected = error as Error;
    }
    expect(rejected?.message).to.contain("has no query method 'get_icp_xdr_conversion_rate'");
  });
});

describe('a system canister id cannot be taken by a new canister', () => {
  it('refuses provisional creation at the CMC id with IC0205, and the CMC keeps answering', async () => {
    const dir = makeTempDir();
    const devnet = await startDevnetWithEngine({ port: 0, stateDir: dir }, createEchoEngine);
    try {
      const agent = await makeAgent(devnet.url, newIdentity() as SignIdentity);
      let rejected: Error | undefined;
      try {
        await createCanister(agent, CYCLES_MINTING_CANISTER_ID);
      } catch (error) {
        rejected = error as Error;
      }
      expect(rejected?.message)
        .to.contain('IC0205')
        .and.contain(`Canister ${CYCLES_MINTING_CANISTER_ID.toText()} is already installed.`);
      const cmc = Actor.createActor(cmcIdl, { agent, canisterId: CYCLES_MINTING_CANISTER_ID }) as Cmc;
      expect(await cmc.get_default_subnets()).to.have.length(1);
    } finally {
      await devnet.close();
      removeDir(dir);
    }
  });
});
