import type { Hook } from '@oclif/core';
import type {} from '@soulrecall/core'; // brings core's typing of the hook events
import { notificationOf, postJson, resolveWebhook, warningOf } from '../notification.js';

/**
 * `promote:after`: POSTs the finished promotion to the webhook. Whatever goes wrong (no server,
 * HTTP 500, a slow server, a bad URL) is one warning line on stderr: the promotion already
 * happened and its exit code must not depend on a notification.
 */
const notifyAfterPromotion: Hook<'promote:after'> = async function (options) {
  try {
    const webhook = resolveWebhook({ project: options.project });
    if (!webhook) return;
    await postJson(webhook.url, notificationOf(options));
  } catch (error) {
    process.stderr.write(`${warningOf(error)}\n`);
  }
};

export default notifyAfterPromotion;
