import type { Promotion } from '@soulrecall/history-store';
import type { ProjectConfig } from './config/types.js';
import type { PromoteResult } from './promotion/result.js';
import type { PromotionStrategy } from './promotion/strategy.js';

// The payloads are type aliases, not interfaces: oclif's Hooks has a string index signature
// (`options: Record<string, unknown>`), which an interface would not satisfy.

/** `promote:before`: the promotion record just before its lock is taken, and the project it runs in. */
export type PromoteBeforePayload = {
  promotion: Promotion;
  /** soulrecall.yaml as read for this promotion (a plugin's own settings: `project.plugins[<name>]`). */
  project: ProjectConfig;
};

/** `promote:after`: the final record (`succeeded`, `failed`, `rolled-back`, `aborted`). */
export type PromoteAfterPayload = PromoteBeforePayload & {
  /** The command's result (its --json output) when the promotion succeeded or was aborted. */
  result?: PromoteResult;
  /** Why it failed, when it did. */
  error?: string;
};

/** `soulrecall:project`: what a plugin's command passes to have the host read soulrecall.yaml. */
export type ProjectRequest = {
  /** `--config` of the command, if given. */
  configPath?: string;
  /** Where to start looking (default: the current folder). */
  cwd?: string;
};

/**
 * Every hook event soulrecall runs or answers, with its payload (`options`) and what a hook
 * returns. Merged into oclif's `Hooks` below, so `Hook<'promote:after'>` and `config.runHook`
 * are typed in any plugin whose program includes @soulrecall/core's types.
 */
export interface SoulrecallHooks {
  /** Each plugin may return promotion strategies (plugin-promotion: `in-place`, plugin-blue-green: `blue-green`). */
  'promote:strategies': { options: Record<string, never>; return: PromotionStrategy[] | PromotionStrategy };
  'promote:before': { options: PromoteBeforePayload; return: void };
  'promote:after': { options: PromoteAfterPayload; return: void };
  /**
   * Answered by the soulrecall CLI itself: soulrecall.yaml, read and validated as every command
   * reads it (throws its ConfigError). For plugins that use only core's types at run time.
   */
  'soulrecall:project': { options: ProjectRequest; return: ProjectConfig };
}

// The augmentation names the module that declares `Hooks` (`@oclif/core/hooks`, i.e.
// lib/interfaces/hooks): `@oclif/core` itself only re-exports `Hook`, so augmenting
// '@oclif/core' would declare a second, unrelated `Hooks` that `Hook<...>` never reads.
declare module '@oclif/core/hooks' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Hooks extends SoulrecallHooks {}
}
