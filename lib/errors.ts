/**
 * ZooKeeper's error codes and the one error class Paddock throws for them.
 *
 * The numbers are the ones on the wire (apache/zookeeper KeeperException.Code); the names are the
 * stable contract of the API. Messages follow ZooKeeper's wording ("Node does not exist: /a").
 * @module
 */

/** Every ZooKeeper error code by name, with the number ZooKeeper puts on the wire. */
export const ErrorCode = {
  /** Success. */
  OK: 0,
  /** A system or server-side error (base of the system codes). */
  SYSTEMERROR: -1,
  /** A multi op not run because an earlier op failed. */
  RUNTIMEINCONSISTENCY: -2,
  /** Data inconsistency was found. */
  DATAINCONSISTENCY: -3,
  /** The connection to the server was lost (transient). */
  CONNECTIONLOSS: -4,
  /** A record could not be encoded or decoded. */
  MARSHALLINGERROR: -5,
  /** The operation is not implemented (or disabled, as TTL nodes without extended types). */
  UNIMPLEMENTED: -6,
  /** The operation timed out (transient). */
  OPERATIONTIMEOUT: -7,
  /** Invalid arguments: a bad path, mode, TTL or data size. */
  BADARGUMENTS: -8,
  /** The session is not known to the server. */
  UNKNOWNSESSION: -12,
  /** A reconfiguration lacks a quorum of the new configuration. */
  NEWCONFIGNOQUORUM: -13,
  /** Another reconfiguration is in progress. */
  RECONFIGINPROGRESS: -14,
  /** An API error (base of the API codes). */
  APIERROR: -100,
  /** The node does not exist. */
  NONODE: -101,
  /** Not authorised by the node's ACL. */
  NOAUTH: -102,
  /** The expected version does not match the node's. */
  BADVERSION: -103,
  /** Ephemeral nodes cannot have children. */
  NOCHILDRENFOREPHEMERALS: -108,
  /** The node already exists. */
  NODEEXISTS: -110,
  /** The node has children. */
  NOTEMPTY: -111,
  /** The session expired or was closed (final). */
  SESSIONEXPIRED: -112,
  /** An invalid callback was given. */
  INVALIDCALLBACK: -113,
  /** The ACL is empty or malformed, or `auth` has no identity to stand for. */
  INVALIDACL: -114,
  /** Authentication failed. */
  AUTHFAILED: -115,
  /** The session moved to another server. */
  SESSIONMOVED: -118,
  /** A write was sent to a read-only server. */
  NOTREADONLY: -119,
  /** An ephemeral was created on a local session. */
  EPHEMERALONLOCALSESSION: -120,
  /** No such watch to remove. */
  NOWATCHER: -121,
  /** The request timed out on the server (transient). */
  REQUESTTIMEOUT: -122,
  /** Dynamic reconfiguration is disabled. */
  RECONFIGDISABLED: -123,
  /** The session was closed because SASL authentication is required. */
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  /** A hard quota was exceeded. */
  QUOTAEXCEEDED: -125,
  /** The server throttled the operation (transient; retry with back-off). */
  THROTTLEDOP: -127,
} as const

/** The name of a ZooKeeper error code, for example `'NONODE'`. */
export type ErrorCodeName = keyof typeof ErrorCode

const namesByErrno = new Map<number, ErrorCodeName>(
  Object.entries(ErrorCode).map(([name, errno]) => [errno, name as ErrorCodeName]),
)

/** Returns the code name for a wire error number, or undefined for a number ZooKeeper does not define. */
export function errorCodeName(errno: number): ErrorCodeName | undefined {
  return namesByErrno.get(errno)
}

