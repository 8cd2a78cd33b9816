import { confirmOrRefuse, promotionIdArg, SoulrecallCommand, yesFlag } from '@soulrecall/core';
import { requirePromotion, type PromoteResult } from '../../engine/engine.js';
import { createPromotionEngine } from '../../engine/wiring.js';
import { renderPromoteResult } from '../../render.js';

export default class PromoteAbort extends SoulrecallCommand<PromoteResult> {
  static override summary = 'Undo an interrupted or failed promotion and release its lock.';
  static override description =
    "Reads the promotion's step journal and undoes what was done: loads the snapshot taken before the install back into the target, deletes a canister the promotion created, marks its deployment rolled back, and releases the lock.";
  static override examples = ['<%= config.bin %> <%= command.id %> prm-k3x9qa --yes'];
  static override args = {
    'promotion-id': promotionIdArg(),
  };
  static override flags = { yes: yesFlag('Confirm without asking when the target is protected.') };

  public async run(): Promise<PromoteResult> {
    const { args, flags } = await this.parse(PromoteAbort);
    const session = this.session();
    const promotion = requirePromotion(session.store, args['promotion-id']);
    const target = session.config?.environments.find((environment) => environment.name === promotion.toEnvironment);
    if (target?.protected)
      await confirmOrRefuse({
        yes: flags.yes,
        question: `Undo promotion ${promotion.id} in protected environment ${target.name}?`,
      });
    const engine = await createPromotionEngine(this.config, session, {
      progress: (message) => this.progress(message),
      onStep: () => {},
    });
    const result = await engine.abort(promotion.id);
    this.log(renderPromoteResult(result));
    return result;
  }
}
