import { SoulrecallError, type PromotionStrategy } from '@soulrecall/core';

/** Which plugin provides a strategy that is not installed, so the error can say what to install. */
const KNOWN_PROVIDERS: Record<string, string> = {
  'in-place': '@soulrecall/plugin-promotion',
  'blue-green': '@soulrecall/plugin-blue-green',
};

/** Collects the strategies every installed plugin returned from the `promote:strategies` hook. */
export function collectStrategies(hookResults: Array<{ result: unknown }>): Map<string, PromotionStrategy> {
  const strategies = new Map<string, PromotionStrategy>();
  for (const { result } of hookResults) {
    const provided = Array.isArray(result) ? result : result ? [result] : [];
    for (const strategy of provided as PromotionStrategy[]) {
      if (strategy && typeof strategy.name === 'string' && typeof strategy.run === 'function')
        strategies.set(strategy.name, strategy);
    }
  }
  return strategies;
}

export function selectStrategy(strategies: Map<string, PromotionStrategy>, name: string): PromotionStrategy {
  const strategy = strategies.get(name);
  if (strategy) return strategy;
  const provider = KNOWN_PROVIDERS[name];
  throw new SoulrecallError(`No installed plugin provides the promotion strategy "${name}".`, {
    code: 'STRATEGY_NOT_INSTALLED',
    hint: provider
      ? `Install it with \`soulrecall plugins install ${provider}\`.`
      : `Installed strategies: ${[...strategies.keys()].join(', ') || 'none'}; install the plugin that provides "${name}" with \`soulrecall plugins install <plugin>\`.`,
  });
}
