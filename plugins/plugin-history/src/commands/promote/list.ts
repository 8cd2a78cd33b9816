import { Args, Flags } from '@oclif/core';
import { environmentFlag, SoulrecallCommand } from '@soulrecall/core';
import { PROMOTION_STATUSES } from '@soulrecall/history-store';
import type { PromotionListResult } from '../../results.js';
import { limitFlag, parseLimit } from '../../limit-flag.js';
import { DEFAULT_PROMOTION_LIMIT, listPromotions } from '../../services/promotion-list.js';
import { renderPromotionList } from '../../render/promotions.js';

export default class PromoteList extends SoulrecallCommand<PromotionListResult> {
  static override summary = 'List the promotions of an agent, newest first.';
  static override description = `Reads the history store only (no network, no soulrecall.yaml needed): for each promotion its id, age, source → target environment, strategy, the version and module hash it put in the target, its status, who ran it and how long it took.

--json prints {agent, environment, status, promotions: [...]}; see the plugin README for the fields.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> my-agent',
    '<%= config.bin %> <%= command.id %> my-agent -e prod --status failed',
    '<%= config.bin %> <%= command.id %> my-agent --limit 5 --json',
  ];
  static override args = {
    agent: Args.string({ description: 'Agent whose promotions to list.', required: true }),
  };
  static override flags = {
    env: environmentFlag('Only promotions from or to this environment (name or alias).'),
    status: Flags.option({ summary: 'Only promotions with this status.', options: PROMOTION_STATUSES })(),
    limit: limitFlag('promotions', DEFAULT_PROMOTION_LIMIT),
    'all-projects': Flags.boolean({
      summary: "Every project's promotions of the agent, not only this folder's project.",
      default: false,
    }),
  };

  public async run(): Promise<PromotionListResult> {
    const { args, flags } = await this.parse(PromoteList);
    const limit = parseLimit(flags.limit);
    const result = listPromotions(this.session({ requireConfig: false }), {
      agent: args.agent,
      environment: flags.env,
      status: flags.status,
      limit,
      allProjects: flags['all-projects'],
    });
    if (result.promotions.length === 0) {
      const filters = [
        result.environment && `in ${result.environment}`,
        result.status && `with status ${result.status}`,
      ]
        .filter(Boolean)
        .join(' ');
      this.log(
        `No promotions of ${result.agent}${filters ? ` ${filters}` : ''} recorded yet (promote it with \`soulrecall promote ${result.agent} --from <env> --to <env>\`).`,
      );
    } else {
      this.log(renderPromotionList(result));
    }
    return result;
  }
}
