import { Args, Flags } from '@oclif/core';
import { createBackup, environmentFlag, SoulrecallCommand } from '@soulrecall/core';
import type { BackupEntry } from '@soulrecall/core';

export default class BackupCreate extends SoulrecallCommand<BackupEntry> {
  static override summary = "Take a snapshot of a canister's code and memory, recorded as a backup.";
  static override description =
    'The snapshot (code, heap, stable memory) stays on the network, with the canister; the store records it with who took it and when. Restore it with `backup restore <backup-id>`. A snapshot dies with its canister: --download also keeps it on disk, as a snapshot file in the data directory (`backups/<sha256>.snapshot`), which `backup upload` puts into any canister.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --download',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --reason "before the migration" --json',
  ];
  static override args = {
    canisterId: Args.string({ description: 'Canister id (a principal).', required: true }),
  };
  static override flags = {
    env: environmentFlag('Environment (name or alias) of the canister; default: where the store recorded it.'),
    reason: Flags.string({ summary: 'Why, kept with the backup.' }),
    download: Flags.boolean({
      summary: 'Also keep it on disk (a snapshot file that outlives the canister).',
      default: false,
    }),
  };

  public async run(): Promise<BackupEntry> {
    const { args, flags } = await this.parse(BackupCreate);
    const backup = await createBackup(
      this.session({ requireConfig: flags.env !== undefined }),
      { canisterId: args.canisterId, network: flags.env, reason: flags.reason, download: flags.download },
      { progress: (message) => this.progress(message) },
    );
    this.log(
      `Backup ${backup.id}: snapshot ${backup.snapshotId} of ${backup.canisterId} (${backup.agent} in ${backup.environment}).`,
    );
    if (backup.archive) this.log(`On disk: ${backup.archive.path} (${backup.archive.size} bytes).`);
    return backup;
  }
}
