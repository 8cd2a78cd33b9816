import { Flags } from '@oclif/core';
import {
  agentFlag,
  environmentFlag,
  type InventoryEntry,
  listInventory,
  otherProjectsHint,
  renderTable,
  SoulrecallCommand,
} from '@soulrecall/core';

export interface ListResult {
  /** The project listed, or null with --all-projects (each canister names its own). */
  project: string | null;
  canisters: InventoryEntry[];
}

export default class List extends SoulrecallCommand<ListResult> {
  static override summary = 'List every canister soulrecall knows.';
  static override description =
    "Reads the history store (no network): for each canister its environment, agent, id, role, whether it is live (the route points at it), the deployed version and module hash, and the last status soulrecall saw (the latest deployment's status, `created`, or `decommissioned`).";
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -e staging --agent my-agent',
    '<%= config.bin %> <%= command.id %> --all --json',
    '<%= config.bin %> <%= command.id %> --all-projects',
  ];
  static override flags = {
    env: environmentFlag('Only canisters of this environment (name or alias).'),
    agent: agentFlag('Only canisters of this agent.'),
    all: Flags.boolean({ summary: 'Include deleted (decommissioned) canisters.', default: false }),
    'all-projects': Flags.boolean({
      summary: "Every project's canisters, not only this folder's project.",
      default: false,
    }),
  };

  public async run(): Promise<ListResult> {
    const { flags } = await this.parse(List);
    const session = this.session({ requireConfig: false });
    // Outside any project (no soulrecall.yaml) every project's canisters are listed.
    const allProjects = flags['all-projects'] || !session.config;
    const canisters = listInventory(session, {
      environment: flags.env,
      agent: flags.agent,
      includeDecommissioned: flags.all,
      allProjects,
    });
    if (canisters.length === 0) {
      const elsewhere = allProjects ? undefined : otherProjectsHint(session, 'list');
      this.progress(
        elsewhere
          ? `No canisters in project ${session.project}. ${elsewhere}`
          : 'soulrecall knows no canisters yet (deploy one with `soulrecall deploy <agent> -e <env>`).',
      );
    } else {
      // Roles matter once blue-green is in use; otherwise every canister is `primary` and the column is noise.
      const showRole = canisters.some((c) => c.role !== 'primary');
      this.log(
        renderTable(canisters, [
          ...(allProjects ? [{ header: 'project', get: (c: InventoryEntry) => c.project, shrinkable: true }] : []),
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
    return { project: allProjects ? null : session.project, canisters };
  }
}
