import { Args } from '@oclif/core';
import { importIdentity, SoulrecallCommand } from '@soulrecall/core';
import type { IdentityResult } from './new.js';

export default class IdentityImport extends SoulrecallCommand<IdentityResult> {
  static override summary = 'Import a PEM key file or a dfx identity under a name.';
  static override description =
    'Accepts Ed25519, secp256k1 and P-256 private keys as PKCS#8, SEC1 (also after an `EC PARAMETERS` block) or encrypted PKCS#8 PEM files, as dfx, quill, keysmith and openssl write them, or `dfx:<name>` for $DFX_CONFIG_ROOT/.config/dfx/identity/<name>/identity.pem (without DFX_CONFIG_ROOT: under HOME). An encrypted key stays encrypted: its passphrase is asked on a terminal or taken from SOULRECALL_IDENTITY_PASSPHRASE. The key is copied with mode 0600 and never printed.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> ci ./ci-key.pem',
    '<%= config.bin %> <%= command.id %> me dfx:default',
  ];
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
