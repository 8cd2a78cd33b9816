import {
  findAgent,
  nextStage,
  previousStage,
  resolveEnvironment,
  SoulrecallError,
  type AgentConfig,
  type EnvironmentConfig,
  type ProjectConfig,
} from '@soulrecall/core';

export interface PromotionRoute {
  agent: AgentConfig;
  from: EnvironmentConfig;
  to: EnvironmentConfig;
}

/**
 * Which hop a `promote` command means. `--to` defaults to the stage after `--from`; `--from` to
 * the stage before `--to`; with neither, the last hop of the pipeline (so
 * `promote my-agent --blue-green` promotes staging → production).
 */
export function resolvePromotionRoute(
  config: ProjectConfig,
  agentName: string,
  fromName?: string,
  toName?: string,
): PromotionRoute {
  const agent = findAgent(config, agentName);
  let from = fromName === undefined ? undefined : resolveEnvironment(config, fromName);
  let to = toName === undefined ? undefined : resolveEnvironment(config, toName);
  if (!from && !to) {
    if (config.pipeline.length < 2) {
      throw new SoulrecallError('The pipeline has a single stage, so there is nowhere to promote to.', {
        code: 'PIPELINE_TOO_SHORT',
        hint: `Add stages to \`pipeline\` in ${config.file}, or name both ends with --from and --to.`,
      });
    }
    from = resolveEnvironment(config, config.pipeline[config.pipeline.length - 2]!);
    to = resolveEnvironment(config, config.pipeline[config.pipeline.length - 1]!);
  } else if (!to) {
    to = nextStage(config, from!);
    if (!to) {
      throw new SoulrecallError(`${from!.name} is the last stage of the pipeline; there is no stage after it.`, {
        code: 'NO_NEXT_STAGE',
        hint: `Name the target with --to (pipeline: ${config.pipeline.join(' → ')}).`,
      });
    }
  } else if (!from) {
    from = previousStage(config, to);
    if (!from) {
      throw new SoulrecallError(`${to.name} is the first stage of the pipeline; there is no stage before it.`, {
        code: 'NO_PREVIOUS_STAGE',
        hint: `Name the source with --from (pipeline: ${config.pipeline.join(' → ')}).`,
      });
    }
  }
  if (from!.name === to!.name) {
    throw new SoulrecallError(`Cannot promote ${agent.name} from ${from!.name} to itself.`, {
      code: 'SAME_ENVIRONMENT',
      hint: 'Pick two different environments; to redeploy in place use `soulrecall deploy`.',
    });
  }
  return { agent, from: from!, to: to! };
}
