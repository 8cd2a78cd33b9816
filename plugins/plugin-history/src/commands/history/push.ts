import { Flags } from '@oclif/core';
import { SoulrecallCommand } from '@soulrecall/core';
import { pushHistory, type PushResult } from '../../services/push.js';

export default class HistoryPush extends SoulrecallCommand<PushResult> {
  static override summary = "Copy this machine's history into a shared store (PostgreSQL).";
  static override description = `Reads the SQLite history in the data directory and copies every project (or --project) into the store --to names: deployments, promotions with their journals, routes, backups, the audit log, and the module and snapshot bytes, keeping promotion and backup ids, versions, times and who. Idempotent: records the target already holds are skipped, so a second push adds nothing. A project the target holds with a different history (another machine deployed the same version numbers) is refused and nothing is written (exit 9). Locks are not copied.

Afterwards point the project at the shared store: \`history: <url>\` in soulrecall.yaml, or SOULRECALL_HISTORY_URL.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --to postgres://soulrecall@db.internal:5432/soulrecall',
    '<%= config.bin %> <%= command.id %> --to postgres://soulrecall@db.internal:5432/soulrecall --project my-agents --json',
  ];
  static override flags = {
    // helpValue also tells shell completion this --to is a URL, not an environment as elsewhere.
    to: Flags.string({
      summary: 'The shared store: postgres://user[:password]@host:port/database.',
      required: true,
      helpValue: '<postgres-url>',
    }),
    project: Flags.string({ summary: 'Only this project (default: every project in the local history).' }),
  };

  public async run(): Promise<PushResult> {
    const { flags } = await this.parse(HistoryPush);
    const result = pushHistory(this.session({ requireConfig: false }), { to: flags.to, project: flags.project });
    for (const project of result.projects) {
      const added =
        project.promotions + project.deployments + project.backups + project.routeChanges + project.auditEntries;
      this.log(
        added === 0
          ? `${project.project}: already in ${result.to}, nothing added.`
          : `${project.project}: ${project.promotions} promotions, ${project.deployments} deployments, ${project.backups} backups, ${project.routeChanges} route changes, ${project.auditEntries} audit entries and ${project.modules} modules copied to ${result.to}.`,
      );
    }
    if (result.projects.length === 0) this.log('The local history is empty: nothing to push.');
    return result;
  }
}
