import { expect } from 'chai';
import * as cbor from '@dfinity/cbor';
import { Certificate, lookupResultToBuffer, requestIdOf, type HttpAgent, type SignIdentity } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { startDevnetWithEngine, type Devnet } from '../src/devnet.js';
import { createEchoEngine } from './support/echo-engine.js';
import { createCanister, installCode, makeAgent, makeTempDir, newIdentity, removeDir } from './support/fixtures.js';
import { callContent, envelope, inMinutes, post } from './support/raw-requests.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The HTTP routes a replica serves today that ic-agent (icp-cli) uses: v4 calls and subnet read_state. */
describe('devnet HTTP interface of a current replica (v4 call, subnet read_state)', () => {
  let dir: string;
  let devnet: Devnet;
  let agent: HttpAgent;
  let canisterId: Principal;
  let subnetId: Principal;
  const identity = newIdentity() as SignIdentity;

  const readStateBody = (paths: Uint8Array[][]) =>
    envelope(
      {
        request_type: 'read_state',
        sender: identity.getPrincipal().toUint8Array(),
        ingress_expiry: inMinutes(2),
        paths,
      },
      identity,
    );

  before(async () => {
    dir = makeTempDir();
    devnet = await startDevnetWithEngine({ port: 0, stateDir: dir }, createEchoEngine);
    agent = await makeAgent(devnet.url, identity);
    canisterId = await createCanister(agent);
    await installCode(agent, canisterId, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    subnetId = Principal.selfAuthenticating(devnet.rootKey);
  });

  after(async () => {
    await devnet.close();
    removeDir(dir);
  });

  it('answers a v4 call synchronously with a certificate holding the reply, like v3', async () => {
    for (const version of ['v3', 'v4']) {
      const content = callContent(identity, canisterId, 'echo', IDL.encode([IDL.Text], [version]));
      const response = await post(
        devnet.url,
        `/api/${version}/canister/${canisterId.toText()}/call`,
        await envelope(content, identity),
      );
      expect(response.status, version).to.equal(200);
      const body = cbor.decode(response.bytes) as { status: string; certificate: Uint8Array };
      expect(body.status).to.equal('replied');
      const certificate = await Certificate.create({
        certificate: body.certificate,
        rootKey: devnet.rootKey,
        canisterId,
      });
      const requestId = requestIdOf(content as unknown as Record<string, unknown>);
      const reply = lookupResultToBuffer(certificate.lookup_path(['request_status', requestId, 'reply']));
      expect(IDL.decode([IDL.Text], reply!)[0]).to.equal(version);
    }
  });

  it('serves the subnet read_state at v2 and v3: its key and canister ranges in both layouts', async () => {
    for (const version of ['v2', 'v3']) {
      const response = await post(
        devnet.url,
        `/api/${version}/subnet/${subnetId.toText()}/read_state`,
        await readStateBody([
          [utf8('time')],
          [utf8('subnet'), subnetId.toUint8Array()],
          [utf8('canister_ranges'), subnetId.toUint8Array()],
        ]),
      );
      expect(response.status, version).to.equal(200);
      const { certificate: bytes } = cbor.decode(response.bytes) as { certificate: Uint8Array };
      const certificate = await Certificate.create({
        certificate: bytes,
        rootKey: devnet.rootKey,
        canisterId: subnetId,
      });
      const sid = subnetId.toUint8Array();
      expect(lookupResultToBuffer(certificate.lookup_path(['subnet', sid, 'public_key']))).to.deep.equal(
        devnet.rootKey,
      );
      const legacy = cbor.decode(
        lookupResultToBuffer(certificate.lookup_path(['subnet', sid, 'canister_ranges']))!,
      ) as Uint8Array[][];
      // The sharded layout (/canister_ranges/<subnet>/<first id of the shard>) holds the same ranges.
      const shardStart = legacy[0]![0]!;
      const sharded = cbor.decode(
        lookupResultToBuffer(certificate.lookup_path(['canister_ranges', sid, shardStart]))!,
      ) as Uint8Array[][];
      expect(sharded).to.deep.equal(legacy);
      const [low, high] = legacy[0]!.map((id) => Principal.fromUint8Array(id));
      expect(low!.compareTo(canisterId)).to.not.equal('gt');
      expect(high!.compareTo(canisterId)).to.equal('gt');
    }
  });

  // Bad input: each answer is the status and sentence a replica gives, and the network keeps serving.
  const badRequests: Array<{
    name: string;
    method?: string;
    path: () => string;
    body?: () => Promise<Uint8Array>;
    status: number;
    text: string;
  }> = [
    {
      name: 'a subnet that is not this network’s',
      path: () => `/api/v3/subnet/${canisterId.toText()}/read_state`,
      body: () => readStateBody([[utf8('time')]]),
      status: 404,
      text: 'is not this network',
    },
    {
      name: 'a subnet id that does not parse',
      path: () => '/api/v3/subnet/not-a-principal/read_state',
      body: () => readStateBody([[utf8('time')]]),
      status: 400,
      text: 'Could not parse effective subnet id',
    },
    {
      name: 'a canister path on the subnet endpoint',
      path: () => `/api/v3/subnet/${subnetId.toText()}/read_state`,
      body: () => readStateBody([[utf8('canister'), canisterId.toUint8Array(), utf8('module_hash')]]),
      status: 404,
      text: 'Invalid path requested',
    },
    {
      name: 'request status on the subnet endpoint',
      path: () => `/api/v2/subnet/${subnetId.toText()}/read_state`,
      body: () => readStateBody([[utf8('request_status'), new Uint8Array(32)]]),
      status: 404,
      text: 'Invalid path requested',
    },
    {
      name: 'canister ranges on a canister endpoint',
      path: () => `/api/v3/canister/${canisterId.toText()}/read_state`,
      body: () => readStateBody([[utf8('canister_ranges'), subnetId.toUint8Array()]]),
      status: 404,
      text: 'Invalid path requested',
    },
    {
      name: 'a call envelope on the subnet endpoint',
      path: () => `/api/v3/subnet/${subnetId.toText()}/read_state`,
      body: () => envelope(callContent(identity, canisterId, 'echo', new Uint8Array()), identity),
      status: 400,
      text: 'invalid request_type',
    },
    {
      name: 'GET on the subnet endpoint',
      method: 'GET',
      path: () => `/api/v3/subnet/${subnetId.toText()}/read_state`,
      status: 405,
      text: 'Method not allowed',
    },
    {
      name: 'a v4 query (the replica has none)',
      path: () => `/api/v4/canister/${canisterId.toText()}/query`,
      body: () => readStateBody([]),
      status: 404,
      text: 'Not found',
    },
    {
      name: 'a v4 read_state (the replica has none)',
      path: () => `/api/v4/canister/${canisterId.toText()}/read_state`,
      body: () => readStateBody([]),
      status: 404,
      text: 'Not found',
    },
    {
      name: 'a v5 call',
      path: () => `/api/v5/canister/${canisterId.toText()}/call`,
      body: () => readStateBody([]),
      status: 404,
      text: 'Not found',
    },
    {
      name: 'a v4 call to a canister id that does not parse',
      path: () => '/api/v4/canister/zzz/call',
      body: () => readStateBody([]),
      status: 400,
      text: 'Could not parse effective canister id',
    },
    {
      name: 'a v4 call whose canister differs from the URL’s',
      path: () => '/api/v4/canister/ryjl3-tyaaa-aaaaa-aaaba-cai/call',
      body: () => envelope(callContent(identity, canisterId, 'echo', IDL.encode([IDL.Text], ['x'])), identity),
      status: 400,
      text: 'does not match effective canister id',
    },
    {
      name: 'a v4 call past its expiry',
      path: () => `/api/v4/canister/${canisterId.toText()}/call`,
      body: () =>
        envelope(
          {
            ...callContent(identity, canisterId, 'echo', IDL.encode([IDL.Text], ['x'])),
            ingress_expiry: inMinutes(-10),
          },
          identity,
        ),
      status: 400,
      text: 'expir',
    },
  ];

  for (const bad of badRequests) {
    it(`refuses ${bad.name} with ${bad.status}`, async () => {
      const url = new URL(bad.path(), devnet.url);
      const response =
        bad.method === 'GET'
          ? await fetch(url).then(async (r) => ({ status: r.status, text: await r.text() }))
          : await post(devnet.url, bad.path(), await bad.body!());
      expect(response.status).to.equal(bad.status);
      expect(response.text).to.contain(bad.text);
    });
  }

  it('still answers v4 calls after every refusal', async () => {
    const response = await post(
      devnet.url,
      `/api/v4/canister/${canisterId.toText()}/call`,
      await envelope(callContent(identity, canisterId, 'echo', IDL.encode([IDL.Text], ['alive'])), identity),
    );
    expect(response.status).to.equal(200);
    expect((cbor.decode(response.bytes) as { status: string }).status).to.equal('replied');
  });
});
