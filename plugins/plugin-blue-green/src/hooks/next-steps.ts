import { renderNextCommands } from '../strategy/next-commands.js';

interface PromoteAfterPayload {
  result?: { strategy?: string; status?: string; detail?: Record<string, unknown> };
}

/**
 * `promote:after`: after a `--blue-green --no-switch` promotion, prints the commands that finish
 * it by hand, with the real ids. The --json result carries them as `detail.nextCommands`, so
 * nothing is printed then (stdout must stay one JSON document).
 */
export default async function nextSteps(payload: PromoteAfterPayload): Promise<void> {
  const result = payload.result;
  if (result?.strategy !== 'blue-green' || result.status !== 'succeeded' || !result.detail) return;
  const { greenCanisterId, blueCanisterId, nextCommands } = result.detail;
  if (!Array.isArray(nextCommands) || typeof greenCanisterId !== 'string' || typeof blueCanisterId !== 'string') return;
  if (process.argv.slice(2).includes('--json')) return;
  process.stdout.write(`${renderNextCommands(greenCanisterId, blueCanisterId, nextCommands.map(String))}\n`);
}
