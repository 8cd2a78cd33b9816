import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHistoryStore, type HistoryStore, type JsonObject } from '@soulrecall/history-store';
import { StepJournal } from '../src/promotion/journal.js';
import { JournalRecordMismatch, journalRecord as field, journalStep } from '../src/promotion/journal-record.js';

const copyStep = journalStep('copy', { copied: field.boolean });

describe('StepJournal and steps a dead process left running', () => {
  let dir: string;
  let store: HistoryStore;
  let promotionId: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'soulrecall-'));
    store = openHistoryStore({ dataDir: dir });
    promotionId = store.promotions.create({
      agent: 'bot',
      fromEnvironment: 'staging',
      toEnvironment: 'production',
      strategy: 'blue-green',
      steps: ['copy', 'switch'],
    }).id;
    store.promotions.start(promotionId);
    // A process began `copy` and died during it.
    store.promotions.beginStep(promotionId, 'copy');
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const statuses = () => store.promotions.require(promotionId).steps.map((step) => `${step.name}:${step.status}`);

  it('running it again closes the interrupted attempt as failed, so no step stays running', async () => {
    const journal = new StepJournal(store, promotionId);
    expect(await journal.step(copyStep, async () => ({ copied: true }))).to.deep.equal({ copied: true });
    expect(statuses()).to.deep.equal(['copy:failed', 'switch:pending', 'copy:succeeded']);
    expect(store.promotions.require(promotionId).steps[0]!.error).to.match(/^interrupted/);
  });

  it('an abort records the interrupted step as undone', () => {
    new StepJournal(store, promotionId).closeInterrupted('undone');
    expect(statuses()).to.deep.equal(['copy:undone', 'switch:pending']);
  });
});

describe('StepJournal reads a completed step back through its decoder', () => {
  let dir: string;
  let store: HistoryStore;
  let promotionId: string;
  const backupStep = journalStep('backup', {
    deploymentId: field.number,
    snapshotId: field.nullable(field.string),
    mode: field.oneOf('install', 'upgrade'),
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'soulrecall-'));
    store = openHistoryStore({ dataDir: dir });
    promotionId = store.promotions.create({
      agent: 'bot',
      fromEnvironment: 'staging',
      toEnvironment: 'production',
      strategy: 'in-place',
      steps: ['backup'],
    }).id;
    store.promotions.start(promotionId);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** A backup step as an earlier process journaled it (succeeded, with this record). */
  const journaled = (detail: JsonObject) => {
    const begun = store.promotions.beginStep(promotionId, 'backup');
    store.promotions.endStep(promotionId, begun.index, { status: 'succeeded', detail });
  };

  it('a record of the declared shape comes back typed, and the step does not run again', async () => {
    journaled({ deploymentId: 7, snapshotId: null, mode: 'upgrade', extra: 'kept in the journal, not read' });
    let ran = false;
    const record = await new StepJournal(store, promotionId).step(
      backupStep,
      async () => ((ran = true), { deploymentId: 1, snapshotId: null, mode: 'install' as const }),
    );
    expect(record).to.deep.equal({ deploymentId: 7, snapshotId: null, mode: 'upgrade' });
    expect(ran).to.equal(false);
    expect(new StepJournal(store, promotionId).completed(backupStep)).to.deep.equal(record);
  });

  // e.g. a journal written by an older soulrecall that stored the id as a string.
  const mismatches: Array<{ name: string; detail: JsonObject; path: string; message: RegExp }> = [
    {
      name: 'a number stored as a string',
      detail: { deploymentId: '7', snapshotId: null, mode: 'upgrade' },
      path: 'backup.deploymentId',
      message:
        /^The journal record backup\.deploymentId is a string \("7"\), not a number as this soulrecall version writes it\.$/,
    },
    {
      name: 'a field missing',
      detail: { snapshotId: 'snap-1', mode: 'upgrade' },
      path: 'backup.deploymentId',
      message: /backup\.deploymentId is missing, not a number/,
    },
    {
      name: 'a value outside its choices',
      detail: { deploymentId: 7, snapshotId: null, mode: 'reinstall' },
      path: 'backup.mode',
      message: /backup\.mode is a string \("reinstall"\), not one of install, upgrade/,
    },
    {
      name: 'a nullable field of another type',
      detail: { deploymentId: 7, snapshotId: 12, mode: 'upgrade' },
      path: 'backup.snapshotId',
      message: /backup\.snapshotId is a number \(12\), not a string/,
    },
  ];
  for (const { name, detail, path, message } of mismatches) {
    it(`${name}: JournalRecordMismatch (JOURNAL_RECORD_MISMATCH, exit 11) naming the field, and nothing runs`, async () => {
      journaled(detail);
      let ran = false;
      const error = await new StepJournal(store, promotionId)
        .step(backupStep, async () => ((ran = true), { deploymentId: 1, snapshotId: null, mode: 'install' as const }))
        .then(
          () => expect.fail('a mismatched record was read'),
          (thrown: unknown) => thrown,
        );
      expect(error).to.be.instanceOf(JournalRecordMismatch);
      expect(error).to.include({ code: 'JOURNAL_RECORD_MISMATCH', exitCode: 11, path });
      expect((error as Error).message).to.match(message);
      expect((error as JournalRecordMismatch).hint).to.match(/another soulrecall version/);
      expect(ran).to.equal(false);
      expect(() => new StepJournal(store, promotionId).completed(backupStep)).to.throw(JournalRecordMismatch);
    });
  }
});
