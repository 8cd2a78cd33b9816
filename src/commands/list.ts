import { Flags } from '@oclif/core';
import { listInventory, renderTable, SoulrecallCommand, type InventoryEntry } from '@soulrecall/core';

export interface ListResult {
  canisters: InventoryEntry[];
}

export default class List extends SoulrecallCommand<ListResult> {
  static override summary = 'List every canister soulrecall knows.';
  static override description =
    'Reads the history store (no network): for each canister its environment, agent, id, role, whether it is live (the route points at it), the deployed version and module hash, and the last status soulrecall saw (the latest deployment\'s status, `created`, or `decommissioned`).';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -e staging --agent my-agent',
    '<%= config.bin %> <%= command.id %> --all --json',
  ];
  static override flags = {
    env: Flags.string({ char: 'e', aliases: ['network'], summary: 'Only canisters of this environment (name or alias).' }),
    agent: Flags.string({ summary: 'Only canisters of this agent.' }),
    all: Flags.boolean({ summary: 'Include deleted (decommissioned) canisters.', default: false }),
  };

  public async run(): Promise<ListResult> {
    const { flags } = await this.parse(List);
    const canisters = listInventory(this.session({ requireConfig: false }), { environment: flags.env, agent: flags.agent, includeDecommissioned: flags.all });
    if (canisters.length === 0) {
      this.progress('soulrecall knows no canisters yet (deploy one with `soulrecall deploy <agent> -e <env>`).');
    } else {
      // Roles matter once blue-green is in use; otherwise every canister is `primary` and the column is noise.
      const showRole = canisters.some((c) => c.role !== 'primary');
      this.log(
        renderTable(canisters, [
          { header: 'env', get: (c) => c.environment, shrinkable: true },
          { header: 'agent', get: (c) => c.agent, shrinkable: true },
          { header: 'canister', get: (c) => c.canisterId },
          ...(showRole ? [{ header: 'role', get: (c: InventoryEntry) => c.role }] : []),
          { header: 'live', get: (c) => (c.live ? 'yes' : '-') },
          { header: 'ver', get: (c) => (c.deployedVersion === null ? '-' : String(c.deployedVersion)) },
          { header: 'module', get: (c) => (c.moduleSha256 ? c.moduleSha256.slice(0, 8) : '-') },
          { header: 'status', get: (c) => c.lastStatus },
        ]),
      );
    }
    return { canisters };
  }
}
