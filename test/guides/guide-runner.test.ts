import { Config } from '@oclif/core';
import { expect } from 'chai';
import { repoRoot } from '../helpers/cli.js';
import {
  commandLines,
  GuideRunner,
  manifestProblems,
  matchOutput,
  parseGuide,
  shellCommands,
} from '../helpers/guide-runner.js';

/** The guide runner's own rules (docs/README.md, "Writing a guide that runs"), without any network. */
describe('guide runner', () => {
  let config: Config;
  before(async () => {
    config = await Config.load(repoRoot);
  });

  it('pairs a bash block with the text block right after it, and reads directives', () => {
    const blocks = parseGuide(
      [
        '<!-- guide-test: terminal; exit 10; with env=staging -->',
        '```bash',
        '# a comment',
        'soulrecall status --network <env> \\',
        '  --json',
        '```',
        '',
        '```text',
        'staging: …',
        '…',
        '```',
        '```yaml',
        'a: 1',
        '```',
      ].join('\n'),
    );
    expect(blocks).to.have.length(2);
    expect(blocks[0]!.directives).to.deep.include({ terminal: true, exitCode: 10, bindings: { env: 'staging' } });
    expect(commandLines(blocks[0]!.body)).to.deep.equal(['soulrecall status --network <env> --json']);
    expect(blocks[0]!.expected).to.deep.equal(['staging: …']);
    expect(blocks[1]!.language).to.equal('yaml');
  });

  it('refuses an unknown directive and an output block that checks nothing', () => {
    expect(() => parseGuide('<!-- guide-test: skip -->\n```bash\nls\n```')).to.throw('unknown guide-test directive');
    expect(() => parseGuide('```bash\nls\n```\n```text\n…\n```')).to.throw('checks nothing');
  });

  it('refuses a shell block it would otherwise skip', async () => {
    const runner = new GuideRunner({ cwd: repoRoot, env: {}, config, addresses: {}, localNetwork: '' });
    let message = '';
    await runner.run('x.md', '```sh\nsoulrecall list\n```').catch((error: Error) => (message = error.message));
    expect(message).to.equal('x.md:1: a ```sh block: write it as ```bash so that it runs');
  });

  it('matches lines in order, with … and runs of spaces as wildcards, binding placeholders', () => {
    const bindings: Record<string, string> = {};
    const output = 'progress…\nDeployed v1: canister aaaaa-aa (created), module 12ab.\nENV    AGENT\nlocal  x\n';
    const expected = ['Deployed v1: canister <canister-id> (created), module <module>.', 'ENV AGENT', 'local …'];
    expect(matchOutput(expected, output, bindings)).to.equal(undefined);
    expect(bindings).to.deep.equal({ 'canister-id': 'aaaaa-aa', module: '12ab' });
    expect(matchOutput(['local …', 'ENV AGENT'], output, {})).to.equal('ENV AGENT');
    expect(matchOutput(['Deployed v2…'], output, {})).to.equal('Deployed v2…');
  });

  it('splits shell lines into commands and words', () => {
    expect(shellCommands(`A=1 soulrecall x 'a b' && ls -la | wc # note`)).to.deep.equal([
      ['A=1', 'soulrecall', 'x', 'a b'],
      ['ls', '-la'],
      ['wc'],
    ]);
  });

  it('checks commands and flags (names, aliases, characters) against the oclif manifest', () => {
    expect(manifestProblems('soulrecall promote my-agent -f staging --to prod --wasm-path x --no-switch', config)).to.be
      .empty;
    expect(manifestProblems('soulrecall deploy my-agent --network local --wasm x', config)).to.be.empty;
    expect(manifestProblems('npm install -g soulrecall && soulrecall --version', config)).to.be.empty;
    expect(manifestProblems('soulrecall promote my-agent --source staging -x', config)).to.deep.equal([
      '`soulrecall promote` has no flag --source',
      '`soulrecall promote` has no flag -x',
    ]);
    expect(manifestProblems('soulrecall promte my-agent', config)).to.deep.equal([
      '`soulrecall promte my-agent`: no such command',
    ]);
  });
});
