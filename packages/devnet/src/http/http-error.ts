/** A request the network refuses before executing anything: an HTTP status and a replica-like plain-text message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
