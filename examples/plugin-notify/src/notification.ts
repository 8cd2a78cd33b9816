import type { ProjectConfig, PromoteAfterPayload } from '@soulrecall/core';

// Only node builtins and `import type` here: a plugin installed from a tarball into the CLI's
// data directory gets no @soulrecall/core (nor @oclif/core) at run time, see package.json.

/** Overrides `plugins.notify.webhook` of soulrecall.yaml: CI sets it (a secret) without editing the file. */
export const WEBHOOK_ENV = 'SOULRECALL_NOTIFY_WEBHOOK';
/** A webhook slower than this is given up on: a notification must never hold a promotion up for long. */
export const DEFAULT_TIMEOUT_MS = 5_000;
export const PLUGIN_NAME = 'soulrecall-plugin-notify';

/** The JSON body POSTed after each promotion. */
export interface PromotionNotification {
  event: 'promote:after';
  promotionId: string;
  project: string;
  agent: string;
  fromEnvironment: string;
  toEnvironment: string;
  strategy: string;
  /** The promotion's final status: `succeeded`, `failed`, `rolled-back` or `aborted`. */
  status: string;
  /** sha256 of the promoted Wasm module. */
  moduleSha256: string | null;
  targetCanisterId: string | null;
  error: string | null;
  finishedAt: string | null;
}

/** The body of `notify test`. */
export interface TestNotification {
  event: 'notify:test';
  project: string | null;
  message: string;
  sentAt: string;
}

export type WebhookSource = 'flag' | 'env' | 'config';

export interface Webhook {
  url: string;
  source: WebhookSource;
}

/** A problem with the webhook setting itself (not with the server behind it). */
export class NotifyConfigError extends Error {
  readonly code = 'NOTIFY_CONFIG_INVALID';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'NotifyConfigError';
  }
}

/** The webhook did not take the notification: unreachable, timed out or not a 2xx answer. */
export class DeliveryError extends Error {
  readonly code = 'NOTIFY_DELIVERY_FAILED';
  constructor(
    readonly webhook: string,
    readonly reason: string,
    readonly httpStatus: number | null,
  ) {
    super(`the webhook at ${webhook} did not take the notification: ${reason}`);
    this.name = 'DeliveryError';
  }
}

export function notificationOf(payload: PromoteAfterPayload): PromotionNotification {
  const { promotion, result } = payload;
  // The result carries the module on success; a failed promotion has only its record, whose
  // options keep the hash the engine needs to resume it.
  const recorded = promotion.options.moduleSha256;
  return {
    event: 'promote:after',
    promotionId: promotion.id,
    project: promotion.project,
    agent: promotion.agent,
    fromEnvironment: promotion.fromEnvironment,
    toEnvironment: promotion.toEnvironment,
    strategy: promotion.strategy,
    status: promotion.status,
    moduleSha256: result?.module.sha256 ?? (typeof recorded === 'string' ? recorded : null),
    targetCanisterId: result?.targetCanisterId ?? promotion.targetCanisterId,
    error: payload.error ?? promotion.error,
    finishedAt: promotion.finishedAt,
  };
}

/**
 * Where notifications go: `--url`, else $SOULRECALL_NOTIFY_WEBHOOK, else soulrecall.yaml's
 * `plugins.notify.webhook`; undefined when none is set (the plugin then stays quiet).
 */
export function resolveWebhook(options: {
  flag?: string;
  env?: NodeJS.ProcessEnv;
  project?: Pick<ProjectConfig, 'plugins' | 'file'>;
}): Webhook | undefined {
  if (options.flag !== undefined) return { url: checkUrl(options.flag, '--url'), source: 'flag' };
  const fromEnv = (options.env ?? process.env)[WEBHOOK_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { url: checkUrl(fromEnv, WEBHOOK_ENV), source: 'env' };
  const section = options.project?.plugins?.notify;
  if (section === undefined) return undefined;
  const webhook = section.webhook;
  if (typeof webhook !== 'string') {
    throw new NotifyConfigError(
      `plugins.notify.webhook in ${options.project!.file} must be a URL.`,
      'Write e.g. `plugins: { notify: { webhook: "https://hooks.example.com/soulrecall" } }`.',
    );
  }
  return { url: checkUrl(webhook, `plugins.notify.webhook in ${options.project!.file}`), source: 'config' };
}

function checkUrl(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new NotifyConfigError(
      `${where} is not a URL.`,
      'Give an http(s) URL such as https://hooks.example.com/soulrecall.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NotifyConfigError(
      `${where} is not an http(s) URL.`,
      'Give an http(s) URL such as https://hooks.example.com/soulrecall.',
    );
  }
  return url.href;
}

/** A webhook URL as shown in messages: its origin only, since paths of webhooks often hold a token. */
export function displayUrl(url: string): string {
  return new URL(url).origin;
}

export interface Delivery {
  httpStatus: number;
  durationMs: number;
}

/** POSTs `body` as JSON; resolves on a 2xx answer, otherwise throws DeliveryError. */
export async function postJson(url: string, body: object, options: { timeoutMs?: number } = {}): Promise<Delivery> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': PLUGIN_NAME },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read the answer to the end so the connection is released before the CLI exits.
    await response.arrayBuffer();
  } catch (error) {
    throw new DeliveryError(displayUrl(url), reasonOf(error, timeoutMs), null);
  }
  if (!response.ok) throw new DeliveryError(displayUrl(url), `it answered HTTP ${response.status}`, response.status);
  return { httpStatus: response.status, durationMs: Date.now() - started };
}

function reasonOf(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its host name does not resolve';
  return err.cause?.message ?? err.message ?? String(error);
}

/** One line for stderr: why a promotion's notification was not delivered (the promotion is not affected). */
export function warningOf(error: unknown): string {
  const reason =
    error instanceof DeliveryError || error instanceof NotifyConfigError
      ? error.message
      : String((error as Error)?.message ?? error);
  return `Warning: ${PLUGIN_NAME}: no notification sent: ${reason.replace(/\s+/g, ' ').replace(/\.$/, '')}.`;
}
