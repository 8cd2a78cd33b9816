import { expect } from 'chai';
import { FaultCampaign } from '../helpers/fault-campaign.js';

/**
 * The fault-injection campaign, short: promotions killed at random instants (SIGKILL, SIGTERM,
 * SIGINT, or their network killed and restarted), then resumed or aborted, every invariant
 * checked against the store and the network after each. A fixed seed by default, so CI is
 * reproducible; FAULT_SEED=<n> replays another, FAULT_TRIALS=<n> runs more,
 * FAULT_NETWORK_KILLS=<0..1> sets the share of trials that kill the network instead, FAULT_REPORT=1
 * prints every trial and the outcome counts (`npm run test:faults` is the long run).
 */
describe('fault injection: promotions killed at random instants, then resumed or aborted', function () {
  const seed = Number(process.env.FAULT_SEED ?? 20261202);
  const trials = Number(process.env.FAULT_TRIALS ?? 24);
  this.timeout(120_000 + trials * 60_000);
  const campaign = new FaultCampaign();

  before(async () => campaign.setUp());
  after(async () => campaign.tearDown());

  it(`${trials} trials (seed ${seed}): every invariant holds after every one`, async () => {
    const lines: string[] = [];
    const networkKills =
      process.env.FAULT_NETWORK_KILLS === undefined ? undefined : Number(process.env.FAULT_NETWORK_KILLS);
    const log = (line: string) => {
      lines.push(line);
      if (process.env.FAULT_REPORT) console.log(line); // the long run shows its progress
    };
    const result = await campaign.runCampaign({ seed, trials, networkKills, log });
    if (process.env.FAULT_REPORT)
      console.log(
        JSON.stringify(
          { seed: result.seed, trials: result.trials.length, violations: result.violations, outcomes: result.outcomes },
          null,
          2,
        ),
      );
    const failed = result.trials.find((trial) => !trial.ok);
    expect(failed, `seed ${seed}, ${lines.join('\n')}`).to.equal(undefined);
    expect(result.trials).to.have.length(trials);
  });
});
