import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHistoryStore, type HistoryStore } from '@soulrecall/history-store';
import { StepJournal } from '../src/promotion/journal.js';

describe('StepJournal and steps a dead process left running', () => {
  let dir: string;
  let store: HistoryStore;
  let promotionId: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'soulrecall-'));
    store = openHistoryStore({ dataDir: dir });
    promotionId = store.promotions.create({ agent: 'bot', fromEnvironment: 'staging', toEnvironment: 'production', strategy: 'blue-green', steps: ['copy', 'switch'] }).id;
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
    expect(await journal.step('copy', async () => ({ copied: true }))).to.deep.equal({ copied: true });
    expect(statuses()).to.deep.equal(['copy:failed', 'switch:pending', 'copy:succeeded']);
    expect(store.promotions.require(promotionId).steps[0]!.error).to.match(/^interrupted/);
  });

  it('an abort records the interrupted step as undone', () => {
    new StepJournal(store, promotionId).closeInterrupted('undone');
    expect(statuses()).to.deep.equal(['copy:undone', 'switch:pending']);
  });
});
