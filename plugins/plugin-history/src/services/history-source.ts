import type { ProjectConfig } from '@soulrecall/core';
import type { HistoryStore } from '@soulrecall/history-store';

/** What the history services read: the store and, when there is one, soulrecall.yaml. A core `Session` is one. */
export interface HistorySource {
  readonly store: HistoryStore;
  readonly config?: ProjectConfig;
}
