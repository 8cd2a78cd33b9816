import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  complete,
  formatCompletion,
  type CompletableCommand,
  type CompletableFlag,
  type CompletionContext,
  type ProjectNames,
} from '../src/completion/complete.js';
import { readProjectNames } from '../src/completion/project-names.js';
import { completionScript, completionSetup } from '../src/completion/shell-scripts.js';

const option = (name: string, extra: Partial<CompletableFlag> = {}): CompletableFlag => ({
  name,
  type: 'option',
  ...extra,
});
const boolean = (name: string, extra: Partial<CompletableFlag> = {}): CompletableFlag => ({
  name,
  type: 'boolean',
  ...extra,
});
const base = { json: boolean('json'), config: option('config'), verbose: boolean('verbose') };
const flags = (...list: CompletableFlag[]) =>
  Object.fromEntries([...list, ...Object.values(base)].map((flag) => [flag.name, flag]));

/** Shaped like soulrecall's real commands (the CLI test checks them through the binary). */
const commands: CompletableCommand[] = [
  {
    id: 'promote',
    summary: 'Promote an agent.',
    args: { agent: { name: 'agent' } },
    flags: flags(
      option('from', { char: 'f', summary: 'Source environment.' }),
      option('to', { char: 't' }),
      option('wasm-path', { char: 'w' }),
      boolean('yes', { char: 'y' }),
      option('state', { options: ['copy', 'fresh'] }),
    ),
  },
  {
    id: 'promote:list',
    summary: 'Promotions of an agent.',
    args: { agent: { name: 'agent' } },
    flags: flags(option('env', { char: 'e', aliases: ['network'] }), option('limit', { helpValue: '<n>' })),
  },
  { id: 'promote:show', args: { 'promotion-id': { name: 'promotion-id' } }, flags: flags() },
  {
    id: 'deploy',
    args: { agent: { name: 'agent' } },
    flags: flags(
      option('env', { char: 'e', aliases: ['network'] }),
      option('wasm', { char: 'w', aliases: ['wasm-path'] }),
      option('mode', { options: ['auto', 'install', 'reinstall', 'upgrade'] }),
    ),
  },
  {
    id: 'status',
    args: { canisterId: { name: 'canisterId' } },
    flags: flags(option('network', { char: 'e', aliases: ['env'] })),
  },
  { id: 'network:start', args: {}, flags: flags(option('state-dir'), option('port')) },
  {
    id: 'history',
    args: {},
    flags: flags(
      option('agent', { char: 'a' }),
      option('tags', { multiple: true }),
      option('secret', { hidden: true }),
    ),
  },
  { id: 'history:push', args: {}, flags: flags(option('to', { helpValue: '<postgres-url>' })) },
  {
    id: 'plugins:install',
    aliases: ['plugins:add'],
    args: { plugin: { name: 'plugin' } },
    flags: { force: boolean('force') },
  },
  // oclif's Config lists an alias as a command of its own, keeping the aliases.
  {
    id: 'plugins:add',
    aliases: ['plugins:add'],
    args: { plugin: { name: 'plugin' } },
    flags: { force: boolean('force') },
  },
  { id: 'autocomplete', args: { shell: { name: 'shell', options: ['bash', 'zsh', 'powershell'] } }, flags: flags() },
  { id: '__complete', hidden: true, args: {}, flags: {} },
];
const topics = [
  { name: 'promote', description: 'Promote agents.' },
  { name: 'network', description: 'Local networks.' },
  { name: 'plugins' },
];
const names: ProjectNames = {
  environments: [
    { name: 'local', aliases: [] },
    { name: 'staging', aliases: ['stg'] },
    { name: 'production', aliases: ['prod'], description: 'network ic, protected' },
  ],
  agents: [{ name: 'my-agent' }, { name: 'other-agent' }],
};