// ZooKeeper's own descriptions (KeeperException.getCodeMessage), which tools print verbatim.
const descriptions: Partial<Record<ErrorCodeName, string>> = {
  SYSTEMERROR: 'SystemError',
  RUNTIMEINCONSISTENCY: 'RuntimeInconsistency',
  DATAINCONSISTENCY: 'DataInconsistency',
  CONNECTIONLOSS: 'ConnectionLoss',
  MARSHALLINGERROR: 'MarshallingError',
  UNIMPLEMENTED: 'Unimplemented',
  OPERATIONTIMEOUT: 'OperationTimeout',
  BADARGUMENTS: 'BadArguments',
  UNKNOWNSESSION: 'Unknown session',
  NEWCONFIGNOQUORUM: 'No quorum of new config is connected and up-to-date with the leader of last committed config - try invoking reconfiguration after new servers are connected and synced',
  RECONFIGINPROGRESS: 'Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)',
  APIERROR: 'APIError',
  NONODE: 'NoNode',
  NOAUTH: 'NoAuth',
  BADVERSION: 'BadVersion',
  NOCHILDRENFOREPHEMERALS: 'NoChildrenForEphemerals',
  NODEEXISTS: 'NodeExists',
  NOTEMPTY: 'Directory not empty',
  SESSIONEXPIRED: 'Session expired',
  INVALIDCALLBACK: 'Invalid callback',
  INVALIDACL: 'InvalidACL',
  AUTHFAILED: 'AuthFailed',
  SESSIONMOVED: 'Session moved',
  NOTREADONLY: 'Not a read-only call',
  EPHEMERALONLOCALSESSION: 'Ephemeral node on local session',
  NOWATCHER: 'No such watcher',
  REQUESTTIMEOUT: 'Request timeout',
  RECONFIGDISABLED: 'Reconfig is disabled',
  SESSIONCLOSEDREQUIRESASLAUTH: 'Session closed because client failed to authenticate',
  QUOTAEXCEEDED: 'Quota has exceeded',
  THROTTLEDOP: 'Op throttled due to high load',
}

// Human wording for the common codes, as zkCli.sh prints them ("Node does not exist: /x").
const pathPhrases: Partial<Record<ErrorCodeName, string>> = {
  NONODE: 'Node does not exist',
  NODEEXISTS: 'Node already exists',
  NOTEMPTY: 'Node not empty',
  BADVERSION: 'version No is not valid',
  NOAUTH: 'Insufficient permission',
  NOCHILDRENFOREPHEMERALS: 'Ephemerals cannot have children',
  INVALIDACL: 'Invalid ACL',
}

/** Codes after which an operation may be retried on the same session (the server may not have seen it). */
const transientCodes: ReadonlySet<ErrorCodeName> = new Set<ErrorCodeName>([
  'CONNECTIONLOSS',
  'OPERATIONTIMEOUT',
  'THROTTLEDOP',
  'REQUESTTIMEOUT',
])

/** Options for {@link ZooKeeperError}. */
export interface ZooKeeperErrorOptions {
  /** The znode path the failed operation named. */
  path?: string
  /** A message that replaces the default one (which is built from the code and the path). */
  message?: string
  /** The underlying error, if any. */
  cause?: unknown
}

/**
 * The error Paddock throws and rejects with for every ZooKeeper error code.
 *
 * `code` is the stable contract; `errno` is the number on the wire; `path` names the znode when
 * the operation had one. Programmer mistakes (arguments of the wrong type) are plain `TypeError`s.
 */
export class ZooKeeperError extends Error {
  /** The code name, for example `'NONODE'`. */
  readonly code: ErrorCodeName
  /** The number ZooKeeper uses on the wire, for example -101. */
  readonly errno: number
  /** The path the operation named, when it had one. */
  readonly path: string | undefined

  /** Creates an error for `code`; prefer {@link zkError}. */
  constructor(code: ErrorCodeName, options: ZooKeeperErrorOptions = {}) {
    super(options.message ?? defaultMessage(code, options.path), { cause: options.cause })
    this.name = 'ZooKeeperError'
    this.code = code
    this.errno = ErrorCode[code]
    this.path = options.path
  }

  /** True when the operation may succeed if retried (connection loss, timeouts, throttling). */
  get transient(): boolean {
    return transientCodes.has(this.code)
  }

  /** Builds the error for a wire error number; unknown numbers become SYSTEMERROR naming the number. */
  static fromErrno(errno: number, path?: string): ZooKeeperError {
    const code = errorCodeName(errno)
    if (code !== undefined) return new ZooKeeperError(code, { path })
    return new ZooKeeperError('SYSTEMERROR', { path, message: `unknown ZooKeeper error code ${errno}` })
  }
}

function defaultMessage(code: ErrorCodeName, path: string | undefined): string {
  const phrase = pathPhrases[code]
  if (phrase !== undefined && path !== undefined) return `${phrase}: ${path}`
  const description = descriptions[code] ?? code
  return path === undefined ? `KeeperErrorCode = ${description}` : `KeeperErrorCode = ${description} for ${path}`
}

/** Shorthand for `new ZooKeeperError(code, { path, message })`. */
export function zkError(code: ErrorCodeName, path?: string, message?: string): ZooKeeperError {
  return new ZooKeeperError(code, { path, message })
}

/** One line for a log: the error's name and message, or the value thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
