/**
 * Client authentication on the client port beyond ACL schemes a client adds itself: SASL
 * DIGEST-MD5 sessions (`sasl:<user>`, as ZooKeeper's ZooKeeperSaslServer and
 * SaslServerCallbackHandler grant them) and enforced authentication (ZooKeeper 3.7+
 * `enforce.auth.enabled` / `enforce.auth.schemes`, and `sessionRequireClientSASLAuth`), which
 * closes a connection that sends any request but auth and sasl before it has authenticated.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { jaasServerUsers, JaasError, parseJaas } from '../config/jaas.js'
import { ErrorCode } from '../errors.js'
import type { Id } from '../protocol/data.js'
import { addId } from '../server/sessions.js'
import { DigestMd5Server, SaslError } from '../wire/sasl-digest-md5.js'
import type { BackendReply } from '../wire/types.js'

/**
 * SASL DIGEST-MD5 for clients: the users and their passwords, given directly or as a JAAS file
 * whose section (ZooKeeper's `Server`) has a DigestLoginModule with `user_<name>="<password>"`
 * options. Exactly one of `users` and `jaasFile`.
 */
export interface ClientSaslOptions {
  /** Users and their passwords. */
  users?: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined
  /** A JAAS file to read the users from when the server starts (zoo.cfg's `jaasLoginConfig`). */
  jaasFile?: string | undefined
  /** The JAAS file's section with the users (zoo.cfg's `zookeeper.sasl.serverconfig`). @defaultValue 'Server' */
  section?: string | undefined
  /** The SASL user that holds every permission (ZooKeeper's `zookeeper.superUser`). */
  superUser?: string | undefined
  /**
   * A JAAS file without the section means no client SASL rather than an error (as ZooKeeper skips
   * client SASL then): for a file that may hold only the members' `QuorumServer` and
   * `QuorumLearner` sections. @defaultValue false
   */
  sectionOptional?: boolean | undefined
}

/**
 * Authentication every session must have before its first request (ZooKeeper's
 * `enforce.auth.enabled=true` with `enforce.auth.schemes`; `sessionRequireClientSASLAuth=true` is
 * `schemes: ['sasl']`). A connection whose session holds no id of these schemes is answered
 * SESSIONCLOSEDREQUIRESASLAUTH for any request but auth and sasl, and closed.
 */
export interface EnforceAuthOptions {
  /** The schemes that count: `sasl`, `digest`, `x509`, `ip`. */
  schemes: readonly string[]
}

/** A setting of {@link ClientSaslOptions} or {@link EnforceAuthOptions} the server cannot run with. */
export class AuthConfigError extends Error {
  /** Always 'AuthConfigError'. */
  override readonly name = 'AuthConfigError'
}

/**
 * Reads the SASL users (from the JAAS file when one is named) and checks the settings at start-up,
 * as ZooKeeper's AuthenticationHelper does: enforcement needs at least one scheme, and each must
 * be one the server can authenticate (`sasl` needs SASL users, `x509` needs TLS). Returns the
 * client port's authenticator, or undefined when neither is configured.
 * @throws AuthConfigError for settings that cannot run; JaasError for a JAAS file that cannot be used.
 */
export async function loadClientAuth(
  sasl: ClientSaslOptions | undefined,
  enforce: EnforceAuthOptions | undefined,
  tls: boolean,
  logger: AuthLogger,
): Promise<ClientAuthenticator | undefined> {
  const users = sasl === undefined ? undefined : await saslUsers(sasl)
  if (enforce !== undefined) {
    if (enforce.schemes.length === 0) throw new AuthConfigError('enforce.auth.enabled is true: enforce.auth.schemes must name at least one scheme')
    for (const scheme of enforce.schemes) {
      const why = schemeUnavailable(scheme, users !== undefined, tls)
      if (why !== undefined) throw new AuthConfigError(`enforce.auth.schemes: authentication scheme ${scheme} is not available: ${why}`)
    }
  }
  if (users === undefined && enforce === undefined) return undefined
  return new ClientAuthenticator(users, sasl?.superUser, enforce, logger)
}

async function saslUsers(sasl: ClientSaslOptions): Promise<ReadonlyMap<string, string> | undefined> {
  if ((sasl.users === undefined) === (sasl.jaasFile === undefined)) throw new AuthConfigError('sasl: give either users or jaasFile')
  let users: ReadonlyMap<string, string>
  if (sasl.jaasFile !== undefined) {
    const text = await readFile(sasl.jaasFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new JaasError(`${sasl.jaasFile}: cannot be read (${error.code ?? error.message})`)
    })
    const jaas = parseJaas(text, sasl.jaasFile)
    const section = sasl.section ?? 'Server'
    if (sasl.sectionOptional === true && !jaas.has(section)) return undefined
    users = jaasServerUsers(jaas, section, sasl.jaasFile)
  } else {
    users = userMap(sasl.users ?? {})
  }
  if (users.size === 0) throw new AuthConfigError('sasl.users is empty: a SASL server needs at least one user')
  return users
}

