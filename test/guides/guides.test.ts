import { Config } from '@oclif/core';
import { expect } from 'chai';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookServer } from '../../examples/plugin-notify/test/webhook-server.js';
import { sharedPostgres } from '../../packages/history-store/test/postgres-server.js';
import { CliSandbox, repoRoot } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { commandLines, GuideRunner, parseGuide } from '../helpers/guide-runner.js';
import { agentWasm, createProject } from '../helpers/project.js';

/**
 * Issue 20: the user guides run. Each guide's ```bash blocks run in order in a fresh scratch project (its own
 * SOULRECALL_HOME) whose local, staging and production are devnets started here, as in the README's three-stage
 * example; what each guide shows as output must still be what the commands print (see guide-runner.ts).
 */
const docs = join(repoRoot, 'docs');
const GUIDES = [
  'getting-started.md',
  'deployment.md',
  'promotion.md',
  'blue-green.md',
  'rollback.md',
  'backups.md',
  'teams.md',
  'troubleshooting.md',
  'writing-a-plugin.md',
];
/** The addresses the guides use for the three stages (the README's example: 4943–4945). */
const STAGE_ADDRESSES = {
  local: 'http://127.0.0.1:4943',
  staging: 'http://127.0.0.1:4944',
  production: 'http://127.0.0.1:4945',
};
const TEAM_STORE = 'postgres://soulrecall@db.internal:5432/soulrecall';
const WEBHOOK = 'https://hooks.example.com/soulrecall';

/** Every command of the page the product was specified from (the seed's promotion guide), which promotion.md keeps. */
const SEED_COMMANDS = [
  'soulrecall promote <agent-name> --from <source> --to <target>',
  'soulrecall promote my-agent --from local --to staging',
  'soulrecall promote my-agent --from staging --to production',
  'soulrecall promote my-agent -f staging -t prod -w ./dist/agent.wasm',
  'soulrecall promote my-agent --from staging --to prod --blue-green',
  'soulrecall promote my-agent --blue-green',
  'soulrecall health <new-canister-id>',
  'soulrecall config set --routing <new-canister-id>',
  'soulrecall delete <old-canister-id>',
  'soulrecall promote list <agent-name>',
  'soulrecall promote show <promotion-id>',
  'soulrecall status --network <env>',
  'ls -la ./dist/agent.wasm',
  'soulrecall logs --network <env>',
  'soulrecall list',
  'soulrecall status <canister-id>',
  'soulrecall rollback <canister-id>',
];

describe('user guides (docs/*.md) run as written', function () {
  this.timeout(300_000);
  let config: Config;
  const timings: string[] = [];

  before(async () => {
    config = await Config.load(repoRoot);
  });
  after(() => console.log(`      guide run times: ${timings.join(', ')}`));

  it('has exactly the guides this test runs (and the command reference)', () => {
    const pages = readdirSync(docs).filter(
      (name) => name.endsWith('.md') && !['README.md', 'commands.md'].includes(name),
    );
    expect(pages.sort()).to.deep.equal([...GUIDES].sort());
  });

  it('promotion.md keeps every command of the seed promotion guide', () => {
    const lines = parseGuide(readFileSync(join(docs, 'promotion.md'), 'utf8'))
      .filter((block) => block.language === 'bash')
      .flatMap((block) => commandLines(block.body).map((line) => line.replace(/\s+#.*$/, '').trim()));
    expect(SEED_COMMANDS.filter((command) => !lines.includes(command))).to.deep.equal([]);
  });

  for (const guide of GUIDES)
    it(`${guide}: every command runs and prints what the guide shows`, async function () {
      const started = Date.now();
      const sandbox = new CliSandbox();
      const pool = new DevnetPool();
      const webhook = new WebhookServer();
      try {
        const project = await createProject(sandbox, pool, {
          name: 'my-agents',
          agentWasm: 'dist/agent.wasm',
          withoutConfig: guide === 'getting-started.md',
        });
        // The sample agent, built: what a reader's own build would leave in dist/.
        mkdirSync(join(project.dir, 'dist'));
        copyFileSync(agentWasm.v1, join(project.dir, 'dist', 'agent.wasm'));
        copyFileSync(agentWasm.v2, join(project.dir, 'dist', 'agent-v2.wasm'));
        copyFileSync(agentWasm.v3, join(project.dir, 'dist', 'agent-v3.wasm'));
        writeFileSync(join(project.dir, 'dist', 'agent-v4.wasm'), anotherBuild(readFileSync(agentWasm.v3)));
        copyFileSync(agentWasm.broken, join(project.dir, 'dist', 'agent-broken.wasm'));
        const addresses: Record<string, string> = {};
        for (const [stage, address] of Object.entries(STAGE_ADDRESSES))
          addresses[address] = project.devnets[stage]!.url;
        if (guide === 'teams.md') {
          const server = await sharedPostgres();
          addresses[TEAM_STORE] = server.url(server.createDatabase('guide'));
        }
        if (guide === 'writing-a-plugin.md') {
          await webhook.start();
          addresses[WEBHOOK] = webhook.url;
          // notify test prints the webhook's origin only.
          addresses[new URL(WEBHOOK).origin] = new URL(webhook.url).origin;
          // The reader's plugin, built (npm run build): a copy of examples/plugin-notify with its dist.
          const example = join(repoRoot, 'examples', 'plugin-notify');
          for (const entry of ['dist', 'package.json', 'oclif.manifest.json'])
            cpSync(join(example, entry), join(project.dir, 'soulrecall-plugin-notify', entry), { recursive: true });
        }
        const runner = new GuideRunner({
          cwd: project.dir,
          env: sandbox.env({ PATH: sandbox.pathWithBinary(), CI: '1' }),
          config,
          addresses,
          localNetwork: project.devnets.local!.url,
          log: process.env.GUIDE_LOG ? (line) => console.log(line) : undefined,
        });
        const report = await runner.run(guide, readFileSync(join(docs, guide), 'utf8'));
        for (const skipped of report.syntaxOnly) console.log(`      not run (syntax-only): ${skipped}`);
        expect(report.ran, 'commands run').to.be.greaterThan(0);
      } finally {
        await webhook.stop();
        await pool.stopAll();
        sandbox.cleanup();
        timings.push(`${guide} ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    });
});

/**
 * A fourth build of the sample agent for the guides' next release: v3's bytes with one more custom
 * section, so a module of its own (another sha256) that behaves as v3 (a canister ignores custom
 * sections it does not read).
 */
function anotherBuild(module: Buffer): Buffer {
  const name = Buffer.from('soulrecall:guide-build');
  const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from('4')]);
  // Section id 0 (custom), then its size as one LEB128 byte (the payload is under 128 bytes).
  return Buffer.concat([module, Buffer.from([0, payload.length]), payload]);
}
