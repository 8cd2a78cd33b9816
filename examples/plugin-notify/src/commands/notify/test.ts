import type { Config } from '@oclif/core';
import type { ProjectConfig } from '@soulrecall/core';
import { parseArgs } from 'node:util';
import { DeliveryError, NotifyConfigError, WEBHOOK_ENV } from '../../notification.js';
import { sendTestNotification, type NotifyTestResult } from '../../test-notification.js';

/** soulrecall's documented exit codes used here (README "Exit codes"). */
const EXIT = { usage: 2, config: 3, unreachable: 6, internal: 1 } as const;

interface CommandError {
  code: string;
  message: string;
  hint?: string;
  exitCode: number;
}

/**
 * `soulrecall notify test`. Not a subclass of oclif's Command: that would make @oclif/core a
 * run-time dependency, which a tarball installed offline into the CLI's data directory cannot
 * bring along. oclif needs only a static `run(argv, config)` and the static help properties
 * below (the manifest is built from them); the flags are parsed with node:util.
 */
export default class NotifyTest {
  static summary = 'Send a test notification to the webhook and say whether it took it.';
  static description = `Uses the webhook promotions are notified to: --url, else $${WEBHOOK_ENV}, else plugins.notify.webhook in soulrecall.yaml. Exit code 0 when the webhook answered 2xx, 6 when it could not be reached, timed out or answered otherwise, 3 when no webhook is configured.`;
  static examples = [
    '<%= config.bin %> notify test',
    '<%= config.bin %> notify test --url http://127.0.0.1:8080/hook --json',
  ];
  static enableJsonFlag = true;
  static args = {};
  static flags = {
    url: {
      name: 'url',
      type: 'option',
      multiple: false,
      summary: 'Webhook to test instead of the configured one.',
      helpValue: '<url>',
    },
    config: {
      name: 'config',
      type: 'option',
      multiple: false,
      summary: 'Path to soulrecall.yaml (default: found by walking up from the current folder).',
      helpGroup: 'GLOBAL',
    },
  };

  static async run(argv: string[], config: Config): Promise<NotifyTestResult | { error: CommandError }> {
    const json = argv.includes('--json');
    try {
      const flags = parseFlags(argv);
      const result = await sendTestNotification({
        url: flags.url,
        readProject: () => readProject(config, flags.config),
      });
      if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else
        process.stdout.write(
          `Delivered a test notification to ${result.webhook} (HTTP ${result.httpStatus}, ${result.durationMs} ms).\n`,
        );
      return result;
    } catch (thrown) {
      const error = commandError(thrown);
      process.exitCode = error.exitCode;
      if (json) process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
      else process.stderr.write(`Error: ${error.message}\n${error.hint ? `Hint: ${error.hint}\n` : ''}`);
      return { error };
    }
  }
}

function parseFlags(argv: string[]): { url?: string; config?: string } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    return { url: values.url, config: values.config };
  } catch (error) {
    throw Object.assign(new Error((error as Error).message.split('\n')[0]!), {
      code: 'USAGE',
      exitCode: EXIT.usage,
      hint: 'See `soulrecall notify test --help`.',
    });
  }
}

/** soulrecall.yaml as the host reads it (hook `soulrecall:project`), with its errors and hints. */
async function readProject(config: Config, configPath: string | undefined): Promise<ProjectConfig> {
  const { successes, failures } = await config.runHook(
    'soulrecall:project',
    { configPath, cwd: process.cwd() },
    undefined,
    true,
  );
  if (failures[0]) throw failures[0].error;
  const answer = successes[0]?.result;
  if (!answer) {
    throw new NotifyConfigError(
      'This soulrecall does not read soulrecall.yaml for plugins (no `soulrecall:project` hook).',
      `Pass --url or set ${WEBHOOK_ENV}, or upgrade soulrecall.`,
    );
  }
  return answer;
}

function commandError(thrown: unknown): CommandError {
  const error = thrown as Partial<CommandError> & Error;
  if (thrown instanceof DeliveryError) {
    return {
      code: thrown.code,
      message: `${thrown.message.charAt(0).toUpperCase()}${thrown.message.slice(1)}.`,
      exitCode: EXIT.unreachable,
      hint: 'Check that the URL is right and that the server behind it is up and answers 2xx.',
    };
  }
  if (thrown instanceof NotifyConfigError)
    return { code: thrown.code, message: thrown.message, hint: thrown.hint, exitCode: EXIT.config };
  // The host's errors (a missing or invalid soulrecall.yaml) carry a code, an exit code and a hint.
  const message = String(error?.message ?? thrown);
  return {
    code: typeof error?.code === 'string' ? error.code : 'UNEXPECTED',
    message: /[.!?]$/.test(message) ? message : `${message}.`,
    hint: error?.hint,
    exitCode: typeof error?.exitCode === 'number' ? error.exitCode : EXIT.internal,
  };
}
