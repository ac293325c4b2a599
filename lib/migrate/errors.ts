/**
 * The one error the migration tools throw for bad input or a bad target.
 * @module
 */

/** What went wrong; the stable contract (messages may improve). */
export type MigrationErrorCode =
  /** A file's bytes are not what its format says: a bad magic, checksum, length or record. */
  | 'CORRUPT'
  /** The input is valid but uses something this tool does not read (snappy, a pre-3.3 log). */
  | 'UNSUPPORTED'
  /** No snapshot or log to read, or a gap between them. */
  | 'INCOMPLETE'
  /** The target directory exists and is not empty. */
  | 'TARGET_NOT_EMPTY'

/** Options of {@link MigrationError}. */
export interface MigrationErrorOptions {
  /** The file the problem is in. */
  file?: string
  /** The byte offset in that file (of the uncompressed stream for a compressed snapshot). */
  offset?: number
  /** The underlying error. */
  cause?: unknown
}

/** A migration, dump or verify failed; `file` and `offset` say where when a file is to blame. */
export class MigrationError extends Error {
  /** What went wrong. */
  readonly code: MigrationErrorCode
  /** The file at fault, if one is. */
  readonly file: string | undefined
  /** The byte offset in {@link MigrationError.file}, if known. */
  readonly offset: number | undefined

  /** Creates the error; the message is prefixed with the file and offset when given. */
  constructor(code: MigrationErrorCode, message: string, options: MigrationErrorOptions = {}) {
    const where = options.file === undefined ? '' : `${options.file}${options.offset === undefined ? '' : ` at byte ${options.offset}`}: `
    super(`${where}${message}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'MigrationError'
    this.code = code
    this.file = options.file
    this.offset = options.offset
  }
}
