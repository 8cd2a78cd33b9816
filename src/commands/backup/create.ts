import { Args, Flags } from '@oclif/core';
import { createBackup, SoulrecallCommand } from '@soulrecall/core';
import type { BackupRecord as Backup } from '@soulrecall/core';

export default class BackupCreate extends SoulrecallCommand<Backup> {
  static override summary = "Take a snapshot of a canister's code and memory, recorded as a backup.";
  static override description = 'The snapshot (code, heap, stable memory) stays on the network, with the canister; the store records it with who took it and when. Restore it with `backup restore <backup-id>`.';
  static override examples = ['<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai', '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --reason "before the migration" --json'];
  static override args = {
    canisterId: Args.string({ description: 'Canister id (a principal).', required: true }),
  };
  static override flags = {
    network: Flags.string({ char: 'e', aliases: ['env'], summary: 'Environment (name or alias) of the canister; default: where the store recorded it.' }),
    reason: Flags.string({ summary: 'Why, kept with the backup.' }),
  };

  public async run(): Promise<Backup> {
    const { args, flags } = await this.parse(BackupCreate);
    const backup = await createBackup(this.session({ requireConfig: flags.network !== undefined }), { canisterId: args.canisterId, network: flags.network, reason: flags.reason }, { progress: (message) => this.progress(message) });
    this.log(`Backup ${backup.id}: snapshot ${backup.snapshotId} of ${backup.canisterId} (${backup.agent} in ${backup.environment}).`);
    return backup;
  }
}
