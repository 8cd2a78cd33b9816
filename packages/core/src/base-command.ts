import { Command, Flags } from '@oclif/core';
import { loadProjectConfig } from './config/loader.js';
import { flagValueOf } from './services/prestart.js';
import type { ProjectConfig } from './config/types.js';
import { dataDir } from './data-dir.js';
import { toSoulrecallError, type SoulrecallError } from './errors.js';
import { Session } from './services/session.js';

/**
 * The base of every soulrecall command, in every plugin.
 *
 * - `run()` returns a typed result; with `--json` that result is the only thing on stdout.
 * - Progress and logs go to stderr (`this.progress`), and nowhere with `--json`.
 * - Errors are one sentence plus a hint, with a documented exit code; a stack trace only with
 *   `--verbose` or `DEBUG`.
 */
export abstract class SoulrecallCommand<TResult> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    config: Flags.string({
      summary: 'Path to soulrecall.yaml (default: found by walking up from the current folder).',
      helpGroup: 'GLOBAL',
    }),
    verbose: Flags.boolean({
      summary: 'Show more detail, including stack traces of errors.',
      helpGroup: 'GLOBAL',
      default: false,
    }),
  };

  private cachedProjectConfig?: ProjectConfig;
  private sessionInstance?: Session;

  public abstract override run(): Promise<TResult>;

  /** soulrecall.yaml, read once per command (honours --config). */
  protected projectConfig(): ProjectConfig {
    this.cachedProjectConfig ??= loadProjectConfig({ configPath: this.flagValue('config') });
    return this.cachedProjectConfig;
  }

  /**
   * The store, identities and network connections of this invocation, closed when the command
   * ends. `requireConfig: false` lets commands that can work from the store alone (e.g.
   * `health <canister-id>`) run outside a project; an invalid soulrecall.yaml still fails.
   */
  protected session(options: { requireConfig?: boolean } = {}): Session {
    if (!this.sessionInstance) {
      let config: ProjectConfig | undefined;
      try {
        config = this.projectConfig();
      } catch (error) {
        const missing =
          (error as { code?: string }).code === 'CONFIG_NOT_FOUND' && this.flagValue('config') === undefined;
        if (options.requireConfig !== false || !missing) throw error;
      }
      this.sessionInstance = new Session({ config, dataDir: this.dataDir() });
    }
    return this.sessionInstance;
  }

  public override async finally(error: Error | undefined): Promise<unknown> {
    this.sessionInstance?.close();
    return super.finally(error);
  }

  /** The data directory (SOULRECALL_HOME or oclif's data dir). */
  protected dataDir(): string {
    return dataDir();
  }

  /** A progress or information line on stderr; silent with --json. */
  protected progress(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }

  /** Detail shown only with --verbose (on stderr). */
  protected verbose(message: string): void {
    if (this.isVerbose() && !this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }

  protected isVerbose(): boolean {
    return this.argv.includes('--verbose') || Boolean(process.env.DEBUG);
  }

  private flagValue(name: string): string | undefined {
    return flagValueOf(this.argv, name);
  }

  public override async catch(thrown: Error & { exitCode?: number }): Promise<unknown> {
    const error = toSoulrecallError(thrown);
    process.exitCode = error.exitCode;
    if (this.jsonEnabled()) {
      this.logJson({ error: error.toJSON() });
      return undefined;
    }
    process.stderr.write(renderError(error, this.isVerbose()));
    return this.exit(error.exitCode);
  }
}

/** The human form of an error: one sentence, a hint, and (verbose only) the stack of what caused it. */
export function renderError(error: SoulrecallError, verbose: boolean): string {
  const lines = [`Error: ${error.message}`];
  if (error.hint) lines.push(`Hint: ${error.hint}`);
  if (verbose) {
    const cause = error.cause instanceof Error ? error.cause : error;
    lines.push('', cause.stack ?? String(cause));
  }
  return `${lines.join('\n')}\n`;
}
