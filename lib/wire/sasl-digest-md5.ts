/**
 * SASL DIGEST-MD5 (RFC 2831) with the `auth` quality of protection only, as ZooKeeper uses it on
 * the client port: the server's realm is `zk-sasl-md5` and the digest-uri `zookeeper/zk-sasl-md5`
 * (ZooKeeperSaslServer creates its SaslServer for protocol "zookeeper" and server name
 * "zk-sasl-md5"; kazoo and the Java client ask for that). Integrity and confidentiality layers
 * (`auth-int`, `auth-conf`) are not offered, as ZooKeeper's DigestLoginModule set-up offers none.
 *
 * Both ends are here: {@link DigestMd5Server} for the member and {@link DigestMd5Client} for
 * Paddock's own TCP client and the tests, sharing the directive parser and the digest.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** The realm ZooKeeper's DIGEST-MD5 server offers. */
export const zooKeeperSaslRealm = 'zk-sasl-md5'
/** The digest-uri a client must name: the protocol `zookeeper` and the server name. */
export const zooKeeperDigestUri = `zookeeper/${zooKeeperSaslRealm}`

/**
 * The realm and digest-uri of ZooKeeper's quorum SASL (SaslQuorumAuthServer creates its SaslServer
 * for protocol "zookeeper-quorum" and server name "zk-quorum-sasl-md5"): members authenticate to
 * each other under these, so a client-port password exchange cannot be replayed between members.
 */
export const zooKeeperQuorumSaslRealm = 'zk-quorum-sasl-md5'
/** The digest-uri of ZooKeeper's quorum SASL. */
export const zooKeeperQuorumDigestUri = `zookeeper-quorum/${zooKeeperQuorumSaslRealm}`

/** Which service an exchange authenticates to: the client port's (the default) or the quorum's. */
export interface DigestMd5Service {
  /** The realm the server offers. @defaultValue {@link zooKeeperSaslRealm} */
  realm?: string
  /** The digest-uri the client names and the server expects. @defaultValue {@link zooKeeperDigestUri} */
  digestUri?: string
}

/** Longest token either side accepts; real ones are a few hundred bytes. */
const tokenBytesMax = 4096

/** A DIGEST-MD5 exchange that cannot succeed: a wrong password, a malformed or unexpected token. */
export class SaslError extends Error {
  override readonly name = 'SaslError'
}

/**
 * The directives of a challenge or response (`name=value` or `name="quoted value"`, separated by
 * commas, RFC 2831 section 7.1). Bytes are read as Latin-1 so that a UTF-8 username survives as
 * its bytes; {@link fromLatin1} turns a value back into bytes. A repeated directive is an error.
 */
export function parseDirectives(token: Uint8Array): Map<string, string> {
  if (token.length > tokenBytesMax) throw new SaslError(`DIGEST-MD5 token of ${token.length} bytes is over ${tokenBytesMax}`)
  const text = Buffer.from(token).toString('latin1')
  const directives = new Map<string, string>()
  let at = 0
  const skipSpace = () => {
    while (at < text.length && (text[at] === ' ' || text[at] === '\t' || text[at] === '\r' || text[at] === '\n')) at++
  }
  while (at < text.length) {
    skipSpace()
    if (text[at] === ',') {
      at++
      continue
    }
    if (at >= text.length) break
    const eq = text.indexOf('=', at)
    if (eq < 0) throw new SaslError(`DIGEST-MD5 directive without a value at byte ${at}`)
    const name = text.slice(at, eq).trim().toLowerCase()
    if (!/^[a-z0-9-]+$/.test(name)) throw new SaslError(`DIGEST-MD5 directive name "${name}" is malformed`)
    at = eq + 1
    skipSpace()
    let value: string
    if (text[at] === '"') {
      ;[value, at] = readQuoted(text, at + 1)
    } else {
      const end = text.indexOf(',', at)
      value = text.slice(at, end < 0 ? text.length : end).trim()
      at = end < 0 ? text.length : end
    }
    if (directives.has(name)) throw new SaslError(`DIGEST-MD5 directive "${name}" appears twice`)
    directives.set(name, value)
  }
  return directives
}

function readQuoted(text: string, start: number): [string, number] {
  let value = ''
  for (let at = start; at < text.length; at++) {
    const c = text[at]
    if (c === '"') return [value, at + 1]
    if (c === '\\') at++
    if (at < text.length) value += text[at]
  }
  throw new SaslError('DIGEST-MD5 quoted value is not closed')
}

