import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Principal } from '@dfinity/principal';
import { blsVerificationCount } from '@soulrecall/bls';
import { expect } from 'chai';
import { wasmArtifactFromBytes } from '../src/artifact.js';
import { CanisterClient } from '../src/canister-client.js';
import { HttpAgentTransport } from '../src/http-transport.js';
import { EMPTY_CANDID_ARGS } from '../src/management/install.js';
import { expectClientError, useDevnet } from './support/devnet.js';
import { startTamperingProxy, type TamperingProxy } from './support/tampering-proxy.js';
import { canisterModule } from './support/wasm-fixtures.js';

const noRetry = { retries: 0, initialDelayMs: 1, maxDelayMs: 1 };
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('certificate verification over HTTP (@soulrecall/bls in every path)', function () {
  this.timeout(120_000);
  const fixture = useDevnet();
  let canisterId: string;
  let proxy: TamperingProxy;

  before(async () => {
    const owner = await CanisterClient.connect(fixture.network, Ed25519KeyIdentity.generate());
    canisterId = await owner.createCanister();
    await owner.install({ canisterId, module: wasmArtifactFromBytes(canisterModule()) });
    proxy = await startTamperingProxy(fixture.devnet.url);
  });
  after(() => proxy?.close());

  const connectThroughProxy = () =>
    HttpAgentTransport.connect({ name: 'local', kind: 'url', url: proxy.url }, Ed25519KeyIdentity.generate(), {
      readRetry: noRetry,
    });

  it('an update, a read_state and a query (its node keys come from a certificate) use @soulrecall/bls', async () => {
    proxy.tampering = false;
    const transport = await connectThroughProxy();
    const id = Principal.fromText(canisterId);
    let before = blsVerificationCount();
    await transport.update({ canisterId: id, method: 'greet', arg: EMPTY_CANDID_ARGS });
    expect(blsVerificationCount(), 'update').to.be.greaterThan(before);
    before = blsVerificationCount();
    await transport.readState(id, [[utf8('canister'), id.toUint8Array(), utf8('module_hash')]]);
    expect(blsVerificationCount(), 'read_state').to.be.greaterThan(before);
    // The agent fetches the subnet's node keys (CanisterStatus.request, which takes no verifier) before checking the
    // query's signature.
    before = blsVerificationCount();
    await transport.query({ canisterId: id, method: 'health', arg: EMPTY_CANDID_ARGS });
    expect(blsVerificationCount(), 'query (subnet keys)').to.be.greaterThan(before);
  });

  describe('a network whose certificates are tampered with (one bit of each signature) is refused: TRUST_ERROR', () => {
    let transport: HttpAgentTransport;
    before(async () => {
      proxy.tampering = false;
      transport = await connectThroughProxy();
      proxy.tampering = true;
    });

    it('update (the certified reply of a synchronous call)', async () => {
      const tampered = proxy.tampered;
      await expectClientError(
        transport.update({ canisterId: Principal.fromText(canisterId), method: 'greet', arg: EMPTY_CANDID_ARGS }),
        'TRUST_ERROR',
      );
      expect(proxy.tampered).to.be.greaterThan(tampered);
    });

    it('read_state (module hash)', async () => {
      const id = Principal.fromText(canisterId);
      await expectClientError(
        transport.readState(id, [[utf8('canister'), id.toUint8Array(), utf8('module_hash')]]),
        'TRUST_ERROR',
      );
    });

    it('query (the certificate with the subnet node keys its signature is checked against)', async () => {
      await expectClientError(
        transport.query({ canisterId: Principal.fromText(canisterId), method: 'health', arg: EMPTY_CANDID_ARGS }),
        'TRUST_ERROR',
      );
    });

    it('the same network untouched is accepted again', async () => {
      proxy.tampering = false;
      const fresh = await connectThroughProxy();
      await fresh.update({ canisterId: Principal.fromText(canisterId), method: 'greet', arg: EMPTY_CANDID_ARGS });
    });
  });
});
