import { expect } from 'chai';
import { ExitCode, SoulrecallError } from '../src/errors.js';
import { formatLogLine } from '../src/services/logs.js';
import { parseSince } from '../src/since.js';

describe('logs: --since and line format', () => {
  const now = new Date('2026-11-26T12:00:00.000Z');

  it('reads durations back from now', () => {
    expect(parseSince('30s', now).toISOString()).to.equal('2026-11-26T11:59:30.000Z');
    expect(parseSince('15m', now).toISOString()).to.equal('2026-11-26T11:45:00.000Z');
    expect(parseSince('2h', now).toISOString()).to.equal('2026-11-26T10:00:00.000Z');
    expect(parseSince('1d', now).toISOString()).to.equal('2026-11-25T12:00:00.000Z');
  });

  it('reads ISO dates and times', () => {
    expect(parseSince('2026-11-26T10:30:00Z', now).toISOString()).to.equal('2026-11-26T10:30:00.000Z');
    expect(parseSince('2026-11-20', now).toISOString()).to.equal('2026-11-20T00:00:00.000Z');
  });

  for (const bad of ['yesterday', '10 minutes', '-5m', '2026-13-45', '', '5y']) {
    it(`refuses "${bad}" as a usage error with a hint`, () => {
      try {
        parseSince(bad, now);
        expect.fail('accepted');
      } catch (error) {
        expect(error).to.be.instanceOf(SoulrecallError);
        expect((error as SoulrecallError).exitCode).to.equal(ExitCode.Usage);
        expect((error as SoulrecallError).code).to.equal('INVALID_SINCE');
        expect((error as SoulrecallError).hint).to.match(/30s, 15m/);
      }
    });
  }

  it('prefixes lines with agent/canister only when several canisters are shown', () => {
    const line = {
      agent: 'bot',
      environment: 'local',
      canisterId: 'rrkah-fqaaa-aaaaa-aaaaq-cai',
      idx: '3',
      timestamp: '2026-11-26T12:00:00.000Z',
      text: 'hello',
    };
    expect(formatLogLine(line, false)).to.equal('2026-11-26T12:00:00.000Z hello');
    expect(formatLogLine(line, true)).to.equal('bot/rrkah-fqaaa-aaaaa-aaaaq-cai 2026-11-26T12:00:00.000Z hello');
  });
});
