import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHILD_TIMEOUT_MS, CliSandbox, repoRoot, runProgram, STACK_TRACE, type CliResult } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { agentWasm } from '../helpers/project.js';
import { PUBLISHED_PACKAGES, startRegistry, type Registry } from '../helpers/registry.js';
import { WebhookServer } from '../../examples/plugin-notify/test/webhook-server.js';

const execFileAsync = promisify(execFile);

const HISTORY_PLUGIN = '@soulrecall/plugin-history';
/** The example third-party plugin, published next to ours. */
const NOTIFY_PLUGIN = 'soulrecall-plugin-notify';

/**
 * soulrecall as a user outside this repository gets it: every package published to a real
 * registry (Verdaccio on loopback), `npm install -g soulrecall` into a fresh prefix, then the
 * installed binary on local networks with a fresh data directory. npm reaches only that
 * registry (third-party packages come through it).
 */
describe('soulrecall installed from an npm registry', function () {
  this.timeout(1_200_000);
  let registry: Registry;
  let prefix: string;
  const sandbox = new CliSandbox();
  const project = join(sandbox.home, 'project');
  const ports: number[] = [];

  // The binary npm put on the prefix's PATH, with the sandbox's data dir and npm pointed at the registry.
  const soulrecall = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    runProgram(join(prefix, 'bin', 'soulrecall'), args, {
      cwd: project,
      env: registry.npmEnv({ ...sandbox.env(extraEnv), PATH: `${join(prefix, 'bin')}:${process.env.PATH}` }),
      timeoutMs: CHILD_TIMEOUT_MS * 2,
    });
  const ok = async (args: string[]): Promise<CliResult> => {
    const result = await soulrecall(args);
    expect(result.exitCode, `soulrecall ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).to.equal(0);
    return result;
  };

  before(async function () {
    registry = await startRegistry([NOTIFY_PLUGIN]);
    for (const dir of [...PUBLISHED_PACKAGES, 'examples/plugin-notify']) registry.publish(join(repoRoot, dir));
    prefix = mkdtempSync(join(tmpdir(), 'soulrecall-prefix-'));
    await execFileAsync('npm', ['install', '--global', '--prefix', prefix, 'soulrecall'], {
      env: registry.npmEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });

    ports.push(await freePort(), await freePort());
    mkdirSync(join(project, 'agent'), { recursive: true });
    cpSync(agentWasm.v1, join(project, 'agent', 'agent-v1.wasm'));
    cpSync(agentWasm.v2, join(project, 'agent', 'agent-v2.wasm'));
    writeFileSync(
      join(project, 'soulrecall.yaml'),
      [
        'project: shop',
        'pipeline: [local, staging]',
        'environments:',
        `  local: { network: "http://127.0.0.1:${ports[0]}" }`,
        `  staging: { network: "http://127.0.0.1:${ports[1]}", protected: true }`,
        'agents:',
        '  my-agent: { wasm: agent/agent-v1.wasm, health: { method: health } }',
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    for (const port of ports) await soulrecall(['network', 'stop', '--port', String(port)]).catch(() => undefined);
    await registry?.stop();
    if (prefix) rmSync(prefix, { recursive: true, force: true });
    sandbox.cleanup();
  });

  it('runs from the global install, outside the repository: network start, deploy, promote, promote list', async () => {
    const version = await ok(['--version']);
    expect(version.stdout).to.match(/^soulrecall\/0\.1\.0 /);
    for (const port of ports) await ok(['network', 'start', '--port', String(port), '--background']);
    await ok(['deploy', 'my-agent', '-e', 'local']);
    await ok(['promote', 'my-agent', '--from', 'local', '--to', 'staging', '--yes']);
    const list = JSON.parse((await ok(['promote', 'list', 'my-agent', '--json'])).stdout);
    expect(
      list.promotions.map((p: { status: string; toEnvironment: string }) => [p.toEnvironment, p.status]),
    ).to.deep.equal([['staging', 'succeeded']]);
  });

  /** The plugins oclif loaded besides its own, by name: `core` (bundled) or `user` (installed from a registry). */
  const loadedPlugins = async (): Promise<Record<string, string>> => {
    const plugins = JSON.parse((await ok(['plugins', '--json'])).stdout) as { name: string; type: string }[];
    return Object.fromEntries(
      plugins.filter((p) => p.name !== 'soulrecall' && !p.name.startsWith('@oclif/')).map((p) => [p.name, p.type]),
    );
  };
  const promotionsListed = async (): Promise<number> =>
    JSON.parse((await ok(['promote', 'list', 'my-agent', '--json'])).stdout).promotions.length;
  const historyPluginMissing = async (): Promise<void> => {
    const missing = await soulrecall(['promote', 'list', 'my-agent']);
    expect(missing.exitCode, missing.stderr).to.equal(4);
    expect(missing.stderr).to.include(`soulrecall plugins install ${HISTORY_PLUGIN}`);
    expect(missing.stderr).to.not.match(STACK_TRACE);
  };

  it('bundles four plugins; one installed from the registry replaces its bundled copy, uninstall leaves none, install restores it', async () => {
    const bundled = [
      '@soulrecall/plugin-blue-green',
      HISTORY_PLUGIN,
      '@soulrecall/plugin-network',
      '@soulrecall/plugin-promotion',
    ];
    expect(await loadedPlugins()).to.deep.equal(Object.fromEntries(bundled.map((name) => [name, 'core'])));

    await ok(['plugins', 'install', HISTORY_PLUGIN]);
    expect((await loadedPlugins())[HISTORY_PLUGIN]).to.equal('user');
    expect(await promotionsListed()).to.equal(1);

    await ok(['plugins', 'uninstall', HISTORY_PLUGIN]);
    expect(await loadedPlugins()).to.not.have.property(HISTORY_PLUGIN);
    await historyPluginMissing();
    expect(
      JSON.parse(readFileSync(join(sandbox.home, 'oclif-data', 'removed-bundled-plugins.json'), 'utf8')),
    ).to.deep.equal({ removed: [HISTORY_PLUGIN] });

    await ok(['plugins', 'install', HISTORY_PLUGIN]);
    expect((await loadedPlugins())[HISTORY_PLUGIN]).to.equal('user');
    expect(await promotionsListed()).to.equal(1);
  });

  it('uninstalls a bundled plugin without a registry: its commands go, and promote names it', async () => {
    await ok(['plugins', 'uninstall', HISTORY_PLUGIN]);
    await historyPluginMissing();
    const uninstalled = await ok(['plugins', 'uninstall', '@soulrecall/plugin-blue-green']);
    expect(uninstalled.stdout).to.include(
      'Uninstalled @soulrecall/plugin-blue-green, which came bundled with soulrecall',
    );
    expect(await loadedPlugins()).to.deep.equal({
      '@soulrecall/plugin-network': 'core',
      '@soulrecall/plugin-promotion': 'core',
    });
    const again = await soulrecall(['plugins', 'uninstall', '@soulrecall/plugin-blue-green']);
    expect(again.exitCode).to.equal(2);
    expect(again.stderr).to.include('@soulrecall/plugin-blue-green is not installed');
  });

  it('installs a third-party plugin from the registry: one notification per promotion', async () => {
    const webhook = new WebhookServer();
    await webhook.start();
    try {
      await ok(['plugins', 'install', NOTIFY_PLUGIN]);
      expect((await loadedPlugins())[NOTIFY_PLUGIN]).to.equal('user');
      await ok(['deploy', 'my-agent', '-e', 'local', '-w', 'agent/agent-v2.wasm']);
      const promoted = JSON.parse(
        (
          await soulrecall(['promote', 'my-agent', '--from', 'local', '--to', 'staging', '--yes', '--json'], {
            SOULRECALL_NOTIFY_WEBHOOK: webhook.url,
          })
        ).stdout,
      );
      expect(promoted.status).to.equal('succeeded');
      expect(webhook.requests).to.have.length(1);
      expect(webhook.requests[0]!.body).to.include({
        promotionId: promoted.promotionId,
        agent: 'my-agent',
        fromEnvironment: 'local',
        toEnvironment: 'staging',
        status: 'succeeded',
        moduleSha256: promoted.module.sha256,
      });
    } finally {
      await webhook.stop();
    }
  });
});
