import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { downWebhookUrl, WebhookServer } from '../../examples/plugin-notify/test/webhook-server.js';
import { CliSandbox, repoRoot, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentWasm, createProject, type TestProject } from '../helpers/project.js';

const PLUGIN = 'soulrecall-plugin-notify';
const exampleDir = join(repoRoot, 'examples', 'plugin-notify');
/** The npm that plugin-plugins itself runs (its pinned copy), so packing and installing agree. */
const npmCli = join(
  dirname(
    createRequire(join(repoRoot, 'node_modules', '@oclif', 'plugin-plugins', 'package.json')).resolve(
      'npm/package.json',
    ),
  ),
  'bin',
  'npm-cli.js',
);

/** `npm pack` of a package folder into `destination`; returns the tarball's path. */
function pack(folder: string, destination: string): string {
  const packed = spawnSync(
    process.execPath,
    [npmCli, 'pack', '--ignore-scripts', '--json', '--pack-destination', destination],
    { cwd: folder, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } },
  );
  if (packed.status !== 0) throw new Error(`npm pack failed in ${folder}: ${packed.stderr}`);
  return join(destination, JSON.parse(packed.stdout)[0].filename);
}

/**
 * A third-party plugin as users get it: the example packed into a tarball (after `npm run
 * build`, which compiled it and wrote its manifest) and installed with `soulrecall plugins
 * install file:<tarball>` into the sandbox's data directory. npm runs offline with its own
 * cache: the plugin has no run-time dependency to fetch.
 */
