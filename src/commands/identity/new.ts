import { Args, Flags } from '@oclif/core';
import { createIdentity, KEY_TYPES, type KeyType, SoulrecallCommand } from '@soulrecall/core';

export interface IdentityResult {
  name: string;
  principal: string;
  keyType: KeyType;
  selected: boolean;
}

export default class IdentityNew extends SoulrecallCommand<IdentityResult> {
  static override summary = 'Create a new identity (a key pair kept in the data directory, mode 0600).';
  static override description =
    'The key is never printed. Select it with `identity use`, or name it in an environment (`identity: <name>`).';
  static override examples = [
    '<%= config.bin %> <%= command.id %> deployer',
    '<%= config.bin %> <%= command.id %> ci --key-type secp256k1 --json',
  ];
  static override args = {
    name: Args.string({ description: 'Identity name (letters, digits, ., _, -).', required: true }),
  };
  static override flags = {
    'key-type': Flags.option({ summary: 'Key type.', options: KEY_TYPES, default: 'ed25519' })(),
  };

  public async run(): Promise<IdentityResult> {
    const { args, flags } = await this.parse(IdentityNew);
    const info = await createIdentity(this.session({ requireConfig: false }), args.name, flags['key-type']);
    this.log(`Created identity ${info.name}: ${info.principal}`);
    return info;
  }
}
