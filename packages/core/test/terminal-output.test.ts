import { expect } from 'chai';
import { editDistance, formatCommandLine, suggestCommand } from '../src/command-suggestion.js';
import { outputWidth, renderTable, type Column, type OutputTarget } from '../src/output/table.js';

/** Command ids as oclif lists them (topics joined with `:`), a subset of soulrecall's. */
const COMMANDS = [
  'delete',
  'deploy',
  'list',
  'logs',
  'status',
  'health',
  'help',
  'promote',
  'promote:list',
  'promote:show',
  'promote:resume',
  'bluegreen:switch',
  'bluegreen:status',
  'network:start',
  'network:status',
  'network:stop',
  'history',
];

describe('terminal output: widths and command suggestions', () => {
  describe('outputWidth', () => {
    const cases: Array<{ name: string; target: OutputTarget; columns?: string; width: number }> = [
      { name: 'a pipe has no width', target: { isTTY: false }, width: Infinity },
      { name: 'a pipe ignores COLUMNS', target: { isTTY: false }, columns: '40', width: Infinity },
      { name: 'a file (isTTY undefined) has no width', target: {}, columns: '100', width: Infinity },
      { name: 'a terminal: its width', target: { isTTY: true, columns: 132 }, width: 132 },
      { name: 'a terminal: COLUMNS wins', target: { isTTY: true, columns: 80 }, columns: '200', width: 200 },
      {
        name: 'a terminal: COLUMNS narrower than the terminal wins too',
        target: { isTTY: true, columns: 120 },
        columns: '60',
        width: 60,
      },
      {
        name: 'a terminal: COLUMNS with blanks around',
        target: { isTTY: true, columns: 80 },
        columns: ' 150 ',
        width: 150,
      },
      { name: 'a terminal: COLUMNS=0 is ignored', target: { isTTY: true, columns: 90 }, columns: '0', width: 90 },
      {
        name: 'a terminal: negative COLUMNS is ignored',
        target: { isTTY: true, columns: 90 },
        columns: '-5',
        width: 90,
      },
      {
        name: 'a terminal: COLUMNS not a number is ignored',
        target: { isTTY: true, columns: 90 },
        columns: 'wide',
        width: 90,
      },
      {
        name: 'a terminal: fractional COLUMNS is ignored',
        target: { isTTY: true, columns: 90 },
        columns: '100.5',
        width: 90,
      },
      { name: 'a terminal: empty COLUMNS is ignored', target: { isTTY: true, columns: 90 }, columns: '', width: 90 },
      { name: 'a terminal that reports no width: 80', target: { isTTY: true }, width: 80 },
    ];
    for (const testCase of cases) {
      it(testCase.name, () => {
        const env = testCase.columns === undefined ? {} : { COLUMNS: testCase.columns };
        expect(outputWidth(testCase.target, env)).to.equal(testCase.width);
      });
    }
  });

  describe('renderTable', () => {
    const rows = [{ env: 'production', agent: 'customer-support-agent-eu-west-1', id: 'rrkah-fqaaa-aaaaa-aaaaq-cai' }];
    const columns: Column<(typeof rows)[number]>[] = [
      { header: 'env', get: (r) => r.env, shrinkable: true },
      { header: 'agent', get: (r) => r.agent, shrinkable: true },
      { header: 'canister', get: (r) => r.id },
    ];
    const full = 'production  customer-support-agent-eu-west-1  rrkah-fqaaa-aaaaa-aaaaq-cai';

    it('unlimited width (a pipe): every cell in full', () => {
      expect(renderTable(rows, columns, Infinity).split('\n')[1]).to.equal(full);
    });
    it('a terminal wider than the table: nothing cut', () => {
      expect(renderTable(rows, columns, full.length).split('\n')[1]).to.equal(full);
    });
    it('a terminal narrower than the table: the last shrinkable column is cut first, with …', () => {
      const line = renderTable(rows, columns, 60).split('\n')[1]!;
      expect(line).to.equal('production  customer-support-a…  rrkah-fqaaa-aaaaa-aaaaq-cai');
      expect(line).to.have.length(60);
    });
    it('much narrower: the next shrinkable column is cut too, columns that may not shrink never are', () => {
      const line = renderTable(rows, columns, 40).split('\n')[1]!;
      expect(line).to.equal('produ…  custo…  rrkah-fqaaa-aaaaa-aaaaq-cai');
    });
  });

  describe('suggestCommand', () => {
    const cases: Array<{ words: string[]; typed: string[]; id?: string; argv?: string[] }> = [
      {
        words: ['delet', 'rrkah-fqaaa-aaaaa-aaaaq-cai', '--network', 'staging'],
        typed: ['delet'],
        id: 'delete',
        argv: ['rrkah-fqaaa-aaaaa-aaaaq-cai', '--network', 'staging'],
      },
      { words: ['promot', '--json'], typed: ['promot'], id: 'promote', argv: ['--json'] },
      {
        words: ['promot', 'my-agent', '-f', 'local'],
        typed: ['promot'],
        id: 'promote',
        argv: ['my-agent', '-f', 'local'],
      },
      // The command taking more words wins a tie: `list` is the subcommand, not an agent.
      { words: ['promot', 'list', 'my-agent'], typed: ['promot', 'list'], id: 'promote:list', argv: ['my-agent'] },
      {
        words: ['bluegreen', 'swich', 'my-agent', '-e', 'prod'],
        typed: ['bluegreen', 'swich'],
        id: 'bluegreen:switch',
        argv: ['my-agent', '-e', 'prod'],
      },
      { words: ['netwrk', 'stop'], typed: ['netwrk', 'stop'], id: 'network:stop', argv: [] },
      { words: ['stauts', 'x'], typed: ['stauts'], id: 'status', argv: ['x'] },
      { words: ['hisory'], typed: ['hisory'], id: 'history', argv: [] },
      // Nothing within two edits, or as many edits as the word has letters (`ls` is as far from
      // `list` as from `logs`): no suggestion.
      { words: ['ls'], typed: ['ls'] },
      { words: ['xyzzy', 'plugh'], typed: ['xyzzy'] },
      { words: ['x'], typed: ['x'] },
      { words: ['bluegreen', 'frobnicate', 'a'], typed: ['bluegreen', 'frobnicate'] },
      { words: ['--jsn'], typed: ['--jsn'] },
    ];
    for (const testCase of cases) {
      it(`${testCase.words.join(' ')} → ${testCase.id ?? 'nothing'}`, () => {
        const result = suggestCommand(testCase.words, COMMANDS);
        expect(result.typed).to.deep.equal(testCase.typed);
        expect(result.suggestion).to.deep.equal(
          testCase.id === undefined ? undefined : { id: testCase.id, argv: testCase.argv },
        );
      });
    }
  });

  it('edit distance and command lines as typed again', () => {
    expect(
      [
        ['delet', 'delete'],
        ['stauts', 'status'],
        ['', 'abc'],
        ['kitten', 'sitting'],
        ['same', 'same'],
      ].map(([a, b]) => editDistance(a!, b!)),
    ).to.deep.equal([1, 2, 3, 3, 0]);
    expect(
      formatCommandLine(['soulrecall', 'deploy', 'my-agent', '-w', './dist/a b.wasm', "it's", '--mode=upgrade']),
    ).to.equal("soulrecall deploy my-agent -w './dist/a b.wasm' 'it'\\''s' --mode=upgrade");
  });
});