describe('completion: candidates from oclif metadata and the project', () => {
  const configPaths: Array<string | undefined> = [];
  const context: CompletionContext = {
    commands,
    topics,
    projectNames: (configPath) => {
      configPaths.push(configPath);
      return names;
    },
  };
  const values = (line: string) => complete(line.split(' '), context).candidates.map((candidate) => candidate.value);
  const directive = (line: string) => complete(line.split(' '), context).directive;

  const cases: Array<[string, string[]]> = [
    ['', ['promote', 'deploy', 'status', 'network', 'history', 'plugins', 'autocomplete']],
    ['prom', ['promote']],
    ['promote l', ['list']],
    ['promote ', ['list', 'show', 'my-agent', 'other-agent']],
    ['network ', ['start']],
    ['plugins add --f', ['--force']],
    ['plugins ', ['install']],
    ['promote my-agent --fr', ['--from']],
    ['promote my-agent -f ', ['local', 'staging', 'production']],
    ['promote my-agent -f st', ['staging']],
    ['promote my-agent -f stg', ['stg']],
    ['promote my-agent --from=pro', ['--from=production']],
    ['promote my-agent --from local -t ', ['local', 'staging', 'production']],
    [
      'promote -',
      ['-f', '--from', '-t', '--to', '-w', '--wasm-path', '-y', '--yes', '--state', '--json', '--config', '--verbose'],
    ],
    [
      'promote my-agent -f local -',
      ['-t', '--to', '-w', '--wasm-path', '-y', '--yes', '--state', '--json', '--config', '--verbose'],
    ],
    ['promote my-agent -y', ['-y']],
    ['promote my-agent --state ', ['copy', 'fresh']],
    ['promote list my-agent --netw', ['--network']],
    ['promote list my-agent --network ', ['local', 'staging', 'production']],
    ['promote list my-agent --limit ', []],
    ['deploy ', ['my-agent', 'other-agent']],
    ['deploy o', ['other-agent']],
    ['deploy my-agent ', []],
    ['deploy my-agent --mode re', ['reinstall']],
    ['deploy -e local ', ['my-agent', 'other-agent']],
    ['deploy -elocal ', ['my-agent', 'other-agent']],
    ['deploy -- ', ['my-agent', 'other-agent']],
    ['status ', []],
    ['history --agent ', ['my-agent', 'other-agent']],
    ['history --tags a --t', ['--tags']],
    ['history --s', []],
    ['history:push --to ', []],
    ['history push --to ', []],
    ['autocomplete ', ['bash', 'zsh', 'powershell']],
    ['__comp', []],
    ['nope --', []],
    ['nope ', []],
  ];
  for (const [line, expected] of cases) {
    it(`"${line}" → ${JSON.stringify(expected)}`, () => {
      expect(values(line)).to.deep.equal(expected);
    });
  }

  it('asks the shell for paths where a file or folder is expected, and for nothing more elsewhere', () => {
    expect(directive('deploy my-agent -w ')).to.equal('files');
    expect(directive('deploy my-agent --wasm-path di')).to.equal('files');
    expect(directive('promote my-agent -w ')).to.equal('files');
    expect(directive('promote my-agent --config ')).to.equal('files');
    expect(directive('network start --state-dir ')).to.equal('dirs');
    expect(directive('promote my-agent -f ')).to.equal('none');
    expect(directive('status ')).to.equal('none');
  });

  it('reads the project only when a name is wanted, from the --config on the line', () => {
    configPaths.length = 0;
    values('promote my-agent --fr');
    values('prom');
    expect(configPaths).to.deep.equal([]);
    values('promote --config other.yaml my-agent -f ');
    values('promote --config=else.yaml -f ');
    expect(configPaths).to.deep.equal(['other.yaml', 'else.yaml']);
  });

  it('describes candidates, and prints them one a line with the directive last', () => {
    const result = complete(['promote', 'my-agent', '-f', 'prod'], context);
    expect(result.candidates).to.deep.equal([{ value: 'production', description: 'network ic, protected' }]);
    expect(formatCompletion(result)).to.equal('production\tnetwork ic, protected\n:none\n');
    expect(formatCompletion(complete(['deploy', '-w', ''], context))).to.equal(':files\n');
    expect(complete(['prom'], context).candidates[0]).to.deep.equal({
      value: 'promote',
      description: 'Promote an agent.',
    });
    expect(complete(['net'], context).candidates[0]).to.deep.equal({
      value: 'network',
      description: 'Local networks.',
    });
    const templated = complete(['plugins', 'i'], {
      ...context,
      bin: 'soulrecall',
      commands: [{ id: 'plugins:install', summary: 'Installs a plugin into <%= config.bin %>.', args: {}, flags: {} }],
    });
    expect(templated.candidates).to.deep.equal([
      { value: 'install', description: 'Installs a plugin into soulrecall.' },
    ]);
  });
});

