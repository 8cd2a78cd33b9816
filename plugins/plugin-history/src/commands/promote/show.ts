import { promotionIdArg, SoulrecallCommand } from '@soulrecall/core';
import type { PromotionDetail } from '../../results.js';
import { showPromotion } from '../../services/promotion-detail.js';
import { renderPromotionDetail } from '../../render/promotions.js';

export default class PromoteShow extends SoulrecallCommand<PromotionDetail> {
  static override summary = 'Show everything recorded about one promotion.';
  static override description = `Reads the history store only: source and target deployments and canisters, module hashes, strategy, the step journal (start, finish and duration of each step), the snapshots taken or restored, the route change, who ran it (principal, OS user, host), and the error and rollback details if it failed.

--json prints the full record; see the plugin README for the fields.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> prm-k3x9qa',
    '<%= config.bin %> <%= command.id %> prm-k3x9qa --json',
  ];
  static override args = {
    'promotion-id': promotionIdArg(),
  };

  public async run(): Promise<PromotionDetail> {
    const { args } = await this.parse(PromoteShow);
    const detail = showPromotion(this.session({ requireConfig: false }), args['promotion-id']);
    this.log(renderPromotionDetail(detail));
    return detail;
  }
}
