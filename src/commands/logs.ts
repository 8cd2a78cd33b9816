import { Args, Flags } from '@oclif/core';
import {
  environmentFlag,
  formatLogLine,
  type LogLine,
  LogReader,
  logTargets,
  parseSince,
  SoulrecallCommand,
} from '@soulrecall/core';

export interface LogsResult {
  lines: LogLine[];
}

export default class Logs extends SoulrecallCommand<LogsResult> {
  static override summary = 'Show canister logs.';
  static override description = `The log records of a canister (fetch_canister_logs), oldest first. With only --network <env>, the logs of every canister recorded in that environment, each line prefixed by agent/canister.

--follow keeps polling every second and prints new lines until interrupted (Ctrl-C); it cannot be combined with --json.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai',
    '<%= config.bin %> <%= command.id %> --network staging --since 15m',
    '<%= config.bin %> <%= command.id %> rrkah-fqaaa-aaaaa-aaaaq-cai --follow',
  ];
  static override args = {
    canisterId: Args.string({
      description: 'Canister id (a principal); omit it to read every canister of --network.',
      required: false,
    }),
  };
  static override flags = {
    env: environmentFlag('Environment (name or alias), or a network: ic, local or a URL (works outside a project).'),
    follow: Flags.boolean({
      char: 'f',
      summary: 'Keep printing new lines (polls every second) until interrupted.',
      default: false,
      exclusive: ['json'],
    }),
    since: Flags.string({ summary: 'Only records since a duration ago (30s, 15m, 2h, 1d) or an ISO date.' }),
  };

  public async run(): Promise<LogsResult> {
    const { args, flags } = await this.parse(Logs);
    const since = flags.since === undefined ? undefined : parseSince(flags.since);
    const session = this.session({ requireConfig: false });
    const targets = logTargets(session, { canisterId: args.canisterId, network: flags.env });
    const prefixed = args.canisterId === undefined;
    const reader = new LogReader(session, targets, since);
    const lines = await reader.read();
    for (const line of lines) this.log(formatLogLine(line, prefixed));
    if (flags.follow) await this.follow(reader, prefixed);
    return { lines };
  }

  /** Polls once a second until SIGINT/SIGTERM, then returns normally (exit code 0). */
  private async follow(reader: LogReader, prefixed: boolean): Promise<void> {
    let stopped = false;
    let wake: (() => void) | undefined;
    const stop = () => {
      stopped = true;
      wake?.();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      while (!stopped) {
        // A ref'd timer: it is what keeps the process alive between polls.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (stopped) break;
        for (const line of await reader.read()) this.log(formatLogLine(line, prefixed));
      }
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
  }
}
