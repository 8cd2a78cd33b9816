import { expect } from 'chai';
import { SoulrecallError } from '@soulrecall/core';
import { MAX_LIMIT, parseLimit } from '../src/limit-flag.js';

describe('plugin-history: --limit', () => {
  it('accepts whole numbers from 1 to MAX_LIMIT', () => {
    expect(MAX_LIMIT).to.equal(1_000_000);
    for (const [text, value] of [
      ['1', 1],
      ['20', 20],
      [' 7 ', 7],
      ['007', 7],
      ['1000000', 1_000_000],
    ] as const)
      expect(parseLimit(text), text).to.equal(value);
  });

  for (const bad of [
    '0',
    '-1',
    '1.5',
    '1e30',
    '1e3',
    '99999999999999999999',
    '9007199254740993',
    '1000001',
    '0x10',
    'ten',
    '',
    ' ',
    'Infinity',
    'NaN',
    '+5',
  ]) {
    it(`refuses "${bad}" in one sentence naming the range (exit 2)`, () => {
      let error: unknown;
      try {
        parseLimit(bad);
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(SoulrecallError);
      expect(error).to.include({ code: 'INVALID_LIMIT', exitCode: 2 });
      expect((error as SoulrecallError).message).to.equal(
        `--limit must be a whole number from 1 to 1000000, not "${bad}".`,
      );
      expect((error as SoulrecallError).hint).to.contain('--limit 100');
    });
  }
});
