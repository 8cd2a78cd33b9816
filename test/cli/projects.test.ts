import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { runJson, wasm, writeProject } from './deploy-support.js';

/**
 * Two projects in two folders, one soulrecall home, the same agent and environment names: the
 * history store keeps them apart (issue: `list` in one project showed the other's canisters, and
 * both shared `my-agent`'s version numbers and route in `local`).
 */
describe('soulrecall binary: projects share one history store and nothing else', function () {
  this.timeout(300_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let shop: string;
  let blog: string;
  let shopCanister: string;
  let blogCanister: string;

  const ok = (result: { exitCode: number; stdout: string; stderr: string }) =>
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(0);

  before(async () => {
    shop = writeProject(sandbox, 'shop', { local: (await pool.start()).url, staging: (await pool.start()).url });
    blog = writeProject(sandbox, 'blog-folder', { local: (await pool.start()).url });
    writeFileSync(
      join(blog, 'soulrecall.yaml'),
      `project: blog\n${readFileSync(join(blog, 'soulrecall.yaml'), 'utf8')}`,
    );

    const first = await runJson(sandbox, shop, ['deploy', 'my-agent', '-e', 'local']);
    ok(first);
    ok(await runJson(sandbox, shop, ['deploy', 'my-agent', '-e', 'local', '-w', wasm.v2]));
    ok(await runJson(sandbox, shop, ['promote', 'my-agent', '--from', 'local', '--to', 'staging', '--yes']));
    const other = await runJson(sandbox, blog, ['deploy', 'my-agent', '-e', 'local']);
    ok(other);
    shopCanister = first.json.canisterId;
    blogCanister = other.json.canisterId;
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('numbers versions, routes and lists canisters per project', async () => {
    const shopList = await runJson(sandbox, shop, ['list']);
    const blogList = await runJson(sandbox, blog, ['list']);
    expect(shopList.json.project).to.equal('shop');
    expect(blogList.json.project).to.equal('blog');
    expect(
      shopList.json.canisters.map((c: { environment: string; deployedVersion: number }) => [
        c.environment,
        c.deployedVersion,
      ]),
    ).to.deep.equal([
      ['local', 2],
      ['staging', 1],
    ]);
    expect(
      blogList.json.canisters.map((c: { environment: string; deployedVersion: number; live: boolean }) => [
        c.environment,
        c.deployedVersion,
        c.live,
      ]),
    ).to.deep.equal([['local', 1, true]]);
    const blogDeploy = await runJson(sandbox, blog, ['deploy', 'my-agent', '-e', 'local', '-w', wasm.v2]);
    ok(blogDeploy);
    expect(blogDeploy.json.version).to.equal(2);
    // Each project's local ids under its own .dfx/local (dfx's place), staging's in its canister_ids.json.
    expect(JSON.parse(readFileSync(join(blog, '.dfx', 'local', 'canister_ids.json'), 'utf8'))).to.deep.equal({
      'my-agent': { local: blogCanister },
    });
    expect(
      JSON.parse(readFileSync(join(shop, '.dfx', 'local', 'canister_ids.json'), 'utf8'))['my-agent'].local,
    ).to.equal(shopCanister);
    expect(Object.keys(JSON.parse(readFileSync(join(shop, 'canister_ids.json'), 'utf8'))['my-agent'])).to.deep.equal([
      'staging',
    ]);
  });

  it('keeps history and promotions apart; --all-projects shows both, each entry naming its project', async () => {
    const shopHistory = await runJson(sandbox, shop, ['history', '--limit', '1000']);
    const blogHistory = await runJson(sandbox, blog, ['history', '--limit', '1000']);
    expect(shopHistory.json.project).to.equal('shop');
    const shopIds = shopHistory.json.events.map((e: { id: number }) => e.id);
    const blogIds = blogHistory.json.events.map((e: { id: number }) => e.id);
    expect(shopIds.filter((id: number) => blogIds.includes(id))).to.deep.equal([]);
    expect(shopHistory.json.events.every((e: { project: string }) => e.project === 'shop')).to.equal(true);
    expect(blogHistory.json.events.some((e: { kind: string }) => e.kind === 'promotion')).to.equal(false);

    const shopPromotions = await runJson(sandbox, shop, ['promote', 'list', 'my-agent']);
    const blogPromotions = await runJson(sandbox, blog, ['promote', 'list', 'my-agent']);
    expect(shopPromotions.json.promotions).to.have.length(1);
    expect(blogPromotions.json.promotions).to.deep.equal([]);
    const shown = await runJson(sandbox, blog, ['promote', 'show', shopPromotions.json.promotions[0].id]);
    expect(shown.exitCode).to.equal(4);

    const everything = await runJson(sandbox, blog, ['list', '--all-projects']);
    expect(everything.json.project).to.equal(null);
    expect(
      everything.json.canisters.map((c: { project: string; environment: string }) => `${c.project}/${c.environment}`),
    ).to.deep.equal(['blog/local', 'shop/local', 'shop/staging']);
    const table = await sandbox.run(['list', '--all-projects'], { cwd: blog });
    expect(table.stdout.split('\n')[0]).to.match(/^PROJECT\s+ENV\s+AGENT/);
    const timeline = await runJson(sandbox, shop, ['history', '--all-projects', '--limit', '1000']);
    expect(new Set(timeline.json.events.map((e: { project: string }) => e.project))).to.deep.equal(
      new Set(['shop', 'blog']),
    );
    expect(timeline.json.events.map((e: { id: number }) => e.id)).to.deep.equal(
      [...shopIds, ...blogIds].sort((a, b) => b - a).slice(0, timeline.json.events.length),
    );
    const lines = await sandbox.run(['history', '--all-projects', '--limit', '5'], { cwd: shop });
    expect(lines.stdout).to.match(/\[(shop|blog)\] /);
  });

  it('an empty project, or no project at all, names the projects that have records', async () => {
    const empty = writeProject(sandbox, 'empty', { local: 'http://127.0.0.1:9' });
    const listed = await sandbox.run(['list'], { cwd: empty });
    expect(listed.exitCode).to.equal(0);
    expect(listed.stderr)
      .to.include('No canisters in project empty.')
      .and.include('blog, shop')
      .and.include('soulrecall list --all-projects');
    const history = await sandbox.run(['history'], { cwd: empty });
    expect(history.stdout)
      .to.include('Nothing recorded in project empty')
      .and.include('soulrecall history --all-projects');
    // Outside any project there is no folder to scope to: every project answers, each row naming its own.
    const outside = await runJson(sandbox, sandbox.home, ['list']);
    expect(outside.json.project).to.equal(null);
    expect(outside.json.canisters.map((c: { project: string }) => c.project)).to.deep.equal(['blog', 'shop', 'shop']);
    const promotions = await runJson(sandbox, sandbox.home, ['promote', 'list', 'my-agent']);
    expect(promotions.json.promotions.map((p: { project: string }) => p.project)).to.deep.equal(['shop']);
    const shown = await runJson(sandbox, sandbox.home, ['promote', 'show', promotions.json.promotions[0].id]);
    expect(shown.exitCode, shown.stderr).to.equal(0);
    expect(shown.json.project).to.equal('shop');
    const timeline = await runJson(sandbox, sandbox.home, ['history', '-e', 'staging']);
    expect(timeline.json.events.length).to.be.greaterThan(0);
    expect(
      timeline.json.events.every(
        (e: { project: string; environment: string }) => e.project === 'shop' && e.environment === 'staging',
      ),
    ).to.equal(true);
  });

  describe('bad project names: one sentence, a hint, exit 3, nothing written', () => {
    const cases: { name: string; line: string; message: RegExp; code: string; hint: RegExp }[] = [
      {
        name: 'upper case and a space',
        line: 'project: My Shop',
        message: /project name "My Shop" is not valid/,
        code: 'CONFIG_INVALID_NAME',
        hint: /lower-case letters/,
      },
      {
        name: 'a slash',
        line: 'project: team/shop',
        message: /project name "team\/shop" is not valid/,
        code: 'CONFIG_INVALID_NAME',
        hint: /lower-case letters/,
      },
      {
        name: 'too long',
        line: `project: ${'a'.repeat(65)}`,
        message: /is not valid/,
        code: 'CONFIG_INVALID_NAME',
        hint: /1 to 64/,
      },
      {
        name: 'empty',
        line: 'project: ""',
        message: /project must be a non-empty string/,
        code: 'CONFIG_INVALID_VALUE',
        hint: /Quote the value/,
      },
      {
        name: 'a number',
        line: 'project: 42',
        message: /project must be a non-empty string/,
        code: 'CONFIG_INVALID_VALUE',
        hint: /Quote the value/,
      },
      {
        name: 'a list',
        line: 'project: [a, b]',
        message: /project must be a non-empty string/,
        code: 'CONFIG_INVALID_VALUE',
        hint: /Quote the value/,
      },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const fresh = new CliSandbox();
        try {
          const dir = join(fresh.home, 'bad');
          mkdirSync(dir);
          writeFileSync(join(dir, 'soulrecall.yaml'), `${testCase.line}\nenvironments:\n  local: { network: local }\n`);
          for (const args of [['list'], ['deploy', 'my-agent', '-e', 'local', '-w', wasm.v1]]) {
            const human = await fresh.run(args, { cwd: dir });
            expect(human.exitCode, human.stderr).to.equal(3);
            expect(human.stderr).to.match(testCase.message).and.include('soulrecall.yaml:1');
            expect(human.stderr).to.match(testCase.hint);
            expect(human.stderr).not.to.match(STACK_TRACE);
            const json = await runJson(fresh, dir, args);
            expect(json.exitCode).to.equal(3);
            expect(json.json.error.code).to.equal(testCase.code);
          }
          expect(existsSync(join(fresh.home, 'history.db'))).to.equal(false);
          expect(existsSync(join(dir, 'canister_ids.json'))).to.equal(false);
          expect(existsSync(join(dir, '.dfx'))).to.equal(false);
        } finally {
          fresh.cleanup();
        }
      });
    }
  });
});
