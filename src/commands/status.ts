import { Args } from '@oclif/core';
import {
  canisterStatus,
  type CanisterStatusReport,
  environmentFlag,
  networkStatus,
  type NetworkStatusReport,
  renderTable,
  shortHash,
  SoulrecallCommand,
  SoulrecallError,
} from '@soulrecall/core';

export type StatusResult = CanisterStatusReport | NetworkStatusReport;

export default class Status extends SoulrecallCommand<StatusResult> {
  static override summary = "Show a canister's status, or an environment's connectivity and canisters.";
  static override description = `With a canister id: its status on the network (running/stopping/stopped, module hash and which recorded version it is, controllers, cycles, memory) next to what the store recorded. Without one, --network <env>: the environment's URL, where its root key comes from, whether it answers and how fast, and the status of each canister recorded there.

Drift (the module hash on chain differs from the one soulrecall last deployed) is flagged: DRIFT in the table, "drift": true in JSON.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai',
    '<%= config.bin %> <%= command.id %> --network staging',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --network local --json',
    '<%= config.bin %> <%= command.id %> ryjl3-tyaaa-aaaaa-aaaba-cai --network ic',
  ];
  static override args = {
    canisterId: Args.string({ description: 'Canister id (a principal).', required: false }),
  };
  static override flags = {
    env: environmentFlag(
      'Environment (name or alias) to look in, or a network: ic, local or a URL (works outside a project).',
    ),
  };

  public async run(): Promise<StatusResult> {
    const { args, flags } = await this.parse(Status);
    if (args.canisterId !== undefined) {
      const report = await canisterStatus(this.session({ requireConfig: false }), args.canisterId, {
        network: flags.env,
      });
      this.log(describeCanister(report));
      return report;
    }
    if (flags.env === undefined) {
      throw new SoulrecallError('Say what to show: a canister id, or --network <env> for an environment.', {
        code: 'USAGE',
        hint: 'For example: soulrecall status --network local.',
      });
    }
    const report = await networkStatus(this.session({ requireConfig: false }), flags.env);
    this.log(
      `${report.environment}: ${report.networkUrl} reachable in ${report.latencyMs} ms (root key ${report.rootKeySource === 'fetched' ? 'fetched from the network' : 'built in (mainnet)'}), as ${report.principal}`,
    );
    if (report.canisters.length === 0) this.log('No canisters recorded in this environment.');
    else
      this.log(
        renderTable(report.canisters, [
          { header: 'canister', get: (c) => c.canisterId },
          { header: 'agent', get: (c) => ('recorded' in c ? (c.recorded?.agent ?? '-') : '-'), shrinkable: true },
          { header: 'status', get: (c) => ('status' in c ? c.status : `error: ${c.error.code}`), shrinkable: true },
          {
            header: 'ver',
            get: (c) => ('moduleVersion' in c && c.moduleVersion !== null ? String(c.moduleVersion) : '-'),
          },
          { header: 'module', get: (c) => shortHash('moduleHash' in c ? c.moduleHash : null) },
          { header: 'drift', get: (c) => ('drift' in c && c.drift ? 'DRIFT' : '-') },
        ]),
      );
    if (report.drift)
      this.logToStderr(
        'DRIFT: a module on chain differs from the one soulrecall recorded. Redeploy, or roll back, to bring them in line.',
      );
    return report;
  }
}

function describeCanister(report: CanisterStatusReport): string {
  const lines = [
    `canister     ${report.canisterId} (${report.environment}, ${report.networkUrl})`,
    `status       ${report.status}${report.statusSource === 'read_state' ? ' (not a controller: read from the certified state)' : ''}`,
    `module       ${report.moduleHash ?? '(empty)'}${report.moduleVersion !== null ? ` = version ${report.moduleVersion}` : ''}`,
    `controllers  ${report.controllers.join(', ') || '-'}`,
    `cycles       ${report.cycles ?? '-'}`,
    `memory       ${report.memorySize === null ? '-' : `${report.memorySize} bytes`}`,
  ];
  if (report.recorded) {
    const r = report.recorded;
    lines.push(
      `recorded     ${r.agent}, ${r.role}${r.live ? ', live' : ''}, version ${r.deployedVersion ?? '-'}, module ${r.moduleSha256 ?? '-'}${r.decommissionedAt ? `, deleted ${r.decommissionedAt}` : ''}`,
    );
  } else {
    lines.push('recorded     not by soulrecall');
  }
  if (report.drift)
    lines.push(
      `DRIFT        the module on chain is not the one soulrecall deployed (${report.recorded?.moduleSha256})`,
    );
  return lines.join('\n');
}
