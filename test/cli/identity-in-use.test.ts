import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openssl, principalOfPem } from '../../packages/canister-client/test/support/independent-principal.js';
import { binPath, CliSandbox } from '../helpers/cli.js';
import { DevnetPool } from '../helpers/devnet.js';
import { createProject, type TestProject } from '../helpers/project.js';
import { PROMPT_ONLY, TmuxPane } from '../helpers/tmux.js';

const PASSPHRASE = 'correct horse battery staple';

/**
 * Identities from other tools doing real work: a dfx identity found through DFX_CONFIG_ROOT and an
 * encrypted P-256 key deploy to real devnets (their signatures checked there), and the passphrase
 * prompt on a real terminal (tmux), where nothing typed may show.
 */
describe('soulrecall binary: identities from dfx, quill and openssl in use', function () {
  this.timeout(600_000);
  const sandbox = new CliSandbox();
  const pool = new DevnetPool();
  const elsewhere = mkdtempSync(join(tmpdir(), 'soulrecall-keys-'));
  after(async () => {
    await pool.stopAll();
    sandbox.cleanup();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  describe('deploying with them', () => {
    let project: TestProject;
    const dfxRoot = join(elsewhere, 'dfx-root');
    // quill's and keysmith's form: an EC PARAMETERS block before the SEC1 key.
    const alice = openssl(['ecparam', '-name', 'secp256k1', '-genkey']);
    const p256File = join(elsewhere, 'p256-encrypted.pem');
    const p256 = openssl(
      ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`],
      openssl(['ecparam', '-name', 'prime256v1', '-genkey']),
    );
    const env = { DFX_CONFIG_ROOT: dfxRoot, HOME: elsewhere, SOULRECALL_IDENTITY_PASSPHRASE: PASSPHRASE };

    before(async () => {
      mkdirSync(join(dfxRoot, '.config', 'dfx', 'identity', 'alice'), { recursive: true });
      writeFileSync(join(dfxRoot, '.config', 'dfx', 'identity', 'alice', 'identity.pem'), alice);
      writeFileSync(p256File, p256, { mode: 0o600 });
      project = await createProject(sandbox, pool, { stages: ['local', 'staging'] });
      const yaml = readFileSync(project.configPath, 'utf8')
        .replace(/( {2}local: \{ network: "[^"]+")/, '$1, identity: "dfx:alice"')
        .replace(/( {2}staging: \{ network: "[^"]+")/, `$1, identity: ${JSON.stringify(p256File)}`);
      expect(yaml).to.include('identity: "dfx:alice"').and.to.include(p256File);
      writeFileSync(project.configPath, yaml);
    });

    for (const [environment, pem, passphrase] of [
      ['local', alice, undefined],
      ['staging', p256, PASSPHRASE],
    ] as const) {
      it(`${environment}: the canister is created, installed and controlled by the principal computed independently`, async () => {
        const deployed = await project.json(['deploy', 'my-agent', '-e', environment, '--yes'], { env });
        expect(deployed.exitCode, deployed.stderr).to.equal(0);
        const status = await project.json(['status', deployed.json.canisterId, '--network', environment], { env });
        expect(status.exitCode, status.stderr).to.equal(0);
        expect(status.json).to.deep.include({
          status: 'running',
          statusSource: 'canister_status',
          controllers: [principalOfPem(pem, passphrase)],
        });
      });
    }

    it('without the passphrase variable and no terminal, the encrypted key is refused before anything is sent (exit 5)', async () => {
      const result = await project.run(['deploy', 'my-agent', '-e', 'staging', '--yes'], {
        env: { ...env, SOULRECALL_IDENTITY_PASSPHRASE: '' },
      });
      expect(result.exitCode, result.stderr).to.equal(5);
      expect(result.stderr).to.match(
        /^Error: \S+p256-encrypted\.pem is an encrypted key and there is no terminal to ask for its passphrase$/m,
      );
      expect(result.stderr).to.match(/^Hint: Set SOULRECALL_IDENTITY_PASSPHRASE/m);
    });
  });

  describe('the passphrase prompt on a terminal (tmux)', () => {
    const keyFile = join(elsewhere, 'typed.pem');
    const key = openssl(
      ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`],
      openssl(['genpkey', '-algorithm', 'ed25519']),
    );
    const soulrecall = (args: string) => `${process.execPath} ${binPath} ${args}; echo "EXIT=$?"`;
    let terminal: TmuxPane;
    const clear = async () => {
      await terminal.enter('clear');
      await terminal.waitFor(PROMPT_ONLY);
    };

    before(async () => {
      writeFileSync(keyFile, key);
      const env = sandbox.env();
      delete env.SOULRECALL_IDENTITY_PASSPHRASE;
      terminal = await TmuxPane.start({
        socket: join(sandbox.home, 'tmux-passphrase.sock'),
        width: 160,
        height: 30,
        cwd: sandbox.home,
        command: 'bash --norc --noprofile',
        env,
      });
      await terminal.enter("PS1='$ '");
      await clear();
    });
    after(async () => {
      await terminal?.kill();
    });

    it('a wrong passphrase typed: one sentence, exit 5, nothing imported, nothing typed shown', async () => {
      await terminal.enter(soulrecall(`identity import typed ${keyFile}`));
      await terminal.waitFor(/Passphrase for \S+typed\.pem:$/m);
      await terminal.enter('not the passphrase');
      const shown = await terminal.waitFor(/EXIT=\d+/);
      expect(shown).to.match(/^Error: The passphrase does not decrypt \S+typed\.pem$/m);
      expect(shown).to.include('EXIT=5');
      expect(shown).not.to.include('not the passphrase');
      expect(existsSync(join(sandbox.home, 'identities', 'typed.pem'))).to.equal(false);
      await clear();
    });

    it('the right passphrase typed: imported with the principal computed independently, the passphrase never on screen', async () => {
      await terminal.enter(soulrecall(`identity import typed ${keyFile}`));
      await terminal.waitFor(/Passphrase for \S+typed\.pem:$/m);
      await terminal.enter(PASSPHRASE);
      const shown = await terminal.waitFor(/EXIT=\d+/);
      expect(shown).to.include(`Imported identity typed: ${principalOfPem(key, PASSPHRASE)}`);
      expect(shown).to.include('EXIT=0');
      expect(shown).not.to.include(PASSPHRASE);
      await clear();
    });

    it('Ctrl-C at the prompt ends the command as Ctrl-C does (exit 130) without showing what was typed', async () => {
      await terminal.enter(soulrecall('identity export-principal typed'));
      await terminal.waitFor(/Passphrase for \S+typed\.pem:$/m);
      await terminal.type('half');
      await terminal.press('C-c');
      const shown = await terminal.waitFor(/EXIT=\d+/);
      expect(shown).to.include('EXIT=130');
      expect(shown).not.to.include('half');
    });
  });
});
