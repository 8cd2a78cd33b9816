import { SoulrecallError, type Session } from '@soulrecall/core';
import { historyBackendOf, openHistoryStore, redactUrl, type PushedProject } from '@soulrecall/history-store';

export interface PushResult {
  /** The local SQLite history that was read. */
  from: string;
  /** The store written to (its password never shown). */
  to: string;
  projects: PushedProject[];
}

/**
 * `history push`: copies this machine's SQLite history (every project, or one) into a shared
 * store, the step a team takes once when it moves to PostgreSQL. Idempotent: what the target
 * already holds is skipped; a project it holds with another history is refused, nothing written.
 */
export function pushHistory(session: Session, options: { to: string; project?: string }): PushResult {
  if (!isPostgresUrl(options.to)) {
    throw new SoulrecallError(
      `--to "${redactUrl(options.to)}" is not a PostgreSQL store: history push copies this machine's SQLite history into a shared one.`,
      {
        code: 'USAGE',
        hint: 'pass the shared store: --to postgres://user[:password]@host:port/database',
      },
    );
  }
  const source = openHistoryStore({ dataDir: session.dataDir, url: 'sqlite' });
  try {
    const known = source.projects();
    if (options.project !== undefined && !known.includes(options.project)) {
      throw new SoulrecallError(`The local history has no project "${options.project}".`, {
        code: 'PROJECT_NOT_FOUND',
        hint:
          known.length > 0
            ? `Projects here: ${known.join(', ')}.`
            : 'This machine has recorded nothing yet: there is nothing to push.',
      });
    }
    const target = openHistoryStore({ dataDir: session.dataDir, url: options.to });
    try {
      return {
        from: source.location,
        to: redactUrl(target.location),
        projects: source.pushTo(target, options.project === undefined ? known : [options.project]),
      };
    } finally {
      target.close();
    }
  } finally {
    source.close();
  }
}

function isPostgresUrl(url: string): boolean {
  try {
    return historyBackendOf(url) === 'postgres';
  } catch {
    return false;
  }
}