describe('soulrecall binary: a third-party plugin (soulrecall-plugin-notify) installed from a tarball', function () {
  this.timeout(240_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  const packs = mkdtempSync(join(tmpdir(), 'soulrecall-packs-'));
  const npmEnv = {
    npm_config_offline: 'true',
    npm_config_cache: join(sandbox.home, 'npm-cache'),
    npm_config_update_notifier: 'false',
  };
  const webhook = new WebhookServer();
  let project: TestProject;

  before(async () => {
    await webhook.start();
    const tarball = pack(exampleDir, packs);
    const installed = await sandbox.run(['plugins', 'install', `file:${tarball}`], { env: npmEnv });
    expect(installed.exitCode, installed.stderr).to.equal(0);
    project = await createProject(sandbox, pool, { stages: ['local', 'staging'] });
    appendFileSync(project.configPath, `plugins:\n  notify: { webhook: "${webhook.url}" }\n`);
    await project.deploy('my-agent', 'local');
  });
  after(async () => {
    await webhook.stop();
    await pool.stopAll();
    sandbox.cleanup();
    rmSync(packs, { recursive: true, force: true });
  });
  beforeEach(() => {
    webhook.requests.length = 0;
    webhook.status = 204;
  });

  it('is installed as a user plugin from the tarball, with only what `files` ships', async () => {
    const listed = await sandbox.run(['plugins']);
    expect(listed.exitCode, listed.stderr).to.equal(0);
    expect(listed.stdout).to.include(PLUGIN);
    const root = join(sandbox.home, 'oclif-data', 'node_modules', PLUGIN);
    expect(existsSync(join(root, 'oclif.manifest.json'))).to.equal(true);
    expect(existsSync(join(root, 'dist', 'hooks', 'promote-after.js'))).to.equal(true);
    expect(existsSync(join(root, 'src')), 'no TypeScript source in the package').to.equal(false);
    expect(
      existsSync(join(sandbox.home, 'oclif-data', 'node_modules', '@soulrecall', 'core')),
      'core is not installed beside it',
    ).to.equal(false);
    const help = await sandbox.run(['notify', 'test', '--help']);
    expect(help.exitCode, help.stderr).to.equal(0);
    expect(help.stdout).to.include('--url').and.include('--json');
  });

  it('a real promotion POSTs exactly one notification with its id, agent, environments, status and module hash', async () => {
    const promoted = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging', '--yes']);
    expect(promoted.exitCode, promoted.stderr).to.equal(0);
    expect(promoted.stderr, 'nothing on stderr when the webhook took it').to.equal('');
    expect(webhook.requests).to.have.length(1);
    const [request] = webhook.requests;
    expect(request!.method).to.equal('POST');
    expect(request!.body).to.include({
      event: 'promote:after',
      promotionId: promoted.json.promotionId,
      agent: 'my-agent',
      fromEnvironment: 'local',
      toEnvironment: 'staging',
      status: 'succeeded',
      moduleSha256: promoted.json.module.sha256,
      targetCanisterId: promoted.json.targetCanisterId,
    });
    expect(request!.body.moduleSha256).to.match(/^[0-9a-f]{64}$/);
  });

  it('a webhook that is down: the promotion still succeeds (exit 0) with exactly one warning line ($SOULRECALL_NOTIFY_WEBHOOK wins over the file)', async () => {
    await project.deploy('my-agent', 'local', agentWasm.v2);
    const promoted = await project.json(['promote', 'my-agent', '-f', 'local', '-t', 'staging', '--yes'], {
      env: { SOULRECALL_NOTIFY_WEBHOOK: await downWebhookUrl() },
    });
    expect(promoted.exitCode, promoted.stderr).to.equal(0);
    expect(promoted.json.status).to.equal('succeeded');
    expect(promoted.stderr).to.match(
      /^Warning: soulrecall-plugin-notify: no notification sent: the webhook at http:\/\/127\.0\.0\.1:\d+ did not take the notification: connection refused\.\n$/,
    );
    expect(webhook.requests, "the variable won: the file's webhook got nothing").to.have.length(0);
    project.withStore((store) =>
      expect(store.promotions.require(promoted.json.promotionId).status).to.equal('succeeded'),
    );
  });

  it('`notify test` reports a delivery to the configured webhook, and a failing one as one sentence with a hint (exit 6)', async () => {
    const ok = await project.json(['notify', 'test']);
    expect(ok.exitCode, ok.stderr).to.equal(0);
    expect(ok.json).to.include({ delivered: true, source: 'config', httpStatus: 204 });
    expect(webhook.requests.map((request) => request.body.event)).to.deep.equal(['notify:test']);

    webhook.status = 500;
    const failed = await project.run(['notify', 'test']);
    expect(failed.exitCode).to.equal(6);
    expect(failed.stdout).to.equal('');
    expect(failed.stderr).to.match(
      /^Error: The webhook at http:\/\/127\.0\.0\.1:\d+ did not take the notification: it answered HTTP 500\.\nHint: .+\n$/,
    );
    expect(failed.stderr).not.to.match(STACK_TRACE);
  });

  it('`notify test` outside any project and without a webhook says so in one sentence (exit 3)', async () => {
    const result = await sandbox.run(['notify', 'test'], { cwd: packs });
    expect(result.exitCode).to.equal(3);
    expect(result.stderr).to.match(/^Error: .*soulrecall\.yaml.*\nHint: .+\n$/);
    expect(result.stderr).not.to.match(STACK_TRACE);
  });

  describe('bad input', () => {
    for (const kind of ['tarball', 'folder'] as const) {
      it(`a ${kind} that is not a plugin (no \`oclif\` section) is refused in one clear sentence (exit 5), nothing is left behind, and the CLI still works`, async () => {
        const folder = join(packs, `not-a-plugin-${kind}`);
        mkdirSync(folder, { recursive: true });
        writeFileSync(
          join(folder, 'package.json'),
          JSON.stringify({ name: 'not-a-plugin', version: '1.0.0', type: 'module', main: 'index.js' }),
        );
        writeFileSync(join(folder, 'index.js'), 'export const x = 1;\n');
        const source = kind === 'tarball' ? pack(folder, packs) : folder;
        const result = await sandbox.run(['plugins', 'install', `file:${source}`], { env: npmEnv });
        expect(result.exitCode, result.stderr).to.equal(5);
        expect(result.stderr).to.match(
          /^Error: not-a-plugin is not a soulrecall plugin: its package\.json has no "oclif" section\.\nHint: .+"Writing a plugin".+\n$/,
        );
        expect(result.stderr).not.to.match(STACK_TRACE);
        // `help` loads every plugin's manifest (`--version` is answered before any plugin loads).
        const help = await sandbox.run(['help']);
        expect(help.exitCode, help.stderr).to.equal(0);
        expect(help.stdout).to.match(/TOPICS[\s\S]*\bpromote\b/);
        const listed = await sandbox.run(['plugins']);
        expect(listed.stdout).to.include(PLUGIN).and.not.include('not-a-plugin');
        const data = JSON.parse(readFileSync(join(sandbox.home, 'oclif-data', 'package.json'), 'utf8'));
        expect(Object.keys(data.dependencies)).to.deep.equal([PLUGIN]);
        expect(existsSync(join(sandbox.home, 'oclif-data', 'node_modules', 'not-a-plugin'))).to.equal(false);
      });
    }
  });
});

/**
 * `soulrecall plugins link <checkout>` of a built plugin: it runs its dist, like an installed
 * one. oclif used to try transpiling a linked ESM plugin's TypeScript and, when it could not,
 * warned "… cannot be auto-transpiled" on each of its commands and hooks.
 */
describe('soulrecall binary: a plugin linked from its checkout', function () {
  this.timeout(120_000);
  const sandbox = new CliSandbox();
  const webhook = new WebhookServer();
  before(() => webhook.start());
  after(async () => {
    await webhook.stop();
    sandbox.cleanup();
  });

  it('runs its built dist without the "cannot be auto-transpiled" warning', async () => {
    // A checkout as its author has it: source, tsconfig, package.json and the output of `npm run build`.
    const folder = join(sandbox.home, 'plugin-notify-checkout');
    for (const entry of ['src', 'dist', 'package.json', 'tsconfig.json'])
      cpSync(join(exampleDir, entry), join(folder, entry), { recursive: true });
    const linked = await sandbox.run(['plugins', 'link', folder, '--no-install']);
    expect(linked.exitCode, linked.stderr).to.equal(0);
    const result = await sandbox.run(['notify', 'test', '--url', webhook.url]);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stdout).to.match(
      /^Delivered a test notification to http:\/\/127\.0\.0\.1:\d+ \(HTTP 204, \d+ ms\)\.\n$/,
    );
    expect(result.stderr, 'no warning').to.equal('');
    const listed = await sandbox.run(['plugins']);
    expect(listed.stdout).to.match(new RegExp(`${PLUGIN} 0\\.1\\.0 \\(link\\)`));
    expect(listed.stderr).to.equal('');
  });
});
