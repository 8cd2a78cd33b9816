import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import NetworkStart from '../src/commands/network/start.js';
import NetworkStatusCommand from '../src/commands/network/status.js';
import NetworkStop from '../src/commands/network/stop.js';
import { stopNetwork } from '@soulrecall/devnet';

const pluginRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command with --json and returns what it printed on stdout, parsed. */
async function runJson(
  command: { run(argv: string[], root: string): Promise<unknown> },
  argv: string[],
): Promise<Record<string, unknown>> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (
    chunks.push(String(chunk)),
    true
  )) as typeof process.stdout.write;
  try {
    // With --json a command reports its errors on stdout; anything thrown past that is a bug.
    await command.run([...argv, '--json'], pluginRoot).catch((error: unknown) => {
      if (chunks.length === 0) throw error;
    });
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(chunks.join('')) as Record<string, unknown>;
}

describe('network plugin commands', function () {
  this.timeout(120_000);
  let home: string;
  let previousHome: string | undefined;
  let previousExitCode: typeof process.exitCode;

  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'soulrecall-'));
    previousHome = process.env.SOULRECALL_HOME;
    process.env.SOULRECALL_HOME = home;
    previousExitCode = process.exitCode;
  });

  afterEach(async () => {
    // A failed assertion must not leave a background network running on a deleted state dir.
    await stopNetwork(path.join(home, 'networks', '0')).catch(() => undefined);
    if (previousHome === undefined) delete process.env.SOULRECALL_HOME;
    else process.env.SOULRECALL_HOME = previousHome;
    process.exitCode = previousExitCode;
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('starts a network in the background, reports it and stops it (state under the data directory)', async () => {
    const started = await runJson(NetworkStart, ['--background', '--port', '0']);
    expect(started).to.include({ background: true, stateDir: path.join(home, 'networks', '0') });
    expect(started.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const status = await runJson(NetworkStatusCommand, ['--port', '0']);
    expect(status).to.include({ running: true, healthy: true, url: started.url });
    const stopped = await runJson(NetworkStop, ['--port', '0']);
    expect(stopped).to.include({ stopped: true, pid: started.pid });
    const after = await runJson(NetworkStatusCommand, ['--port', '0']);
    expect(after).to.include({ running: false });
    expect(process.exitCode).to.equal(6);
  });

  it('reports a network that is not running as an error with a code, a hint and exit code 4', async () => {
    const result = await runJson(NetworkStop, ['--port', '4999']);
    const error = result.error as Record<string, unknown>;
    expect(error).to.include({ code: 'NOT_RUNNING', exitCode: 4 });
    expect(error.hint).to.be.a('string');
  });
});
