import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SoulrecallError } from '../errors.js';
import { ConfigError } from './errors.js';
import type { AgentConfig, EnvironmentConfig, ProjectConfig } from './types.js';

/** The environment of that name or alias (`prod` = `production`), or undefined. */
export function findEnvironment(config: ProjectConfig, nameOrAlias: string): EnvironmentConfig | undefined {
  return config.environments.find(
    (environment) => environment.name === nameOrAlias || environment.aliases.includes(nameOrAlias),
  );
}

/** Finds an environment by name or alias (`prod` = `production`). */
export function resolveEnvironment(config: ProjectConfig, nameOrAlias: string): EnvironmentConfig {
  const found = findEnvironment(config, nameOrAlias);
  if (found) return found;
  const known = config.environments.map((environment) =>
    environment.aliases.length > 0 ? `${environment.name} (${environment.aliases.join(', ')})` : environment.name,
  );
  throw new SoulrecallError(`Unknown environment "${nameOrAlias}".`, {
    code: 'ENVIRONMENT_NOT_FOUND',
    hint: `Environments in ${config.file}: ${known.join(', ')}.`,
  });
}

/** The environments of the pipeline, in promotion order (environments outside the pipeline follow). */
export function environmentsInPipelineOrder(config: ProjectConfig): EnvironmentConfig[] {
  const inPipeline = config.pipeline.map((name) =>
    config.environments.find((environment) => environment.name === name)!,
  );
  return [...inPipeline, ...config.environments.filter((environment) => !config.pipeline.includes(environment.name))];
}

/** The stage after `from` in the pipeline, or undefined when `from` is the last stage or outside it. */
export function nextStage(config: ProjectConfig, from: EnvironmentConfig): EnvironmentConfig | undefined {
  const index = config.pipeline.indexOf(from.name);
  if (index === -1 || index === config.pipeline.length - 1) return undefined;
  return resolveEnvironment(config, config.pipeline[index + 1]!);
}

/** The stage before `to` in the pipeline, or undefined. */
export function previousStage(config: ProjectConfig, to: EnvironmentConfig): EnvironmentConfig | undefined {
  const index = config.pipeline.indexOf(to.name);
  if (index <= 0) return undefined;
  return resolveEnvironment(config, config.pipeline[index - 1]!);
}

export function findAgent(config: ProjectConfig, name: string): AgentConfig {
  const agent = config.agents.find((candidate) => candidate.name === name);
  if (agent) return agent;
  throw new SoulrecallError(`Unknown agent "${name}".`, {
    code: 'AGENT_NOT_FOUND',
    hint:
      config.agents.length > 0
        ? `Agents in ${config.file}: ${config.agents.map((a) => a.name).join(', ')}.`
        : `Declare it under \`agents:\` in ${config.file}.`,
  });
}

/** Absolute path of the agent's default module; checked only here, when it is about to be used. */
export function agentWasmPath(config: ProjectConfig, agent: AgentConfig): string {
  if (!agent.wasm) {
    throw new SoulrecallError(`Agent ${agent.name} has no module to deploy.`, {
      code: 'WASM_NOT_GIVEN',
      hint: `Pass -w <file.wasm> or set agents.${agent.name}.wasm in ${config.file}.`,
    });
  }
  const path = resolve(config.root, agent.wasm);
  if (!existsSync(path)) {
    throw new ConfigError(
      'CONFIG_WASM_NOT_FOUND',
      config.file,
      agent.wasmLine,
      `agents.${agent.name}.wasm names ${path}, which does not exist.`,
      'Build the agent first, or fix the path (relative to the folder of soulrecall.yaml).',
    );
  }
  return path;
}
