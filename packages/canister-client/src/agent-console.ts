import { currentDeadline } from './deadline.js';

let installed = false;

/**
 * @dfinity/agent 3.4.3 writes to the console when a best-effort certified lookup fails (e.g. the
 * subnet keys it fetches to verify a query's signature): `console.warn(error)`, stack included.
 * The failure itself still reaches us as an error, which we classify and report in one sentence;
 * the console copy would put a stack trace in front of every user of a network that answers
 * garbage. So console.warn / group / groupEnd are silenced while one of our network operations
 * runs (they are the agent's, nothing else runs there), unless DEBUG is set.
 */
export function quietAgentConsole(): void {
  if (installed) return;
  installed = true;
  for (const method of ['warn', 'group', 'groupEnd'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (currentDeadline() !== undefined && !process.env.DEBUG) return;
      original(...args);
    };
  }
}
