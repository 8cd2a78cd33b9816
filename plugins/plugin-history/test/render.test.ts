import { expect } from 'chai';
import { historyTimeline } from '../src/services/timeline.js';
import { listPromotions } from '../src/services/promotion-list.js';
import { showPromotion } from '../src/services/promotion-detail.js';
import { renderPromotionDetail, renderPromotionList } from '../src/render/promotions.js';
import { renderTimeline, renderTimelineCsv } from '../src/render/timeline.js';
import { formatAge, formatDuration, wrap } from '../src/render/format.js';
import { historyFixture } from './fixture.js';

const widest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

describe('plugin-history renderers', () => {
  const fixture = historyFixture();
  const { store } = fixture;
  after(() => fixture.cleanup());

  it('promote list fits 80 columns and shows id, age, hop, strategy, version+module, status, who, duration', () => {
    const text = renderPromotionList(
      listPromotions({ store }, { agent: 'my-agent' }),
      new Date('2026-11-20T12:00:00Z'),
      80,
    );
    expect(widest(text)).to.be.at.most(80);
    const [header, first, second] = text.split('\n');
    expect(header).to.match(/^ID\s+AGE\s+FROM→TO\s+STRATEGY\s+VERSION\s+STATUS\s+BY\s+TOOK$/);
    expect(first)
      .to.include(fixture.rolledBack.id)
      .and.include('staging→p')
      .and.include('- 222222222222')
      .and.include('rolled-back')
      .and.include('alice');
    expect(second)
      .to.include(fixture.succeeded.id)
      .and.include('v1 111111111111')
      .and.include('succeeded')
      .and.match(/ 1h /);
  });

  it('promote show fits 80 columns and shows the journal, snapshot, route change and rollback', () => {
    const succeeded = renderPromotionDetail(showPromotion({ store }, fixture.succeeded.id), 80);
    expect(widest(succeeded)).to.be.at.most(80);
    expect(succeeded).to.include(`Promotion ${fixture.succeeded.id}: my-agent local → staging (in-place), succeeded`);
    expect(succeeded).to.match(/route\s+staging: none → ryjl3-tyaaa-aaaaa-aaaba-cai \(promotion\)/);
    expect(succeeded)
      .to.include('alice@build-1')
      .and.match(/principal 2vxsx-fae\n/);
    const rolledBack = renderPromotionDetail(showPromotion({ store }, fixture.rolledBack.id), 80);
    expect(widest(rolledBack)).to.be.at.most(80);
    expect(rolledBack).to.match(/verify\s+failed\s+\S+\s+\S+\s+health returned #err/);
    expect(rolledBack).to.match(/error {5}the new version was unhealthy; snapshot restored\n/);
    expect(rolledBack).to.match(/file {6}\/tmp\/agent-v2.wasm\n/);
    expect(rolledBack).to.match(/target\s+production v2 on r7inp-6aaaa-aaaaa-aaabq-cai, rolled-back\n/);
    expect(rolledBack).to.include('Snapshots').and.include('00ff01').and.include('rolled back; restored bak-');
  });

  it('history wraps long summaries under themselves within 80 columns', () => {
    const { events } = historyTimeline({ store }, {});
    const text = renderTimeline(events, { width: 80 });
    expect(widest(text)).to.be.at.most(80);
    expect(text.split('\n')[0]).to.match(/^WHEN\s+KIND\s+WHAT$/);
    expect(text).to.match(/\n {33}\S/); // a continuation line
  });

  it('history --csv quotes fields that need it and has one row per event', () => {
    const { events } = historyTimeline({ store }, {});
    const csv = renderTimelineCsv(events);
    const lines = csv.split('\r\n');
    expect(lines[0]).to.equal('id,at,kind,action,agent,environment,subject,summary,principal,osUser,host,project');
    expect(lines).to.have.length(events.length + 1);
    expect(renderTimelineCsv([{ ...events[0]!, summary: 'said "hi", then left' }]).split('\r\n')[1]).to.include(
      '"said ""hi"", then left"',
    );
  });

  it('formats durations, ages and wrapped text', () => {
    expect([850, 8_200, 42_000, 185_000, 7_620_000, null].map(formatDuration)).to.deep.equal([
      '850ms',
      '8.2s',
      '42s',
      '3m05s',
      '2h07m',
      '-',
    ]);
    const now = new Date('2026-11-26T12:00:00Z');
    expect(
      ['2026-11-26T11:59:30Z', '2026-11-26T11:00:00Z', '2026-11-20T12:00:00Z', '2024-11-01T00:00:00Z'].map((t) =>
        formatAge(t, now),
      ),
    ).to.deep.equal(['30s', '1h', '6d', '2y']);
    expect(wrap('one two three four', 9, 2)).to.deep.equal(['one two', '  three', '  four']);
  });
});
