import { Args } from '@oclif/core';
import { importIdentity, SoulrecallCommand } from '@soulrecall/core';
import type { IdentityResult } from './new.js';

export default class IdentityImport extends SoulrecallCommand<IdentityResult> {
  static override summary = 'Import a PEM key file or a dfx identity under a name.';
  static override description = 'Accepts unencrypted Ed25519 (PKCS#8) and secp256k1 (SEC1) PEM files, or `dfx:<name>` for ~/.config/dfx/identity/<name>/identity.pem. The key is copied with mode 0600 and never printed.';
  static override examples = ['<%= config.bin %> <%= command.id %> ci ./ci-key.pem', '<%= config.bin %> <%= command.id %> me dfx:default'];
  static override args = {
    name: Args.string({ description: 'Name to store it under.', required: true }),
    from: Args.string({ description: 'PEM file path, or dfx:<name>.', required: true }),
  };

  public async run(): Promise<IdentityResult> {
    const { args } = await this.parse(IdentityImport);
    const info = await importIdentity(this.session({ requireConfig: false }), args.name, args.from);
    this.log(`Imported identity ${info.name}: ${info.principal}`);
    return info;
  }
}
