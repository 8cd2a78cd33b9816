import { Args } from '@oclif/core';
import { downloadBackup, SoulrecallCommand, type BackupEntry } from '@soulrecall/core';

export default class BackupDownload extends SoulrecallCommand<BackupEntry> {
  static override summary =
    'Keep a backup on disk: download its snapshot into a snapshot file that outlives the canister.';
  static override description =
    'Reads the snapshot out of the canister (sliced, in parallel, each chunk checked) and writes it to the data directory as `backups/<sha256>.snapshot`, a self-describing file (canister, module hash, sizes, hashes, when, who). `backup upload <file> --canister <id>` puts it into any canister you control; `backup list` then shows the backup living on disk too.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> bak-7hq2mz',
    '<%= config.bin %> <%= command.id %> bak-7hq2mz --json',
  ];
  static override args = {
    backupId: Args.string({ description: 'Backup id (from backup list), e.g. bak-7hq2mz.', required: true }),
  };

  public async run(): Promise<BackupEntry> {
    const { args } = await this.parse(BackupDownload);
    const backup = await downloadBackup(
      this.session({ requireConfig: false }),
      { backupId: args.backupId },
      { progress: (message) => this.progress(message) },
    );
    this.log(`Backup ${backup.id} is on disk: ${backup.archive!.path} (${backup.archive!.size} bytes).`);
    return backup;
  }
}
