/**
 * Authentication and authorization of the admin commands that ask for them, as ZooKeeper 3.9's
 * AdminServer decides (`Commands.runCommand` with a command's `AuthRequest`, and the
 * `handleAuthentication(HttpServletRequest, byte[])` of its Digest, IP and X509 authentication
 * providers): `snapshot`, `restore` and `shed_connections` each need every bit of `Perms.ALL` on
 * `/`.
 *
 * The `Authorization` header names a scheme and, for `digest`, a credential: `digest user:password`,
 * `ip` or `x509`, separated by one space. The ids it gives are those the client port gives:
 * `digest` through the same addauth code ({@link setAuth}, with the super user of `superDigest`),
 * `ip` the client's address, `x509` the verified certificate of the HTTPS connection (and the super
 * user of `x509SuperUser`). The ACL of `/` is then checked bit by bit with the tree's own
 * {@link hasPermission}, as ZooKeeper's `handleAuthorization` calls `checkACL` once per bit.
 *
 * Refusals are ZooKeeper's: no header is 401 "Auth info is missing for the command"; a header that
 * does not parse, an unknown scheme, a credential the scheme refuses or no certificate is 401 "Not
 * authenticated"; ids the ACL of `/` does not grant every bit is 403 "Not authorized". A wrong
 * digest password is the last kind, as in ZooKeeper: it authenticates as another digest id, which
 * the ACL then refuses (with the default open ACL of `/` every well-formed header passes).
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { Perms, type ACL, type Id } from '../protocol/data.js'
import { setAuth } from '../server/sessions.js'
import { hasPermission } from '../tree/acl.js'
import { certificateSubject } from '../wire/x509-name.js'
import { certificateIdentities } from './client-port.js'

/** The znode whose ACL decides (ZooKeeper's `Commands.ROOT_PATH`). */
export const adminAuthPath = '/'

/** The permission every authenticated command needs on {@link adminAuthPath}: all of it. */
export const adminAuthPerms = Perms.ALL

/** ZooKeeper's answers to a request that is not let through, word for word. */
export const adminAuthErrors = {
  /** No `Authorization` header (401). */
  missing: 'Auth info is missing for the command',
  /** A header that authenticates nobody (401). */
  notAuthenticated: 'Not authenticated',
  /** Ids the ACL of `/` does not grant every bit of ALL (403). */
  notAuthorized: 'Not authorized',
} as const

/** What authentication and authorization read from the member, now. */
export interface AdminAuthSource {
  /** The ACL of {@link adminAuthPath}; undefined when the tree has no such node (refused, as ZooKeeper's NoNode). */
  aclOf(path: string): readonly ACL[] | undefined
  /** `super:<base64 sha1>` of the digest super user (`zookeeper.DigestAuthenticationProvider.superDigest`). */
  readonly superDigest: string | undefined
  /** `skipACL`: every authenticated request is authorized, as ZooKeeper's checkACL skips the check. */
  readonly skipACL: boolean
  /** The certificate subject that is the x509 super user (`zookeeper.X509AuthenticationProvider.superUser`). */
  readonly x509SuperUser: string | undefined
}

/** What a scheme reads from the connection a request came on. */
export interface AdminRequestOrigin {
  /** The client's address, an IPv4-mapped IPv6 address written as IPv4 (as Java's getRemoteAddr). */
  readonly address: string
  /** The subject of the client certificate the TLS handshake verified; undefined without one. */
  readonly certificateSubject: string | undefined
}

/** Why a request is not let through: its HTTP status and ZooKeeper's message. */
export interface AdminAuthRefusal {
  /** 401 for no identity, 403 for one the ACL of `/` does not grant every bit of ALL. */
  readonly status: 401 | 403
  /** ZooKeeper's message, one of {@link adminAuthErrors}. */
  readonly error: string
}

/** Checks a request's credentials: undefined when they may run the command, else the refusal. */
export type AdminAuthorizer = (req: IncomingMessage) => AdminAuthRefusal | undefined

