import { promotionIdArg, SoulrecallCommand } from '@soulrecall/core';
import type { PromoteResult } from '../../engine/engine.js';
import { createPromotionEngine } from '../../engine/wiring.js';
import { runInterruptible } from '../../progress/interruptible.js';
import { StepProgress } from '../../progress/step-progress.js';
import { renderPromoteResult } from '../../render.js';

export default class PromoteResume extends SoulrecallCommand<PromoteResult> {
  static override summary = 'Continue an interrupted or failed promotion from its journal.';
  static override description =
    "Reads the promotion's step journal, takes the lock again (a lock left by a dead process is taken over) and runs the steps that did not complete. Completed steps are not repeated.";
  static override examples = ['<%= config.bin %> <%= command.id %> prm-k3x9qa'];
  static override args = {
    'promotion-id': promotionIdArg(),
  };

  public async run(): Promise<PromoteResult> {
    const { args } = await this.parse(PromoteResume);
    const progress = new StepProgress(StepProgress.modeFor(this.jsonEnabled()));
    const engine = await createPromotionEngine(this.config, this.session(), {
      progress: (message) => this.verbose(message),
      onStep: progress.onStep,
      onPlan: progress.onPlan,
    });
    const result = await runInterruptible(engine, progress, () => engine.resume(args['promotion-id']));
    this.log(renderPromoteResult(result));
    return result;
  }
}
