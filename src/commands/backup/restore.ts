import { Args } from '@oclif/core';
import { confirmOrRefuse, restoreBackup, type RestoreBackupResult, SoulrecallCommand, yesFlag } from '@soulrecall/core';

export default class BackupRestore extends SoulrecallCommand<RestoreBackupResult> {
  static override summary = 'Restore a backup onto its canister: stop, load the snapshot, start, check health.';
  static override description =
    "The canister's current code and memory are replaced by the snapshot's, so this asks for confirmation (or --yes; without a terminal it refuses). Exit code 8 when the canister is unhealthy afterwards.";
  static override examples = [
    '<%= config.bin %> <%= command.id %> bak-7hq2mz',
    '<%= config.bin %> <%= command.id %> bak-7hq2mz --yes --json',
  ];
  static override args = {
    backupId: Args.string({ description: 'Backup id (from backup list), e.g. bak-7hq2mz.', required: true }),
  };
  static override flags = {
    yes: yesFlag('Do not ask for confirmation.'),
  };

  public async run(): Promise<RestoreBackupResult> {
    const { args, flags } = await this.parse(BackupRestore);
    const result = await restoreBackup(
      this.session({ requireConfig: false }),
      { backupId: args.backupId },
      {
        confirm: (question) => confirmOrRefuse({ yes: flags.yes, question }),
        progress: (message) => this.progress(message),
      },
    );
    this.log(`Restored ${result.backup.id} onto ${result.backup.canisterId}; healthy.`);
    return result;
  }
}
