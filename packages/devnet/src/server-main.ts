import { parseArgs } from 'node:util';
import { DevnetError } from './errors.js';
import { runNetwork } from './network-control.js';

/**
 * `node dist/server-main.js --port N --state-dir DIR [--host H] [--message-time-limit-ms N] [--fund PRINCIPAL]…`:
 * runs one network until SIGTERM/SIGINT. Prints `listening <url>` when ready, or
 * `error <CODE>: <message>` on stderr and exits 1.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4943' },
      host: { type: 'string' },
      'state-dir': { type: 'string' },
      'message-time-limit-ms': { type: 'string' },
      fund: { type: 'string', multiple: true },
    },
  });
  if (!values['state-dir']) throw new DevnetError('USAGE', '--state-dir is required.');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new DevnetError('USAGE', `Invalid --port ${values.port}.`);
  const limit = values['message-time-limit-ms'] ? Number(values['message-time-limit-ms']) : undefined;
  const network = await runNetwork({
    port,
    host: values.host,
    stateDir: values['state-dir'],
    messageTimeLimitMs: limit,
    fundedPrincipals: values.fund,
  });
  const shutdown = () => {
    network.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`error STOP_FAILED: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.stdout.write(`listening ${network.devnet.url}\n`);
}

main().catch((error: unknown) => {
  const code = error instanceof DevnetError ? error.code : 'START_FAILED';
  console.error(`error ${code}: ${(error as Error)?.message ?? String(error)}`);
  process.exit(1);
});