/**
 * Checks the request's `Authorization` header against the ACL of `/`; undefined when it may run
 * the command, else the refusal to answer.
 */
export function adminAuthRefusal(req: IncomingMessage, source: AdminAuthSource): AdminAuthRefusal | undefined {
  const header = req.headers.authorization
  if (header === undefined) return { status: 401, error: adminAuthErrors.missing }
  const ids = authenticate(header, requestOrigin(req), source)
  if (ids === undefined) return { status: 401, error: adminAuthErrors.notAuthenticated }
  return authorized(source, ids) ? undefined : { status: 403, error: adminAuthErrors.notAuthorized }
}

/**
 * The ids an `Authorization` header value stands for (ZooKeeper's `handleAuthentication`), or
 * undefined when it authenticates nobody. The value is `scheme` or `scheme credential`: split at
 * single spaces, trailing empty parts dropped (Java's `String.split(" ")`), one or two parts.
 */
export function authenticate(header: string, origin: AdminRequestOrigin, source: Pick<AdminAuthSource, 'superDigest' | 'x509SuperUser'>): Id[] | undefined {
  const parts = header.split(' ')
  while (parts.length > 0 && parts.at(-1) === '') parts.pop()
  if (parts.length !== 1 && parts.length !== 2) return undefined
  const [scheme, credential] = parts as [string, string | undefined]
  const ids = schemeIds(scheme, credential, origin, source)
  return ids === undefined || ids.length === 0 ? undefined : ids
}

/** One scheme's ids; `ip` and `x509` ignore a credential, as their providers do. */
function schemeIds(scheme: string, credential: string | undefined, origin: AdminRequestOrigin, source: Pick<AdminAuthSource, 'superDigest' | 'x509SuperUser'>): Id[] | undefined {
  switch (scheme) {
    case 'digest':
      return credential === undefined ? undefined : digestIds(credential, source.superDigest)
    case 'ip':
      return [{ scheme: 'ip', id: origin.address }]
    case 'x509':
      return certificateIdentities(origin.certificateSubject, source.x509SuperUser)
    default:
      return undefined
  }
}

/** `user:password` as addauth digest takes it: the digest id, and `super` for the super digest. */
function digestIds(credential: string, superDigest: string | undefined): Id[] | undefined {
  const ids: Id[] = []
  const answer = setAuth(ids, superDigest, 'digest', new TextEncoder().encode(credential))
  return answer.err === 0 ? ids : undefined
}

/**
 * Whether `ids` hold every bit of {@link adminAuthPerms} on {@link adminAuthPath} (ZooKeeper's
 * `handleAuthorization`: each bit checked on its own, so one entry granting all of them or several
 * granting a part each both pass).
 */
export function authorized(source: Pick<AdminAuthSource, 'aclOf' | 'skipACL'>, ids: readonly Id[]): boolean {
  const acl = source.aclOf(adminAuthPath)
  if (acl === undefined) return false
  if (source.skipACL) return true
  for (let bit = 1; bit <= adminAuthPerms; bit <<= 1) {
    if ((adminAuthPerms & bit) !== 0 && !hasPermission(acl, bit, ids)) return false
  }
  return true
}

/** The address and verified certificate of the connection `req` came on. */
function requestOrigin(req: IncomingMessage): AdminRequestOrigin {
  const raw = req.socket.remoteAddress ?? ''
  const address = raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice('::ffff:'.length) : raw
  return { address, certificateSubject: verifiedSubject(req.socket as Partial<TLSSocket>) }
}

/** The subject of a TLS socket's client certificate, when the handshake verified one. */
function verifiedSubject(socket: Partial<TLSSocket>): string | undefined {
  if (socket.encrypted !== true || socket.authorized !== true || socket.getPeerCertificate === undefined) return undefined
  const certificate = socket.getPeerCertificate()
  if (certificate?.raw === undefined) return undefined
  try {
    return certificateSubject(certificate.raw)
  } catch {
    // A subject Paddock cannot read authenticates nobody, as a certificate the trust store refuses.
    return undefined
  }
}