describe('completion: names from soulrecall.yaml', () => {
  const root = mkdtempSync(join(tmpdir(), 'soulrecall-completion-'));
  const write = (folder: string, text: string) => {
    mkdirSync(join(root, folder, 'sub'), { recursive: true });
    writeFileSync(join(root, folder, 'soulrecall.yaml'), text);
    return join(root, folder);
  };
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reads environments (with aliases) and agents from the nearest file above the folder', () => {
    const folder = write(
      'project',
      'pipeline: [local, production]\nenvironments:\n  local: { network: local }\n  production: { network: ic, aliases: [prod], protected: true }\nagents:\n  my-agent: { wasm: dist/agent.wasm }\n  other-agent:\n',
    );
    expect(readProjectNames({ cwd: join(folder, 'sub') })).to.deep.equal({
      environments: [
        { name: 'local', aliases: [], description: 'network local' },
        { name: 'production', aliases: ['prod'], description: 'network ic, protected' },
      ],
      agents: [
        { name: 'my-agent', description: 'dist/agent.wasm' },
        { name: 'other-agent', description: undefined },
      ],
    });
  });

  it('still offers the names of a file the loader would refuse (unknown key, bad URL, duplicate key)', () => {
    const folder = write(
      'editing',
      'colour: blue\nenvironments:\n  local: { network: "htp//x" }\n  local: { network: local }\nagents: { a: 1 }\n',
    );
    const result = readProjectNames({ cwd: folder });
    expect(result.environments.map((environment) => environment.name)).to.deep.equal(['local']);
    expect(result.agents.map((agent) => agent.name)).to.deep.equal(['a']);
  });

  const empty: Array<[string, () => ProjectNames]> = [
    ['no soulrecall.yaml anywhere above', () => readProjectNames({ cwd: '/' })],
    ['broken YAML', () => readProjectNames({ cwd: write('broken', 'environments: [\n') })],
    ['not a mapping', () => readProjectNames({ cwd: write('list', '- a\n- b\n') })],
    ['environments is a list', () => readProjectNames({ cwd: write('envlist', 'environments: [local]\n') })],
    ['--config names a missing file', () => readProjectNames({ cwd: root, configPath: 'nope.yaml' })],
    ['--config names a folder', () => readProjectNames({ cwd: root, configPath: 'project' })],
  ];
  for (const [name, read] of empty) {
    it(`no names, and no error, for ${name}`, () => {
      expect(read()).to.deep.equal({ environments: [], agents: [] });
    });
  }
});

describe('completion: shell scripts', () => {
  for (const shell of ['bash', 'zsh', 'powershell'] as const) {
    it(`${shell}: calls \`__complete --\` and completes paths when told to`, () => {
      const script = completionScript(shell, 'soulrecall');
      expect(script).to.include('__complete');
      expect(script).to.include(':files');
      expect(script).to.include(':dirs');
      expect(script).to.include(completionSetup(shell, 'soulrecall').split('\n')[1]!.trim());
    });
  }

  it('powershell registers a native completer that passes a marker for an empty word', () => {
    const script = completionScript('powershell', 'soulrecall');
    expect(script).to.match(/Register-ArgumentCompleter -Native -CommandName 'soulrecall'/);
    expect(script).to.include("'--new-word'");
    expect(script).to.include('CompletionResult]::new');
  });
});
