import { Args } from '@oclif/core';
import { identityPrincipal, SoulrecallCommand } from '@soulrecall/core';

export interface IdentityPrincipalResult {
  name: string;
  principal: string;
}

export default class IdentityExportPrincipal extends SoulrecallCommand<IdentityPrincipalResult> {
  static override summary = "Print an identity's principal (the selected identity by default).";
  static override description =
    'Give it to whoever must add you as a controller. Only the public principal is printed, never the key.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> deployer --json',
  ];
  static override args = {
    name: Args.string({ description: 'Identity name (default: the selected one).', required: false }),
  };

  public async run(): Promise<IdentityPrincipalResult> {
    const { args } = await this.parse(IdentityExportPrincipal);
    const result = await identityPrincipal(this.session({ requireConfig: false }), args.name);
    this.log(result.principal);
    return result;
  }
}
