/**
 * The one error class the storage layer rejects with for operating errors.
 *
 * Codes are the stable contract; messages may improve. Programmer mistakes (an entry without a
 * Uint8Array, zxids that do not increase) are plain `TypeError`s / `RangeError`s without a code.
 * @module
 */

/**
 * Why a storage operation failed.
 *
 * - `DIR_IN_USE`: another process or Storage instance holds the data directory's lock.
 * - `CORRUPTION`: a stored record failed its checksum or could not be decoded; `key` names it.
 * - `NOT_OPEN`: the storage is not open (never opened, opening, closing or closed).
 * - `IO_ERROR`: the underlying database failed; `cause` holds its error. After a failed log write
 *   every later append fails with this code too, since the log's durable state is unknown.
 * - `APPEND_QUEUE_FULL`: more entries wait for the disk than {@link StorageLimits.appendQueueEntriesMax}.
 */
export type StorageErrorCode = 'DIR_IN_USE' | 'CORRUPTION' | 'NOT_OPEN' | 'IO_ERROR' | 'APPEND_QUEUE_FULL'

/** Options for {@link StorageError}. */
export interface StorageErrorOptions {
  /** The database key of the record at fault, for `CORRUPTION`. */
  key?: string
  /** The underlying error, if any. */
  cause?: unknown
}

/** An operating error of a {@link Storage}: `code` says what went wrong, `key` names a bad record. */
export class StorageError extends Error {
  /** What went wrong; the stable contract. */
  readonly code: StorageErrorCode
  /** The database key of the record at fault, when one is at fault. */
  readonly key: string | undefined

  /** Creates an error with `code` and a message that says what to do about it. */
  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.name = 'StorageError'
    this.code = code
    this.key = options.key
  }
}
