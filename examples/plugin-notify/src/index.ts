export * from './notification.js';
export { sendTestNotification, type NotifyTestResult } from './test-notification.js';
