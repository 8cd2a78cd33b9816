import { Ed25519KeyIdentity } from '@dfinity/identity';
import { expect } from 'chai';
import { wasmArtifactFromBytes } from '../src/artifact.js';
import { CanisterClient } from '../src/canister-client.js';
import { CyclesLedger, DEFAULT_CREATION_CYCLES } from '../src/cycles-ledger.js';
import { HttpAgentTransport } from '../src/http-transport.js';
import { expectClientError, useDevnet } from './support/devnet.js';
import { canisterModule } from './support/wasm-fixtures.js';

const T = 1_000_000_000_000n;
/** The fee the mainnet cycles ledger charges per transaction (and the devnet's, at the same id). */
const LEDGER_FEE = 100_000_000n;

/**
 * soulrecall's mainnet path, end to end: a client that takes the network for mainnet (`kind: ic`)
 * creates canisters through the cycles ledger at um5iw-rqaaa-aaaaq-qaaba-cai, pays from its
 * identity's balance, then installs and calls as on any network. Only the transport knows it is
 * a devnet (its root key is fetched, as mainnet's cannot be); the client code is unchanged.
 */
describe('mainnet canister creation through the cycles ledger, against a devnet', function () {
  this.timeout(120_000);
  const fixture = useDevnet();
  const identity = Ed25519KeyIdentity.generate();
  let client: CanisterClient;
  let ledger: CyclesLedger;

  before(async () => {
    fixture.devnet.fund(identity.getPrincipal(), 10n * T);
    const transport = await HttpAgentTransport.connect(fixture.network, identity);
    client = new CanisterClient({ name: 'ic', url: fixture.devnet.url, kind: 'ic' }, transport);
    ledger = new CyclesLedger(transport);
  });

  it('creates a canister paid from the ledger balance, controlled by the identity, and installs and calls it', async () => {
    const canisterId = await client.createCanister();
    expect(await ledger.balance()).to.equal(10n * T - DEFAULT_CREATION_CYCLES - LEDGER_FEE);
    const status = await client.status(canisterId);
    expect(status.settings.controllers).to.deep.equal([client.principal]);
    expect(status.cycles).to.equal(DEFAULT_CREATION_CYCLES);
    const module = wasmArtifactFromBytes(canisterModule({ version: 1 }));
    expect((await client.install({ canisterId, module })).mode).to.equal('install');
    expect(await client.health(canisterId, { method: 'health' })).to.include({ healthy: true });
  });

  it('repeats a planned creation without paying twice: the ledger answers with the first canister', async () => {
    const plan = client.planCreation();
    expect(plan.kind).to.equal('ledger-deduplication');
    const first = await client.createPlanned(plan);
    const balance = await ledger.balance();
    expect(await client.createPlanned(plan)).to.equal(first);
    expect(await ledger.balance()).to.equal(balance);
  });

  it('refuses a creation the balance cannot pay for with INSUFFICIENT_CYCLES, charging nothing', async () => {
    const balance = await ledger.balance();
    const error = await expectClientError(client.createCanister({ cycles: 100n * T }), 'INSUFFICIENT_CYCLES');
    expect(error.details).to.include({ balance: balance.toString() });
    expect(await ledger.balance()).to.equal(balance);
  });
});
