import { Args } from '@oclif/core';
import { environmentFlag, listBackups, renderTable, SoulrecallCommand } from '@soulrecall/core';
import type { BackupEntry } from '@soulrecall/core';

export interface BackupListResult {
  backups: BackupEntry[];
}

export default class BackupList extends SoulrecallCommand<BackupListResult> {
  static override summary = 'List recorded backups, newest first.';
  static override description =
    'Every backup soulrecall recorded (manual ones and the snapshots taken before each upgrade), or those of one canister, with where each lives: `network` (its snapshot, with the canister), `disk` (a snapshot file in the data directory: `backup upload` puts it into a canister), or `both`.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --json',
  ];
  static override args = {
    canisterId: Args.string({ description: 'Only the backups of this canister.' }),
  };
  static override flags = {
    env: environmentFlag('Only this environment (name or alias).'),
  };

  public async run(): Promise<BackupListResult> {
    const { args, flags } = await this.parse(BackupList);
    const backups = listBackups(this.session({ requireConfig: false }), {
      canisterId: args.canisterId,
      network: flags.env,
    });
    if (backups.length === 0) this.log('No backups recorded.');
    else
      this.log(
        renderTable(backups, [
          { header: 'id', get: (b) => b.id },
          { header: 'env', get: (b) => b.environment, shrinkable: true },
          { header: 'canister', get: (b) => b.canisterId, shrinkable: true },
          { header: 'created', get: (b) => b.createdAt.slice(0, 19).replace('T', ' ') },
          { header: 'lives', get: (b) => b.location },
          { header: 'reason', get: (b) => b.reason ?? '-', shrinkable: true },
        ]),
      );
    return { backups };
  }
}
