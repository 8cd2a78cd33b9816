import { Flags } from '@oclif/core';
import { doctor, ExitCode, SoulrecallCommand, type DoctorResult } from '@soulrecall/core';

export default class Doctor extends SoulrecallCommand<DoctorResult> {
  static override summary =
    'Reconcile the history with the networks: unfinished work, untracked or missing canisters, drift.';
  static override description = `Checks, per environment: promotions that stopped part-way (with the exact resume and abort commands), deployments that never finished, locks whose holder is gone, recorded canisters that no longer exist, canisters created but never recorded (a process killed during their creation), the canister ids files (canister_ids.json, .dfx/local/canister_ids.json or icp-cli's mappings) against the recorded routes, and modules on chain that differ from the record (drift).

--fix repairs what needs no decision — removes stale locks, rewrites a canister ids file from the history, records canisters that exist but were not recorded, marks gone canisters deleted and never-installed deployments failed — and says what it did. Resume or abort, and drift, are left to you.

Exit code 0 when everything is consistent (after --fix: when everything found was fixed), 9 when something is left.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --fix',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override flags = {
    fix: Flags.boolean({
      summary: 'Repair what can be repaired without a decision, and say what was done.',
      default: false,
    }),
  };

  public async run(): Promise<DoctorResult> {
    const { flags } = await this.parse(Doctor);
    const result = await doctor(this.session({ requireConfig: false }), {
      fix: flags.fix,
      progress: (message) => this.progress(message),
    });
    if (result.findings.length === 0)
      this.log(
        `All consistent: ${result.checked.canisters} canisters in ${result.checked.environments.length} environments checked.`,
      );
    for (const finding of result.findings) {
      const where = [finding.environment, finding.agent].filter(Boolean).join('/');
      this.log(`${finding.fixed ? 'fixed' : 'found'} ${finding.kind}${where ? ` (${where})` : ''}: ${finding.summary}`);
      if (finding.fixed) this.log(`  done: ${finding.fix}`);
      else {
        if (finding.fix) this.log(`  --fix would ${finding.fix}`);
        for (const command of finding.next) this.log(`  next: ${command}`);
      }
    }
    if (!result.clean) process.exitCode = ExitCode.Conflict;
    return result;
  }
}
