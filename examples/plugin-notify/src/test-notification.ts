import type { ProjectConfig } from '@soulrecall/core';
import {
  displayUrl,
  NotifyConfigError,
  postJson,
  resolveWebhook,
  WEBHOOK_ENV,
  type TestNotification,
  type WebhookSource,
} from './notification.js';

/** The result of `notify test`; also its --json output. */
export interface NotifyTestResult {
  delivered: true;
  /** The webhook's origin (its path may hold a token). */
  webhook: string;
  /** Which setting named it: `--url`, $SOULRECALL_NOTIFY_WEBHOOK or soulrecall.yaml. */
  source: WebhookSource;
  httpStatus: number;
  durationMs: number;
}

export interface TestNotificationOptions {
  url?: string;
  env?: NodeJS.ProcessEnv;
  /** soulrecall.yaml (asked of the host CLI); only read when neither --url nor the variable is set. */
  readProject(): Promise<ProjectConfig>;
  timeoutMs?: number;
}

/** Sends a test notification where promotions would be notified; throws NotifyConfigError or DeliveryError. */
export async function sendTestNotification(options: TestNotificationOptions): Promise<NotifyTestResult> {
  const env = options.env ?? process.env;
  let project: ProjectConfig | undefined;
  let webhook = resolveWebhook({ flag: options.url, env });
  if (!webhook) {
    project = await options.readProject();
    webhook = resolveWebhook({ env, project });
  }
  if (!webhook) {
    throw new NotifyConfigError(
      `No webhook is configured: ${project!.file} has no plugins.notify.webhook and ${WEBHOOK_ENV} is not set.`,
      'Add `plugins: { notify: { webhook: <url> } }` to soulrecall.yaml, set SOULRECALL_NOTIFY_WEBHOOK, or pass --url.',
    );
  }
  const body: TestNotification = {
    event: 'notify:test',
    project: project?.project ?? null,
    message: 'Test notification from soulrecall-plugin-notify.',
    sentAt: new Date().toISOString(),
  };
  const delivery = await postJson(webhook.url, body, { timeoutMs: options.timeoutMs });
  return { delivered: true, webhook: displayUrl(webhook.url), source: webhook.source, ...delivery };
}
