import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDL } from '@dfinity/candid';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { expect } from 'chai';
import { CanisterClient } from '../src/canister-client.js';
import { EMPTY_CANDID_ARGS } from '../src/management/install.js';
import { useDevnet } from './support/devnet.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dist = path.join(repoRoot, 'examples/agent/dist');

describe('the sample Motoko agent (EOP) against the devnet', function () {
  this.timeout(300_000);
  const fixture = useDevnet();
  let client: CanisterClient;
  let canisterId: string;

  before(async () => {
    if (
      !['agent-v1.wasm', 'agent-v2.wasm', 'agent-broken.wasm'].every((file) => fs.existsSync(path.join(dist, file)))
    ) {
      execFileSync(process.execPath, [path.join(repoRoot, 'examples/agent/build.mjs')], {
        cwd: repoRoot,
        stdio: 'inherit',
      });
    }
    client = await CanisterClient.connect(fixture.network, Ed25519KeyIdentity.generate());
    canisterId = await client.createCanister();
  });

  const count = async () => IDL.decode([IDL.Nat], await client.query(canisterId, 'memoryCount', EMPTY_CANDID_ARGS))[0];

  it('installs v1, upgrades to v2 with wasm_memory_persistence = keep, and the memories survive', async () => {
    const v1 = await client.readModule(path.join(dist, 'agent-v1.wasm'));
    expect(v1.enhancedOrthogonalPersistence).to.equal(true);
    expect((await client.install({ canisterId, module: v1 })).mode).to.equal('install');
    await client.update(canisterId, 'remember', new Uint8Array(IDL.encode([IDL.Text], ['the user likes tea'])));
    expect(await count()).to.equal(1n);
    const upgrade = await client.install({
      canisterId,
      module: path.join(dist, 'agent-v2.wasm'),
      stopBeforeUpgrade: true,
    });
    expect(upgrade).to.include({ mode: 'upgrade', wasmMemoryPersistence: 'keep' });
    expect(await count()).to.equal(1n);
    const verdict = await client.health(canisterId, { method: 'health' });
    expect(verdict.healthy).to.equal(true);
    expect(verdict.method?.reply)
      .to.have.property('ok')
      .that.matches(/healthy with 1 memories/);
  });

  it('the broken build answers #err and is judged unhealthy', async () => {
    await client.install({ canisterId, module: path.join(dist, 'agent-broken.wasm'), stopBeforeUpgrade: true });
    const verdict = await client.health(canisterId, { method: 'health' });
    expect(verdict.healthy).to.equal(false);
    expect(verdict.method?.reason).to.equal('replied #err');
    expect(await count()).to.equal(1n);
  });
});
