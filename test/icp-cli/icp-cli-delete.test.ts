import { expect } from 'chai';
import { DevnetPool } from '../helpers/devnet.js';
import { ICP_ENVIRONMENT, IcpCli } from '../helpers/icp-cli.js';

const FUNDED = 10_000_000_000_000n;
const CREATION_CYCLES = 2_000_000_000_000n;

/**
 * `icp canister delete` recovers the canister's cycles to the caller's cycles-ledger account:
 * icp-cli installs a shim module into the stopped canister whose method calls the cycles
 * ledger's `deposit` with the canister's cycles attached, then deletes the canister.
 *
 * That is an inter-canister call. It passes once the devnet performs them (the `calls` branch,
 * routing a canister's call to a system canister through SystemCanister.handle with its cycles
 * attached); until then icp-cli reports "failed to deposit its cycles" and this test fails.
 */
describe('icp-cli deletes a canister and recovers its cycles through the cycles ledger', function () {
  this.timeout(600_000);
  const pool = new DevnetPool();
  let icp: IcpCli;
  let principal: string;
  const e = ['-e', ICP_ENVIRONMENT];

  before(async () => {
    const devnet = await pool.start();
    icp = IcpCli.connect(devnet.url);
    principal = await icp.newIdentity('owner');
    await icp.ok(['identity', 'default', 'owner']);
    devnet.fund(principal, FUNDED);
  });

  after(async () => {
    icp?.cleanup();
    await pool.stopAll();
  });

  it('deletes the canister and credits most of its cycles back to the caller', async () => {
    const balance = async () =>
      BigInt(
        (await icp.ok(['cycles', 'balance', ...e, '--quiet'])).stdout
          .trim()
          .replace(/ cycles$/, '')
          .replaceAll('_', ''),
      );
    const canisterId = (await icp.ok(['canister', 'create', ...e, '--detached', '--quiet'])).stdout.trim();
    const afterCreation = await balance();
    await icp.ok(['canister', 'stop', ...e, canisterId]);
    await icp.ok(['canister', 'delete', ...e, canisterId]);
    const status = await icp.run(['canister', 'status', ...e, canisterId]);
    expect(status.exitCode, 'the canister is gone').to.not.equal(0);
    // The canister's 2 T cycles come back, less the ledger's deposit fee and what the shim spends.
    expect((await balance()) - afterCreation).to.be.greaterThan((CREATION_CYCLES * 9n) / 10n);
  });
});
