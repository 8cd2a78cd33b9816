import { expect } from 'chai';
import * as cbor from '@dfinity/cbor';
import { Actor, CanisterStatus, type HttpAgent, type ActorSubclass, type SignIdentity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { startDevnetWithEngine, type Devnet } from '../src/devnet.js';
import { CANISTER_RANGE_SIZE, canisterIdAt, canisterIndexOf } from '../src/state/canister-ids.js';
import { createEchoEngine } from './support/echo-engine.js';
import {
  createCanister,
  installCode,
  makeAgent,
  makeTempDir,
  management,
  newIdentity,
  removeDir,
} from './support/fixtures.js';
import { callContent, envelope, inMinutes, post } from './support/raw-requests.js';

const echoIdl: IDL.InterfaceFactory = ({ IDL: idl }) =>
  idl.Service({
    echo: idl.Func([idl.Text], [idl.Text], []),
    echo_query: idl.Func([idl.Text], [idl.Text], ['query']),
    trap: idl.Func([], [], []),
    missing: idl.Func([], [], []),
  });

describe('devnet protocol layer (echo engine)', () => {
  let dir: string;
  let devnet: Devnet;
  let agent: HttpAgent;
  let canisterId: Principal;
  let echo: ActorSubclass<Record<string, (...args: unknown[]) => Promise<unknown>>>;

  before(async () => {
    dir = makeTempDir();
    devnet = await startDevnetWithEngine({ port: 0, stateDir: dir }, createEchoEngine);
    agent = await makeAgent(devnet.url, newIdentity());
    canisterId = await createCanister(agent);
    await installCode(agent, canisterId, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    echo = Actor.createActor(echoIdl, { agent, canisterId });
  });

  after(async () => {
    await devnet.close();
    removeDir(dir);
  });

  it('serves its root key on /api/v2/status', async () => {
    expect(agent.rootKey).to.deep.equal(devnet.rootKey);
    expect(devnet.rootKey.length).to.equal(133);
  });

  it('allocates canister ids in sequence from the start of its own range, far above the system ranges', async () => {
    const first = canisterIndexOf(canisterId)!;
    expect(first % CANISTER_RANGE_SIZE).to.equal(0n);
    expect(first >= 1n << 44n).to.equal(true);
    expect((await createCanister(agent)).toText()).to.equal(canisterIdAt(first + 1n).toText());
  });

  it('honours specified_id and refuses an id that is taken', async () => {
    const wanted = Principal.fromText('ryjl3-tyaaa-aaaaa-aaaba-cai');
    const create = () =>
      management(agent).provisional_create_canister_with_cycles({
        amount: [5_000_000n],
        settings: [],
        specified_id: [wanted],
        sender_canister_version: [],
      }) as Promise<{ canister_id: Principal }>;
    expect((await create()).canister_id.toText()).to.equal(wanted.toText());
    expect(String((await create().catch((e: Error) => e)) as Error)).to.contain('IC0205');
    const status = await management(agent, wanted).canister_status({ canister_id: wanted });
    expect(status.cycles).to.equal(5_000_000n);
  });

  it('answers a synchronous update call with a certified reply', async () => {
    expect(await echo.echo('hello')).to.equal('hello');
  });

  it('answers a signed query', async () => {
    expect(await echo.echo_query('q')).to.equal('q');
  });

  it('answers v2 calls through read_state polling', async () => {
    const { requestId, response } = await agent.call(canisterId, {
      methodName: 'echo',
      arg: IDL.encode([IDL.Text], ['polled']),
      callSync: false,
    });
    expect(response.status).to.equal(202);
    const { pollForResponse } = await import('@dfinity/agent');
    const { reply } = await pollForResponse(agent, canisterId, requestId);
    expect(IDL.decode([IDL.Text], reply)[0]).to.equal('polled');
  });

  it('rejects a trapping call and a missing method with the replica codes', async () => {
    const trap = await echo.trap().catch((error: Error) => error);
    expect(String(trap)).to.contain('IC0503');
    const missing = await echo.missing().catch((error: Error) => error);
    expect(String(missing)).to.contain('IC0536');
  });

  it('certifies module hash, controllers and metadata in read_state', async () => {
    const status = await CanisterStatus.request({
      canisterId,
      agent,
      paths: ['module_hash', 'controllers', 'candid', 'time'],
    });
    expect(status.get('module_hash')).to.be.a('string');
    expect((status.get('controllers') as Principal[]).map((p) => p.toText())).to.deep.equal([
      (await agent.getPrincipal()).toText(),
    ]);
    expect(status.get('candid')).to.equal('service : {}');
  });

  it('shows private metadata to controllers only', async () => {
    const path = { kind: 'metadata', key: 'secret', path: 'secret', decodeStrategy: 'utf-8' } as const;
    const mine = await CanisterStatus.request({ canisterId, agent, paths: [path] });
    expect(mine.get('secret')).to.equal('hidden');
    const stranger = await makeAgent(devnet.url, newIdentity());
    const utf8 = (text: string) => new TextEncoder().encode(text);
    const error = await stranger
      .readState(canisterId, {
        paths: [[utf8('canister'), canisterId.toUint8Array(), utf8('metadata'), utf8('secret')]],
      })
      .catch((e: Error) => e);
    expect((error as Error).message).to.contain('403');
  });

  it('lets only the sender read the status of its request, and answers v3 query and read_state too', async () => {
    const { requestId } = await agent.call(canisterId, {
      methodName: 'echo',
      arg: IDL.encode([IDL.Text], ['mine']),
      callSync: false,
    });
    const utf8 = (text: string) => new TextEncoder().encode(text);
    const stranger = await makeAgent(devnet.url, newIdentity());
    const denied = await stranger
      .readState(canisterId, { paths: [[utf8('request_status'), requestId]] })
      .catch((e: Error) => e);
    expect((denied as Error).message).to.contain('403');
    const identity = newIdentity() as SignIdentity;
    const query = await post(
      devnet.url,
      `/api/v3/canister/${canisterId.toText()}/query`,
      await envelope(
        callContent(identity, canisterId, 'echo_query', IDL.encode([IDL.Text], ['v3']), 'query'),
        identity,
      ),
    );
    expect(query.status).to.equal(200);
    expect((cbor.decode(query.bytes) as { status: string }).status).to.equal('replied');
    const readState = await post(
      devnet.url,
      `/api/v3/canister/${canisterId.toText()}/read_state`,
      await envelope(
        {
          request_type: 'read_state',
          sender: identity.getPrincipal().toUint8Array(),
          ingress_expiry: inMinutes(2),
          paths: [[utf8('time')]],
        },
        identity,
      ),
    );
    expect(readState.status).to.equal(200);
    expect(cbor.decode(readState.bytes)).to.have.property('certificate');
  });

  it('rejects calls to a stopped canister and deletes only stopped canisters', async () => {
    const other = await createCanister(agent);
    const mgmt = management(agent, other);
    const running = await mgmt.delete_canister({ canister_id: other }).catch((e: Error) => e);
    expect(String(running)).to.contain('IC0510');
    await mgmt.stop_canister({ canister_id: other });
    await mgmt.delete_canister({ canister_id: other });
    const gone = await mgmt.canister_status({ canister_id: other }).catch((e: Error) => e);
    expect(String(gone)).to.contain('IC0301');
  });
});
