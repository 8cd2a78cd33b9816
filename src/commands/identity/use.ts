import { Args } from '@oclif/core';
import { SoulrecallCommand, useIdentity } from '@soulrecall/core';
import type { IdentityResult } from './new.js';

export default class IdentityUse extends SoulrecallCommand<IdentityResult> {
  static override summary = 'Select the identity used by environments that do not name one.';
  static override examples = ['<%= config.bin %> <%= command.id %> deployer'];
  static override args = { name: Args.string({ description: 'Identity name.', required: true }) };

  public async run(): Promise<IdentityResult> {
    const { args } = await this.parse(IdentityUse);
    const info = await useIdentity(this.session({ requireConfig: false }), args.name);
    this.log(`Using identity ${info.name}: ${info.principal}`);
    return info;
  }
}
