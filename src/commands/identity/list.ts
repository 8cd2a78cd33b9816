import { listIdentities, renderTable, SoulrecallCommand } from '@soulrecall/core';
import type { IdentityResult } from './new.js';

export interface IdentityListResult {
  identities: IdentityResult[];
}

export default class IdentityList extends SoulrecallCommand<IdentityListResult> {
  static override summary =
    "List soulrecall's identities with their principals (* = selected; --json adds the key type).";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  public async run(): Promise<IdentityListResult> {
    await this.parse(IdentityList);
    const identities = await listIdentities(this.session({ requireConfig: false }));
    this.log(
      renderTable(identities, [
        { header: ' ', get: (i) => (i.selected ? '*' : ' ') },
        { header: 'name', get: (i) => i.name, shrinkable: true },
        { header: 'principal', get: (i) => i.principal },
      ]),
    );
    return { identities };
  }
}
