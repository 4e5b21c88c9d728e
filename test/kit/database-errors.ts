/** Test kit: the error classes the database clients throw, as the instrumentations see them. */

/** What pg-protocol makes of an ErrorResponse: class DatabaseError, name 'error', SQLSTATE code. */
export class DatabaseError extends Error {
  severity = 'ERROR';
  detail = 'Key (name)=(b0und-value) already exists.';
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'error';
  }
}

/** ioredis's error reply (node-redis names its own `ErrorReply`). */
export class ReplyError extends Error {
  override name = 'ReplyError';
}
