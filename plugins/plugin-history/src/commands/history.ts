import { Flags } from '@oclif/core';
import { agentFlag, environmentFlag, otherProjectsHint, SoulrecallCommand } from '@soulrecall/core';
import { TIMELINE_KINDS } from '@soulrecall/history-store';
import type { HistoryResult } from '../results.js';
import { limitFlag, parseLimit } from '../limit-flag.js';
import { DEFAULT_HISTORY_LIMIT, historyTimeline } from '../services/timeline.js';
import { renderTimeline, renderTimelineCsv } from '../render/timeline.js';

export default class History extends SoulrecallCommand<HistoryResult> {
  static override summary =
    'Show what happened: deployments, promotions, route switches, rollbacks, backups and deletions.';
  static override description = `A timeline read from the history store (newest first), for every agent and environment or filtered. No network and no soulrecall.yaml needed (with one, environment aliases work).

--json prints {agent, environment, since, events: [...]}; --csv prints one row per event with the columns id, at, kind, action, agent, environment, subject, summary, principal, osUser, host, project.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all-projects --since 1d',
    '<%= config.bin %> <%= command.id %> --agent my-agent -e prod --since 3d',
    '<%= config.bin %> <%= command.id %> --since 2026-11-01 --kind rollback --kind promotion',
    '<%= config.bin %> <%= command.id %> --limit 1000 --csv > history.csv',
  ];
  static override flags = {
    agent: agentFlag('Only events of this agent.'),
    env: environmentFlag('Only events in this environment (name or alias).'),
    since: Flags.string({
      summary: 'Only events at or after this time: ISO (2026-11-26T12:00:00Z) or relative (30m, 2h, 3d, 1w).',
    }),
    kind: Flags.option({
      summary: 'Only events of this kind (repeatable).',
      options: TIMELINE_KINDS,
      multiple: true,
    })(),
    limit: limitFlag('events', DEFAULT_HISTORY_LIMIT),
    csv: Flags.boolean({ summary: 'Print CSV (RFC 4180, with a header row) instead of a table.', exclusive: ['json'] }),
    'all-projects': Flags.boolean({
      summary: "Every project's events, not only this folder's project.",
      default: false,
    }),
  };

  public async run(): Promise<HistoryResult> {
    const { flags } = await this.parse(History);
    const limit = parseLimit(flags.limit);
    const session = this.session({ requireConfig: false });
    const allProjects = flags['all-projects'] || !session.config;
    const result = historyTimeline(session, {
      agent: flags.agent,
      environment: flags.env,
      since: flags.since,
      kinds: flags.kind,
      limit,
      allProjects,
    });
    if (flags.csv) this.log(renderTimelineCsv(result.events));
    else if (result.events.length === 0) {
      const elsewhere = allProjects ? undefined : otherProjectsHint(session, 'history');
      this.log(
        elsewhere
          ? `Nothing recorded in project ${session.project} for this selection. ${elsewhere}`
          : 'Nothing recorded yet for this selection.',
      );
    } else this.log(renderTimeline(result.events, { showProject: allProjects }));
    return result;
  }
}
