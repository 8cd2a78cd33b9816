import type { CanisterClient } from '@soulrecall/canister-client';
import type { EnvironmentConfig } from '../config/types.js';
import { SoulrecallError } from '../errors.js';
import { locateCanister, requireEnvironment } from './canister-lookup.js';
import type { Session } from './session.js';

export interface LogLine {
  agent: string | null;
  environment: string;
  canisterId: string;
  /** Position in the canister's log (increasing). */
  idx: string;
  timestamp: string;
  text: string;
}

export interface LogsQuery {
  canisterId?: string;
  network?: string;
  /** Only records at or after this time. */
  since?: Date;
}

/** A canister whose logs are read, with where it lives. */
export interface LogTarget {
  canisterId: string;
  agent: string | null;
  environment: EnvironmentConfig;
}

/** Which canisters to read: the one named, or every recorded canister of `--network <env>`. */
export function logTargets(session: Session, query: LogsQuery): LogTarget[] {
  if (query.canisterId !== undefined) {
    const located = locateCanister(session, query.canisterId, {
      network: query.network,
      allowUnrecorded: true,
      acceptNetwork: true,
    });
    return [{ canisterId: located.canisterId, agent: located.record?.agent ?? null, environment: located.environment }];
  }
  if (query.network === undefined) {
    throw new SoulrecallError(
      'Say whose logs to show: a canister id, or --network <env> for every canister of an environment.',
      {
        code: 'LOGS_TARGET_MISSING',
        hint: 'For example: soulrecall logs --network local.',
      },
    );
  }
  const environment = requireEnvironment(session, query.network, { acceptNetwork: true });
  return session.store.canisters
    .list({ environment: environment.name })
    .map((record) => ({ canisterId: record.canisterId, agent: record.agent, environment }));
}

/**
 * Reads logs; remembers the last record seen per canister so the next call (`--follow`) returns
 * only new lines.
 */
export class LogReader {
  private readonly lastSeen = new Map<string, bigint>();

  constructor(
    private readonly session: Session,
    private readonly targets: LogTarget[],
    private readonly since?: Date,
  ) {}

  async read(): Promise<LogLine[]> {
    const lines: LogLine[] = [];
    for (const target of this.targets) {
      const client: CanisterClient = await this.session.client(target.environment);
      const key = `${target.environment.name}/${target.canisterId}`;
      const after = this.lastSeen.get(key) ?? -1n;
      for (const record of await client.logs(target.canisterId)) {
        if (record.idx <= after) continue;
        this.lastSeen.set(key, record.idx);
        if (this.since && record.timestamp < this.since) continue;
        lines.push({
          agent: target.agent,
          environment: target.environment.name,
          canisterId: target.canisterId,
          idx: record.idx.toString(),
          timestamp: record.timestamp.toISOString(),
          text: record.text,
        });
      }
    }
    return lines.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  }
}

/** The human form of a log line; with several canisters each line says whose it is. */
export function formatLogLine(line: LogLine, prefixed: boolean): string {
  const who = prefixed ? `${line.agent ?? '?'}/${line.canisterId} ` : '';
  return `${who}${line.timestamp} ${line.text}`;
}
