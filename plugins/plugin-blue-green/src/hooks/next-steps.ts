import type { Hook } from '@oclif/core';
import type {} from '@soulrecall/core'; // core's typing of the hook events (Hook<'promote:after'>)
import { renderNextCommands } from '../strategy/next-commands.js';

/**
 * `promote:after`: after a `--blue-green --no-switch` promotion, prints the commands that finish
 * it by hand, with the real ids. The --json result carries them as `detail.nextCommands`, so
 * nothing is printed then (stdout must stay one JSON document).
 */
const nextSteps: Hook<'promote:after'> = async function ({ result }) {
  if (result?.strategy !== 'blue-green' || result.status !== 'succeeded') return;
  const { greenCanisterId, blueCanisterId, nextCommands } = result.detail;
  if (!Array.isArray(nextCommands) || typeof greenCanisterId !== 'string' || typeof blueCanisterId !== 'string') return;
  if (process.argv.slice(2).includes('--json')) return;
  process.stdout.write(`${renderNextCommands(greenCanisterId, blueCanisterId, nextCommands.map(String))}\n`);
};

export default nextSteps;
