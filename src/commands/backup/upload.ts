import { Args, Flags } from '@oclif/core';
import { environmentFlag, SoulrecallCommand, uploadBackup, type UploadBackupResult } from '@soulrecall/core';

export default class BackupUpload extends SoulrecallCommand<UploadBackupResult> {
  static override summary = 'Upload a snapshot file into a canister, as a new backup of it.';
  static override description = `Checks the whole file first (a truncated or changed file is refused before anything is sent, exit 5), then that this identity controls the canister (exit 7 otherwise), then uploads it as a snapshot of the canister (resumable: run it again after an interruption and only what is missing is sent). The canister keeps running what it runs: \`backup restore <new-backup-id>\` loads it.

A canister soulrecall has not recorded needs --network; it is adopted for the agent named in the file.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> ~/.local/share/soulrecall/backups/9f2c….snapshot --canister rrkah-fqaaa-aaaaa-aaaaq-cai --network local',
    '<%= config.bin %> <%= command.id %> backup.snapshot --canister rrkah-fqaaa-aaaaa-aaaaq-cai --json',
  ];
  static override args = {
    file: Args.string({
      description: 'A snapshot file, as `backup download` or `backup create --download` wrote it.',
      required: true,
    }),
  };
  static override flags = {
    canister: Flags.string({ summary: 'Canister id to upload into.', required: true }),
    env: environmentFlag('Environment (name or alias) of the canister; needed when soulrecall has not recorded it.'),
    reason: Flags.string({ summary: 'Why, kept with the new backup.' }),
  };

  public async run(): Promise<UploadBackupResult> {
    const { args, flags } = await this.parse(BackupUpload);
    const result = await uploadBackup(
      this.session({ requireConfig: flags.env !== undefined }),
      { file: args.file, canisterId: flags.canister, network: flags.env, reason: flags.reason },
      { progress: (message) => this.progress(message) },
    );
    const { backup, upload } = result;
    this.log(
      `Uploaded into ${backup.canisterId} as backup ${backup.id} (snapshot ${backup.snapshotId}, ${upload.bytes} bytes${upload.resumed ? ', resumed' : ''}).`,
    );
    this.log(`Restore it with: soulrecall backup restore ${backup.id}`);
    return result;
  }
}
