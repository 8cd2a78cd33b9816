import { expect } from 'chai';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { CanisterClient } from '@soulrecall/canister-client';
import { CliSandbox, STACK_TRACE } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { agentWasm, createProject, type TestProject } from '../helpers/project.js';

/**
 * Off-chain backups through the real binary: a snapshot downloaded into a snapshot file outlives
 * its canister, is uploaded into a new one and restored there; bad files and canisters are
 * refused before anything is sent.
 */
describe('soulrecall binary: off-chain backups (backup create --download, download, upload)', function () {
  this.timeout(240_000);
  const pool = new DevnetPool();
  const sandbox = new CliSandbox();
  let project: TestProject;
  let client: CanisterClient;
  let file: string;
  let lostBackupId: string;

  const ok = (result: { exitCode: number; stdout: string; stderr: string }) =>
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).to.equal(0);
  const backupsRecorded = () =>
    project.withStore((store) => store.backups.list({ includeDeleted: true, limit: 1000 }).length);

  before(async () => {
    project = await createProject(sandbox, pool, { stages: ['local'], protectedStages: [] });
    client = await project.client('local');
  });
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
  });

  it('round trip: backup create --download, delete the canister, backup upload into a new canister, restore → the memories are back', async () => {
    const first = (await project.deploy('my-agent', 'local')).canisterId;
    const actor = await project.agent('local', first);
    for (const memory of ['the user likes tea', 'the user lives in Zurich']) await actor.remember(memory);

    const created = await project.json(['backup', 'create', first, '--download']);
    ok(created);
    lostBackupId = created.json.id;
    expect(created.json).to.include({ location: 'both', canisterId: first, source: 'taken' });
    file = created.json.archive.path;
    expect(file).to.equal(join(sandbox.home, 'backups', `${created.json.archive.sha256}.snapshot`));
    expect(readFileSync(file).subarray(0, 8).toString()).to.equal('SRSNAP01');

    // Move the route to a second canister so the first can be deleted with soulrecall.
    const spare = await client.createCanister();
    ok(await project.run(['deploy', 'my-agent', '-e', 'local', '--canister', spare, '--yes']));
    ok(await project.run(['config', 'set', '--routing', spare]));
    ok(await project.run(['delete', first]));
    const listed = await project.json(['backup', 'list']);
    expect(listed.json.backups.find((backup: { id: string }) => backup.id === lostBackupId)).to.include({
      location: 'disk',
    });
    const table = await project.run(['backup', 'list']);
    expect(table.stdout).to.match(new RegExp(`${lostBackupId}.*disk`));

    const fresh = await client.createCanister();
    const uploaded = await project.json(['backup', 'upload', file, '--canister', fresh, '--network', 'local']);
    ok(uploaded);
    expect(uploaded.json).to.deep.include({ adopted: true });
    expect(uploaded.json.backup).to.include({ canisterId: fresh, source: 'uploaded', location: 'both' });
    expect(uploaded.json.upload.bytes).to.be.greaterThan(0);

    const restored = await project.json(['backup', 'restore', uploaded.json.backup.id, '--yes']);
    ok(restored);
    expect(restored.json.safetyBackupId, 'an empty canister had nothing to keep').to.equal(null);
    const back = await project.agent('local', fresh);
    expect(await back.recall()).to.deep.equal(['the user likes tea', 'the user lives in Zurich']);
    expect(await back.version()).to.equal('1.0.0');
    expect(project.withStore((store) => store.canisters.get('local', fresh))).to.include({ agent: 'my-agent' });

    // backup download of a backup still on the network: it then lives in both places.
    const manual = await project.json(['backup', 'create', fresh]);
    ok(manual);
    expect(manual.json.location).to.equal('network');
    const downloaded = await project.json(['backup', 'download', manual.json.id]);
    ok(downloaded);
    expect(downloaded.json.location).to.equal('both');
    expect(existsSync(downloaded.json.archive.path)).to.equal(true);
  });

  describe('bad input: one sentence, a hint, the documented exit code, no stack trace, nothing uploaded or recorded', () => {
    const cases: Array<{ name: string; exit: number; message: RegExp; args: () => Promise<string[]> }> = [
      {
        name: 'a truncated snapshot file',
        exit: 5,
        message: /is truncated: it holds \d+ of its \d+ bytes/,
        args: async () => {
          const cut = join(project.dir, 'cut.snapshot');
          writeFileSync(cut, readFileSync(file).subarray(0, 100_000));
          return ['backup', 'upload', cut, '--canister', await client.createCanister(), '--network', 'local'];
        },
      },
      {
        name: 'a tampered snapshot file',
        exit: 5,
        message: /was changed or damaged/,
        args: async () => {
          const bytes = readFileSync(file);
          bytes[bytes.length - 5000] ^= 0x5a;
          const changed = join(project.dir, 'changed.snapshot');
          writeFileSync(changed, bytes);
          return ['backup', 'upload', changed, '--canister', await client.createCanister(), '--network', 'local'];
        },
      },
      {
        name: 'a file that is not a snapshot file',
        exit: 5,
        message: /is not a soulrecall snapshot file/,
        args: async () => [
          'backup',
          'upload',
          agentWasm.v1,
          '--canister',
          await client.createCanister(),
          '--network',
          'local',
        ],
      },
      {
        name: 'a snapshot file that does not exist',
        exit: 4,
        message: /does not exist/,
        args: async () => [
          'backup',
          'upload',
          join(project.dir, 'nope.snapshot'),
          '--canister',
          await client.createCanister(),
          '--network',
          'local',
        ],
      },
      {
        name: 'a canister this identity does not control',
        exit: 7,
        message: /not|controller/i,
        args: async () => {
          const stranger = await CanisterClient.connect(
            { name: 'local', url: project.devnets.local!.url, kind: 'url' },
            Ed25519KeyIdentity.generate(),
          );
          const copy = join(project.dir, 'copy.snapshot');
          copyFileSync(file, copy);
          return ['backup', 'upload', copy, '--canister', await stranger.createCanister(), '--network', 'local'];
        },
      },
      {
        name: 'an id that is not a canister id',
        exit: 5,
        message: /is not a canister id/,
        args: async () => ['backup', 'upload', file, '--canister', 'not-a-principal', '--network', 'local'],
      },
      {
        name: 'an unrecorded canister without --network',
        exit: 4,
        message: /is not known to soulrecall/,
        args: async () => ['backup', 'upload', file, '--canister', await client.createCanister()],
      },
      {
        name: 'backup download of an unknown backup id',
        exit: 4,
        message: /^Error: Backup bak-zzzzzz does not exist\./m,
        args: async () => ['backup', 'download', 'bak-zzzzzz'],
      },
      {
        name: 'backup restore of an unknown backup id',
        exit: 4,
        message: /^Error: Backup bak-zzzzzz does not exist\./m,
        args: async () => ['backup', 'restore', 'bak-zzzzzz', '--yes'],
      },
      {
        name: 'backup download of a backup whose snapshot died with its canister',
        exit: 4,
        message: /is no longer on the network/,
        args: async () => ['backup', 'download', lostBackupId],
      },
    ];
    for (const testCase of cases) {
      it(`${testCase.name}: exit ${testCase.exit}`, async () => {
        const args = await testCase.args();
        const before = backupsRecorded();
        const canisters = project.withStore((store) => store.canisters.list({ includeDecommissioned: true }).length);
        const result = await project.run(args);
        expect(result.exitCode, result.stderr).to.equal(testCase.exit);
        expect(result.stderr)
          .to.match(/^Error: /m)
          .and.match(testCase.message)
          .and.match(/^Hint: /m)
          .and.not.match(STACK_TRACE);
        expect(result.stdout).to.equal('');
        expect(backupsRecorded(), 'no backup recorded').to.equal(before);
        expect(
          project.withStore((store) => store.canisters.list({ includeDecommissioned: true }).length),
          'no canister adopted',
        ).to.equal(canisters);
        const target = args.includes('--canister') ? args[args.indexOf('--canister') + 1] : undefined;
        if (target && target !== 'not-a-principal' && testCase.exit !== 7)
          expect(await client.listSnapshots(target), 'nothing uploaded').to.deep.equal([]);
        const json = await project.json(args);
        expect(json.json.error).to.include({ exitCode: testCase.exit });
      });
    }
  });
});
