import { expect } from 'chai';
import { SoulrecallError } from '../src/errors.js';
import { MAX_SINCE_SPAN_MS, parseSince } from '../src/since.js';

/**
 * `--since` of `history` and `logs`: every value either becomes a real Date or a usage error, never an "Invalid time
 * value".
 */
describe('--since: ranges', () => {
  const now = new Date('2026-11-26T12:00:00.000Z');

  it('accepts spans up to 100 years and real calendar dates', () => {
    expect(MAX_SINCE_SPAN_MS).to.equal(36_525 * 86_400_000);
    expect(parseSince('36525d', now).getTime()).to.equal(now.getTime() - MAX_SINCE_SPAN_MS);
    expect(parseSince('5217w', now).toISOString()).to.equal('1926-12-02T12:00:00.000Z');
    expect(parseSince('2024-02-29', now).toISOString()).to.equal('2024-02-29T00:00:00.000Z');
    expect(parseSince('0001-01-01', now).toISOString()).to.equal('0001-01-01T00:00:00.000Z');
    expect(parseSince('9999-12-31T23:59:59Z', now).toISOString()).to.equal('9999-12-31T23:59:59.000Z');
  });

  const cases: Array<[string, RegExp]> = [
    ['99999999999999999d', /reaches back more than 100 years/],
    ['36526d', /reaches back more than 100 years/],
    ['5218w', /reaches back more than 100 years/],
    ['9999999999999999999999s', /reaches back more than 100 years/],
    ['2026-02-30', /is not a real date or time/],
    ['2025-02-29', /is not a real date or time/],
    ['2026-04-31', /is not a real date or time/],
    ['2026-00-10', /is not a real date or time/],
    ['2026-13-01', /is not a real date or time/],
    ['2026-11-26T25:00', /is not a real date or time/],
    ['999999-01-01', /is neither a duration nor a date/],
    ['99999999999999999', /is neither a duration nor a date/],
    ['1e30m', /is neither a duration nor a date/],
    ['-5d', /is neither a duration nor a date/],
    ['', /is neither a duration nor a date/],
    ['   ', /is neither a duration nor a date/],
  ];
  for (const [value, message] of cases) {
    it(`refuses "${value}" as a usage error`, () => {
      let error: unknown;
      try {
        parseSince(value, now);
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(SoulrecallError);
      expect(error).to.include({ code: 'INVALID_SINCE', exitCode: 2 });
      expect((error as SoulrecallError).message)
        .to.match(message)
        .and.contain(`--since "${value}"`);
      expect((error as SoulrecallError).hint)
        .to.match(/30s, 15m/)
        .and.contain('100 years');
    });
  }
});
