import { expect } from 'chai';
import { Actor, AnonymousIdentity, type HttpAgent, type SignIdentity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { DelegationChain, DelegationIdentity, ECDSAKeyIdentity, Ed25519KeyIdentity } from '@dfinity/identity';
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1';
import type { Principal } from '@dfinity/principal';
import { startDevnetWithEngine, type Devnet } from '../src/devnet.js';
import { createEchoEngine } from './support/echo-engine.js';
import { createCanister, installCode, makeAgent, makeTempDir, removeDir } from './support/fixtures.js';
import { callContent, envelope, inMinutes, post } from './support/raw-requests.js';

const echoIdl: IDL.InterfaceFactory = ({ IDL: idl }) =>
  idl.Service({ echo: idl.Func([idl.Text], [idl.Text], []), echo_query: idl.Func([idl.Text], [idl.Text], ['query']) });
const arg = IDL.encode([IDL.Text], ['x']);

describe('devnet request validation', () => {
  let dir: string;
  let devnet: Devnet;
  let canisterId: Principal;
  let identity: SignIdentity;
  const callPath = () => `/api/v3/canister/${canisterId.toText()}/call`;

  async function echoWith(agentIdentity: SignIdentity | AnonymousIdentity): Promise<unknown> {
    const agent = await makeAgent(devnet.url, agentIdentity);
    const actor = Actor.createActor(echoIdl, { agent, canisterId });
    return [await actor.echo('u'), await actor.echo_query('q')];
  }

  before(async () => {
    dir = makeTempDir();
    devnet = await startDevnetWithEngine({ port: 0, stateDir: dir }, createEchoEngine);
    identity = Ed25519KeyIdentity.generate();
    const agent = await makeAgent(devnet.url, identity);
    canisterId = await createCanister(agent);
    await installCode(agent, canisterId, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  });

  after(async () => {
    await devnet.close();
    removeDir(dir);
  });

  it('accepts Ed25519, secp256k1, P-256 and anonymous senders', async () => {
    expect(await echoWith(Ed25519KeyIdentity.generate())).to.deep.equal(['u', 'q']);
    expect(await echoWith(Secp256k1KeyIdentity.generate())).to.deep.equal(['u', 'q']);
    expect(await echoWith(await ECDSAKeyIdentity.generate())).to.deep.equal(['u', 'q']);
    expect(await echoWith(new AnonymousIdentity())).to.deep.equal(['u', 'q']);
  });

  it('accepts a delegation chain and enforces its targets and expiry', async () => {
    const root = Ed25519KeyIdentity.generate();
    const session = Ed25519KeyIdentity.generate();
    const chain = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 60_000), {
      targets: [canisterId],
    });
    expect(await echoWith(DelegationIdentity.fromDelegation(session, chain))).to.deep.equal(['u', 'q']);

    const elsewhere = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() + 60_000), {
      targets: [root.getPrincipal()],
    });
    const delegated = DelegationIdentity.fromDelegation(session, elsewhere);
    const denied = await post(
      devnet.url,
      callPath(),
      await envelope(
        callContent(delegated, canisterId, 'echo', arg),
        delegated,
        (env) => (env.sender_delegation = elsewhere.delegations),
      ),
    );
    expect(denied.status).to.equal(403);
    expect(denied.text).to.contain('delegation targets');

    const expired = await DelegationChain.create(root, session.getPublicKey(), new Date(Date.now() - 1_000));
    const late = DelegationIdentity.fromDelegation(session, expired);
    const refused = await post(
      devnet.url,
      callPath(),
      await envelope(
        callContent(late, canisterId, 'echo', arg),
        late,
        (env) => (env.sender_delegation = expired.delegations),
      ),
    );
    expect(refused.status).to.equal(400);
    expect(refused.text).to.contain('Delegation has expired');
  });

  it('refuses a bad signature', async () => {
    const body = await envelope(callContent(identity, canisterId, 'echo', arg), identity, (env) => {
      const sig = new Uint8Array(env.sender_sig as Uint8Array);
      sig[0]! ^= 0xff;
      env.sender_sig = sig;
    });
    const response = await post(devnet.url, callPath(), body);
    expect(response.status).to.equal(400);
    expect(response.text).to.contain('Invalid signature');
  });

  it('refuses a sender that does not match the public key', async () => {
    const other = Ed25519KeyIdentity.generate();
    const content = callContent(identity, canisterId, 'echo', arg);
    content.sender = other.getPrincipal().toUint8Array();
    const response = await post(devnet.url, callPath(), await envelope(content, identity));
    expect(response.status).to.equal(400);
    expect(response.text).to.contain('does not match the public key');
  });

  it('refuses an expired request with the message the agent recognises', async () => {
    const content = callContent(identity, canisterId, 'echo', arg);
    content.ingress_expiry = inMinutes(-1);
    const response = await post(devnet.url, callPath(), await envelope(content, identity));
    expect(response.status).to.equal(400);
    expect(response.text).to.match(/^Invalid request expiry: /);
    content.ingress_expiry = inMinutes(10);
    expect((await post(devnet.url, callPath(), await envelope(content, identity))).status).to.equal(400);
  });

  it('refuses an effective canister id that does not match, including for the management canister', async () => {
    const response = await post(
      devnet.url,
      '/api/v3/canister/ryjl3-tyaaa-aaaaa-aaaba-cai/call',
      await envelope(callContent(identity, canisterId, 'echo', arg), identity),
    );
    expect(response.status).to.equal(400);
    expect(response.text).to.contain('does not match effective canister id');
    const { Principal } = await import('@dfinity/principal');
    const statusArg = IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: canisterId }]);
    const mgmt = await post(
      devnet.url,
      '/api/v3/canister/ryjl3-tyaaa-aaaaa-aaaba-cai/call',
      await envelope(callContent(identity, Principal.managementCanister(), 'canister_status', statusArg), identity),
    );
    expect(mgmt.status).to.equal(400);
  });

  it('refuses a message over 2 MiB with 413', async () => {
    const big = new Uint8Array(2 * 1024 * 1024 + 10);
    const response = await post(
      devnet.url,
      callPath(),
      await envelope(callContent(identity, canisterId, 'echo', big), identity),
    );
    expect(response.status).to.equal(413);
  });

  it('refuses ingress calls to canister-only management methods', async () => {
    const agent = await makeAgent(devnet.url, identity);
    const { managementIdlFactory } = await import('../src/management/candid-types.js');
    const mgmt = Actor.createActor(managementIdlFactory, {
      agent,
      canisterId: 'aaaaa-aa',
      effectiveCanisterId: canisterId,
    });
    const error = await (mgmt.create_canister as (a: unknown) => Promise<unknown>)({
      settings: [],
      sender_canister_version: [],
    }).catch((e: Error) => e);
    expect(String((error as Error).message)).to.contain('IC0406');
  });

  it('survives thousands of random and truncated bodies, then still answers', async function () {
    this.timeout(120_000);
    const valid = await envelope(callContent(identity, canisterId, 'echo', arg), identity);
    const endpoints = ['call', 'query', 'read_state'].map((e) => `/api/v2/canister/${canisterId.toText()}/${e}`);
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const statuses = new Set<number>();
    for (let i = 0; i < 3000; i++) {
      let body: Uint8Array;
      if (i % 3 === 0) body = valid.slice(0, Math.floor(random() * valid.length));
      else if (i % 3 === 1)
        body = Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256));
      else {
        body = valid.slice();
        for (let k = 0; k < 3; k++) body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
      }
      const response = await post(devnet.url, endpoints[i % 3]!, body);
      statuses.add(response.status);
    }
    expect([...statuses].every((status) => status < 500)).to.equal(true, `statuses seen: ${[...statuses].join(',')}`);
    const agent: HttpAgent = await makeAgent(devnet.url, identity);
    expect(await Actor.createActor(echoIdl, { agent, canisterId }).echo('still here')).to.equal('still here');
  });
});