/** The bytes a Latin-1 decoded directive value stood for. */
export function fromLatin1(value: string): Buffer {
  return Buffer.from(value, 'latin1')
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`
}

function md5(...parts: (string | Uint8Array)[]): Buffer {
  const hash = createHash('md5')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/** What both sides hash: RFC 2831 section 2.1.2.1 with qop=auth and algorithm md5-sess. */
interface DigestInputs {
  /** username, realm and password as the bytes the charset directive says (UTF-8 or Latin-1). */
  username: Buffer
  realm: Buffer
  password: Buffer
  nonce: string
  cnonce: string
  nc: string
  digestUri: string
  authzid: Buffer | undefined
}

/**
 * The response value (`a2Prefix` "AUTHENTICATE") or the server's rspauth (`a2Prefix` ""): lower-case
 * hex of KD(HEX(H(A1)), nonce:nc:cnonce:qop:HEX(H(A2))).
 */
export function digestResponse(inputs: DigestInputs, a2Prefix: 'AUTHENTICATE' | ''): string {
  const secret = md5(inputs.username, ':', inputs.realm, ':', inputs.password)
  const a1Parts: (string | Uint8Array)[] = [secret, `:${inputs.nonce}:${inputs.cnonce}`]
  if (inputs.authzid !== undefined) a1Parts.push(':', inputs.authzid)
  const ha1 = md5(...a1Parts).toString('hex')
  const ha2 = md5(`${a2Prefix}:${inputs.digestUri}`).toString('hex')
  return md5(`${ha1}:${inputs.nonce}:${inputs.nc}:${inputs.cnonce}:auth:${ha2}`).toString('hex')
}

function charsetBytes(text: string, utf8: boolean): Buffer {
  return Buffer.from(text, utf8 ? 'utf8' : 'latin1')
}

function freshNonce(): string {
  return randomBytes(24).toString('base64')
}

/** The server side's result once the exchange succeeded. */
export interface SaslSuccess {
  /** The authenticated user: the session gets `sasl:<user>`. */
  user: string
}

/** Settings of {@link DigestMd5Server}. */
export interface DigestMd5ServerOptions extends DigestMd5Service {
  /** The password of a user, or undefined for a user the server does not know. */
  passwordOf: (user: string) => string | undefined
  /** A fresh nonce (a test may fix it). @defaultValue 24 random bytes in base64 */
  nonce?: () => string
}

/**
 * The server side of one DIGEST-MD5 exchange: the first token (empty, as clients start it) gets the
 * challenge; the digest-response gets `rspauth` and ends the exchange with the user authenticated.
 * Anything else throws {@link SaslError}, after which the exchange is over.
 */
export class DigestMd5Server {
  private state: 'initial' | 'challenged' | 'done' = 'initial'
  private nonce = ''
  private success: SaslSuccess | undefined

  constructor(private readonly options: DigestMd5ServerOptions) {}

  private get realm(): string {
    return this.options.realm ?? zooKeeperSaslRealm
  }

  private get digestUri(): string {
    return this.options.digestUri ?? zooKeeperDigestUri
  }

  /** Whether the exchange ended with a user authenticated. */
  get complete(): boolean {
    return this.success !== undefined
  }

  /** The authenticated user once {@link DigestMd5Server.complete}. */
  get result(): SaslSuccess | undefined {
    return this.success
  }

  /** Answers the client's token with the next server token. */
  evaluate(token: Uint8Array): Uint8Array {
    if (this.state === 'done') throw new SaslError('DIGEST-MD5 exchange is already over')
    if (this.state === 'initial') {
      this.state = 'challenged'
      this.nonce = (this.options.nonce ?? freshNonce)()
      return Buffer.from(`realm=${quote(this.realm)},nonce=${quote(this.nonce)},qop="auth",charset=utf-8,algorithm=md5-sess`, 'latin1')
    }
    this.state = 'done'
    const { inputs, user, given } = this.readResponse(parseDirectives(token))
    const expected = digestResponse(inputs, 'AUTHENTICATE')
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      throw new SaslError(`DIGEST-MD5 authentication failed for user "${user}": wrong password`)
    }
    this.success = { user }
    return Buffer.from(`rspauth=${digestResponse(inputs, '')}`, 'latin1')
  }

  private readResponse(d: Map<string, string>): { inputs: DigestInputs; user: string; given: string } {
    const need = (name: string): string => {
      const value = d.get(name)
      if (value === undefined || value === '') throw new SaslError(`DIGEST-MD5 response has no ${name}`)
      return value
    }
    const utf8 = d.get('charset')?.toLowerCase() === 'utf-8'
    const user = fromLatin1(need('username')).toString(utf8 ? 'utf8' : 'latin1')
    const realm = d.get('realm') ?? this.realm
    if (realm !== this.realm) throw new SaslError(`DIGEST-MD5 response names realm "${realm}", not "${this.realm}"`)
    if (need('nonce') !== this.nonce) throw new SaslError('DIGEST-MD5 response does not echo the nonce')
    if (need('nc') !== '00000001') throw new SaslError(`DIGEST-MD5 nonce count ${d.get('nc')} is not 00000001`)
    const qop = d.get('qop') ?? 'auth'
    if (qop !== 'auth') throw new SaslError(`DIGEST-MD5 qop "${qop}" is not offered: only auth`)
    const digestUri = need('digest-uri')
    if (digestUri !== this.digestUri) throw new SaslError(`DIGEST-MD5 digest-uri "${digestUri}" is not ${this.digestUri}`)
    const given = need('response').toLowerCase()
    const password = this.options.passwordOf(user)
    if (password === undefined) throw new SaslError(`DIGEST-MD5 authentication failed: no user "${user}"`)
    const authzid = d.get('authzid')
    const inputs: DigestInputs = {
      username: fromLatin1(need('username')),
      realm: charsetBytes(realm, utf8),
      password: charsetBytes(password, utf8),
      nonce: this.nonce,
      cnonce: need('cnonce'),
      nc: '00000001',
      digestUri,
      authzid: authzid === undefined ? undefined : fromLatin1(authzid),
    }
    return { inputs, user, given }
  }
}

/** Settings of {@link DigestMd5Client}. */
export interface DigestMd5ClientOptions extends DigestMd5Service {
  /** The user to authenticate as. */
  username: string
  /** Its password. */
  password: string
  /** A fresh client nonce (a test may fix it). @defaultValue 24 random bytes in base64 */
  cnonce?: () => string
}

/**
 * The client side: {@link DigestMd5Client.initial} is the first (empty) token; each server token
 * goes to {@link DigestMd5Client.respond}, which returns the next token, or undefined once the
 * server proved it knows the password (rspauth) and the exchange is complete.
 */
export class DigestMd5Client {
  private inputs: DigestInputs | undefined
  /** Whether the server's rspauth was checked. */
  complete = false

  constructor(private readonly options: DigestMd5ClientOptions) {}

  /** The token that starts the exchange: empty, as ZooKeeper's clients send for DIGEST-MD5. */
  initial(): Uint8Array {
    return new Uint8Array(0)
  }

  /** The answer to a server token; throws {@link SaslError} on a malformed token or a wrong rspauth. */
  respond(serverToken: Uint8Array): Uint8Array | undefined {
    const d = parseDirectives(serverToken)
    if (this.inputs !== undefined) return this.checkRspauth(d)
    const nonce = d.get('nonce')
    if (nonce === undefined) throw new SaslError('DIGEST-MD5 challenge has no nonce')
    const qops = (d.get('qop') ?? 'auth').split(',').map((q) => q.trim())
    if (!qops.includes('auth')) throw new SaslError(`DIGEST-MD5 challenge offers qop ${d.get('qop')}, not auth`)
    const utf8 = d.get('charset')?.toLowerCase() === 'utf-8'
    const realm = d.get('realm') ?? this.options.realm ?? zooKeeperSaslRealm
    this.inputs = {
      username: charsetBytes(this.options.username, utf8),
      realm: charsetBytes(realm, utf8),
      password: charsetBytes(this.options.password, utf8),
      nonce,
      cnonce: (this.options.cnonce ?? freshNonce)(),
      nc: '00000001',
      digestUri: this.options.digestUri ?? zooKeeperDigestUri,
      authzid: undefined,
    }
    const i = this.inputs
    const directives = [
      ...(utf8 ? ['charset=utf-8'] : []),
      `username=${quote(i.username.toString('latin1'))}`,
      `realm=${quote(i.realm.toString('latin1'))}`,
      `nonce=${quote(nonce)}`,
      `nc=${i.nc}`,
      `cnonce=${quote(i.cnonce)}`,
      `digest-uri=${quote(i.digestUri)}`,
      'qop=auth',
      `response=${digestResponse(i, 'AUTHENTICATE')}`,
    ]
    return Buffer.from(directives.join(','), 'latin1')
  }

  private checkRspauth(d: Map<string, string>): undefined {
    const rspauth = d.get('rspauth')
    if (rspauth === undefined || this.inputs === undefined || rspauth.toLowerCase() !== digestResponse(this.inputs, '')) {
      throw new SaslError('DIGEST-MD5: the server did not prove it knows the password (rspauth)')
    }
    this.complete = true
    return undefined
  }
}