function schemeUnavailable(scheme: string, sasl: boolean, tls: boolean): string | undefined {
  switch (scheme) {
    case 'digest':
    case 'ip':
      return undefined
    case 'sasl':
      return sasl ? undefined : 'no SASL users are configured (a JAAS Server section)'
    case 'x509':
      return tls ? undefined : 'no TLS client port is configured'
    default:
      return 'Paddock knows digest, ip, sasl and x509'
  }
}

function userMap(users: NonNullable<ClientSaslOptions['users']>): ReadonlyMap<string, string> {
  return users instanceof Map ? users : new Map(Object.entries(users as Readonly<Record<string, string>>))
}

/** Where {@link ClientAuthenticator} reports. */
export interface AuthLogger {
  info(line: string): void
  warn(line: string): void
}

/** The client port's authentication settings, shared by every connection. */
export class ClientAuthenticator {
  constructor(
    private readonly users: ReadonlyMap<string, string> | undefined,
    private readonly saslSuperUser: string | undefined,
    private readonly enforce: EnforceAuthOptions | undefined,
    private readonly logger: AuthLogger,
  ) {}

  /** Whether enforcement closes a session holding `authInfo` at a request other than auth and sasl. */
  refuses(authInfo: readonly Id[]): boolean {
    if (this.enforce === undefined) return false
    const schemes = this.enforce.schemes
    return !authInfo.some((id) => schemes.includes(id.scheme))
  }

  /** The reply enforcement gives such a request: SESSIONCLOSEDREQUIRESASLAUTH, then close. */
  refusal(sessionId: bigint, authInfo: readonly Id[], zxid: number): BackendReply {
    const held = [...new Set(authInfo.map((id) => id.scheme))].join(', ') || 'none'
    this.logger.warn(`Session 0x${sessionId.toString(16)}: authentication scheme(s) ${held} match none of the required ${this.enforce?.schemes.join(', ')}: closing the connection`)
    return { err: ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH, zxid, close: true }
  }

  /** A fresh SASL exchange for one connection. */
  exchange(sessionId: bigint, authInfo: Id[]): SaslExchange {
    return new SaslExchange(this, sessionId, authInfo)
  }

  /** The password of `user`, for the DIGEST-MD5 server. */
  passwordOf(user: string): string | undefined {
    return this.users?.get(user)
  }

  /** Whether SASL users are configured. */
  get saslEnabled(): boolean {
    return this.users !== undefined
  }

  /** Whether a failed SASL exchange answers SESSIONCLOSEDREQUIRESASLAUTH rather than AUTHFAILED. */
  get saslRequired(): boolean {
    return this.enforce?.schemes.includes('sasl') === true
  }

  /** The SASL superuser, if any. */
  get superUser(): string | undefined {
    return this.saslSuperUser
  }

  /** Reports a line. */
  get log(): AuthLogger {
    return this.logger
  }
}

/** One connection's SASL exchange: the opcode-102 requests of its session, in order. */
export class SaslExchange {
  private server: DigestMd5Server | undefined

  constructor(
    private readonly auth: ClientAuthenticator,
    private readonly sessionId: bigint,
    private readonly authInfo: Id[],
  ) {}

  /**
   * The reply to one sasl request (ZooKeeperServer.processSasl): the next server token; once the
   * exchange succeeds, the session holds `sasl:<user>` (and `super` for the superuser). A failed
   * exchange is AUTHFAILED (SESSIONCLOSEDREQUIRESASLAUTH when SASL is enforced) and closes the
   * connection. Without SASL users, OK with no token, as ZooKeeper answers without a SASL server.
   */
  evaluate(token: Uint8Array): BackendReply {
    if (!this.auth.saslEnabled) return { err: 0, zxid: 0, response: { op: 'sasl', token: null } }
    this.server ??= new DigestMd5Server({ passwordOf: (user) => this.auth.passwordOf(user) })
    try {
      const answer = this.server.evaluate(token)
      const user = this.server.result?.user
      if (user !== undefined) this.authenticated(user)
      return { err: 0, zxid: 0, response: { op: 'sasl', token: answer } }
    } catch (error) {
      if (!(error instanceof SaslError)) throw error
      this.auth.log.warn(`Session 0x${this.sessionId.toString(16)}: SASL authentication failed: ${error.message}`)
      return { err: this.auth.saslRequired ? ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH : ErrorCode.AUTHFAILED, zxid: 0, close: true }
    }
  }

  private authenticated(user: string): void {
    this.auth.log.info(`Session 0x${this.sessionId.toString(16)}: adding SASL authorization for ${user}`)
    addId(this.authInfo, { scheme: 'sasl', id: user })
    if (this.auth.superUser !== undefined && user === this.auth.superUser) addId(this.authInfo, { scheme: 'super', id: '' })
  }
}
