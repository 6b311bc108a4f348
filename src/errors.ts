// One error model. Every error the service raises on purpose is a FaenaError with a stable
// `code` and an HTTP status; anything else is shown as a 500 (http/plugins/error-handler.ts)
// whose message is hidden. A processor's failure crosses the thread boundary as {code, message}.

export interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
  details?: unknown
}

export class FaenaError extends Error {
  readonly code: string
  readonly statusCode: number
  readonly details?: unknown

  constructor(code: string, message: string, statusCode = 500, details?: unknown, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.statusCode = statusCode
    this.details = details
  }

  /** Whether a job that fails with it is worth another attempt (a passing failure). */
  get retryable(): boolean {
    return false
  }

  toJSON(): { code: string; message: string; details?: unknown } {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) }
  }
}

export class ConfigError extends FaenaError {
  constructor(message: string) {
    super('CONFIG_INVALID', message, 500)
  }
}

export class ValidationError extends FaenaError {
  constructor(message: string, details?: unknown) {
    super('VALIDATION_FAILED', message, 400, details)
  }
}

export class UnauthorizedError extends FaenaError {
  constructor() {
    super('UNAUTHORIZED', 'missing or invalid bearer token', 401)
  }
}

export class ForbiddenError extends FaenaError {
  constructor(message: string) {
    super('FORBIDDEN', message, 403)
  }
}

export class NotFoundError extends FaenaError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} not found`, 404)
  }
}

export class ConflictError extends FaenaError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, 409, details)
  }
}

/**
 * What a processor throws to fail its job with a stable code, for the user to read: its code,
 * message and details are stored on the job. Not worth another attempt unless `retryable` (a
 * service briefly away): then it is retried with backoff while attempts remain. Any other
 * thrown value is an internal error (see workers/run-job.ts).
 */
export class JobError extends FaenaError {
  readonly #retryable: boolean

  constructor(code: string, message: string, details?: unknown, opts: { retryable?: boolean } = {}) {
    super(code, message, 422, details)
    this.#retryable = opts.retryable ?? false
  }

  override get retryable(): boolean {
    return this.#retryable
  }
}

/** 429: the caller is asking too much; `retryAfterSeconds` goes out as Retry-After. */
export class TooManyRequestsError extends FaenaError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message, 429, { retryAfterSeconds })
  }
}

/** The plain shape an error takes when it crosses a thread or is stored on a job. */
export interface SerializedError {
  code: string
  message: string
  details?: unknown
}
