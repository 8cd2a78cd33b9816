import { Ajv, type ValidateFunction } from 'ajv';
import { expect } from 'chai';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandResultTypes, generateSchemas, schemaFile, serialise, shapesDir } from '../../scripts/json-shapes.mjs';
import { CliSandbox, repoRoot } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentWasm, createProject, type TestProject } from '../helpers/project.js';

/**
 * The `--json` output of every command is pinned by a JSON Schema generated from its result type
 * (test/json-shapes/<command>.schema.json, closed: every field required unless optional in the
 * type, no field beyond them). A changed result type fails the first test until the schemas are
 * regenerated (`node scripts/json-shapes.mjs --write`), so the change is a visible diff; the
 * second runs the commands on devnets and checks what they print against those schemas.
 */
describe('--json shapes: one checked-in schema per command', function () {
  this.timeout(600_000);

  it('the checked-in schemas are the ones the result types give (regenerate with node scripts/json-shapes.mjs --write)', () => {
    const generated = generateSchemas();
    const checkedIn = readdirSync(shapesDir)
      .filter((name) => name.endsWith('.schema.json'))
      .sort();
    expect(checkedIn, 'one schema file per command, none left over').to.deep.equal(
      Object.keys(generated)
        .map((id) => schemaFile(id).slice(shapesDir.length + 1))
        .sort(),
    );
    for (const [id, schema] of Object.entries(generated)) {
      expect(readFileSync(schemaFile(id), 'utf8'), `test/json-shapes/${id}: the result type changed`).to.equal(
        serialise(schema),
      );
    }
  });

  describe('what the commands print matches their schema', () => {
    const sandbox = new CliSandbox();
    const pool = new DevnetPool();
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validators = new Map<string, ValidateFunction>();
    const checked = new Set<string>();
    let project: TestProject;

    /** Commands this test does not run, and why; each still has its schema pinned above. */
    const notRun: Record<string, string> = {
      'history push': 'needs a PostgreSQL server (test/cli/history-push.test.ts); its schema is pinned above',
      'promote resume':
        'needs an interrupted promotion (test/cli/promote-interrupt.test.ts); same PromoteResult as promote',
      'promote abort':
        'needs an interrupted promotion (test/cli/promote-interrupt.test.ts); same PromoteResult as promote',
      'identity import': 'same IdentityResult as identity new',
    };

    before(async () => {
      for (const { id } of commandResultTypes())
        validators.set(id, ajv.compile(JSON.parse(readFileSync(schemaFile(id), 'utf8'))));
      project = await createProject(sandbox, pool, {
        stages: ['local', 'staging'],
        extraAgents: { 'plain-agent': `{ wasm: ${JSON.stringify(agentWasm.v1)} }` },
      });
    });

    after(async () => {
      await pool.stopAll();
      sandbox.cleanup();
    });

    /**
     * Runs `soulrecall <id words> <rest> --json`, expects `exitCode`, and checks the output against the command's
     * schema.
     */
    async function check(
      id: string,
      rest: string[] = [],
      options: { exitCode?: number; cwd?: string } = {},
    ): Promise<any> {
      const args = [...id.split(' '), ...rest];
      const result = options.cwd
        ? await sandbox.run([...args, '--json'], { cwd: options.cwd })
        : await project.run([...args, '--json']);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}${result.stdout}`).to.equal(options.exitCode ?? 0);
      const output = JSON.parse(result.stdout);
      const validate = validators.get(id);
      expect(validate, `a schema for ${id}`).to.not.equal(undefined);
      const valid = validate!(output);
      expect(
        valid,
        `${args.join(' ')} --json does not match test/json-shapes/${id}:\n${(validate!.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`).join('\n')}\n${result.stdout}`,
      ).to.equal(true);
      checked.add(id);
      return output;
    }

    it('project, identity and read commands', async () => {
      await check('env list');
      await check('identity list');
      await check('identity new', ['ci-key', '--key-type', 'secp256k1']);
      await check('identity export-principal', ['ci-key']);
      await check('identity use', ['default']);
      await check('autocomplete', ['bash']);
      const folder = join(sandbox.home, 'from-dfx');
      cpSync(join(repoRoot, 'test', 'fixtures', 'dfx-project'), folder, { recursive: true });
      await check('init', ['--yes'], { cwd: folder });
    });

    it('deploy, inspect, route, back up and roll back', async () => {
      const first = await check('deploy', ['my-agent', '-e', 'local']);
      await check('deploy', ['my-agent', '--network', 'local', '-w', agentWasm.v2]);
      await check('list');
      await check('status', [first.canisterId]);
      await check('status', ['-e', 'local']);
      await check('health', [first.canisterId]);
      await check('logs', [first.canisterId]);
      await check('config get', ['--routing']);
      await check('config set', ['--routing', first.canisterId]);
      const backup = await check('backup create', [first.canisterId, '--download', '--reason', 'shape test']);
      await check('backup list');
      await check('backup download', [backup.id]);
      await check('backup restore', [backup.id, '--yes']);
      await check('backup upload', [backup.archive.path, '--canister', first.canisterId]);
      await check('rollback', [first.canisterId, '--dry-run']);
      await check('rollback', [first.canisterId, '--yes']);
      await check('doctor');
    });

    it('delete a canister that is not live', async () => {
      const client = await project.client('local');
      const spares = [await client.createCanister(), await client.createCanister()];
      await check('deploy', ['plain-agent', '-e', 'local', '--canister', spares[0]!]);
      await check('deploy', ['plain-agent', '-e', 'local', '--canister', spares[1]!]);
      const live = (await check('config get', ['--routing', '--agent', 'plain-agent'])).routes[0].canisterId;
      await check('delete', [live === spares[0]! ? spares[1]! : spares[0]!, '--yes']);
    });

    it('promote, blue-green and the history', async () => {
      const promotion = await check('promote', ['my-agent', '--from', 'local', '--to', 'staging', '--yes']);
      await check('promote list', ['my-agent']);
      await check('promote show', [promotion.promotionId]);
      await check('history');
      // Each blue-green promotion carries a module staging does not run yet.
      await check('deploy', ['my-agent', '-e', 'local', '-w', agentWasm.v3]);
      await check('promote', [
        'my-agent',
        '-f',
        'local',
        '-t',
        'staging',
        '--blue-green',
        '--state',
        'fresh',
        '--no-switch',
        '--yes',
      ]);
      await check('bluegreen status', ['my-agent', '-e', 'staging']);
      await check('bluegreen switch', ['my-agent', '-e', 'staging', '--yes']);
      await check('bluegreen finish', ['my-agent', '-e', 'staging', '--yes']);
      await check('deploy', ['my-agent', '-e', 'local', '-w', agentWasm.v1]);
      await check('promote', [
        'my-agent',
        '-f',
        'local',
        '-t',
        'staging',
        '--blue-green',
        '--state',
        'fresh',
        '--no-switch',
        '--yes',
      ]);
      await check('bluegreen abort', ['my-agent', '-e', 'staging', '--yes']);
    });

    it('local networks', async () => {
      const started = await check('network start', [
        '--background',
        '--port',
        '0',
        '--state-dir',
        join(sandbox.home, 'net'),
      ]);
      await check('network status', ['--port', String(started.port)]);
      await check('network fund', ['2vxsx-fae', '--port', String(started.port), '--amount', '5t']);
      await check('network stop', ['--port', String(started.port)]);
    });

    it('every command was checked here or is listed with the reason it is not', () => {
      const all = commandResultTypes()
        .map(({ id }) => id)
        .sort();
      expect([...checked, ...Object.keys(notRun)].sort()).to.deep.equal(all);
    });
  });
});
