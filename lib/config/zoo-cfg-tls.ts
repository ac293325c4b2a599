/**
 * The TLS keys of zoo.cfg for the client port, as ZooKeeper 3.9 names them: the `ssl.*` key store,
 * trust store, protocol and cipher settings, `client.portUnification`, `client.certReload`,
 * `serverCnxnFactory` (accepted: Paddock has one connection factory), the `authProvider.N` lines
 * that register X509AuthenticationProvider (built in here), and the x509 superuser.
 *
 * Keys that would make ZooKeeper check something Paddock does not (certificate revocation, a
 * custom SSL context or auth provider class) stop the start rather than run with less protection
 * than the file asks for. `sslQuorum=true` with the `ssl.quorum.*` stores turns on member-to-member
 * TLS, and `portUnification=true` lets the member ports take plain text beside it
 * (lib/host/quorum-tls.ts). Parsing only: the files are read when the server starts (lib/host/tls.ts).
 * @module
 */

/** A key store or trust store as zoo.cfg describes it (`ssl.keyStore.*`, `ssl.trustStore.*`). */
export interface ZooCfgStore {
  /** `….location` */
  location: string | undefined
  /** `….password` */
  password: string | undefined
  /** `….passwordPath` */
  passwordPath: string | undefined
  /** `….type`: PEM, PKCS12 (JKS and BCFKS are refused when the server starts). */
  type: string | undefined
}

/** The client-port TLS settings of a zoo.cfg. */
export interface ZooCfgTls {
  /** ssl.keyStore.* */
  keyStore: ZooCfgStore
  /** ssl.trustStore.* */
  trustStore: ZooCfgStore
  /** ssl.clientAuth; undefined = need, as in ZooKeeper. */
  clientAuth: 'none' | 'want' | 'need' | undefined
  /** ssl.protocol */
  protocol: string | undefined
  /** ssl.enabledProtocols, split at commas. */
  enabledProtocols: string[] | undefined
  /** ssl.ciphersuites, split at commas. */
  ciphersuites: string[] | undefined
  /** ssl.hostnameVerification (default true): with it off, no hostname is verified at all. */
  hostnameVerification: boolean
  /** ssl.clientHostnameVerification (default false for clients, as ZooKeeper's ClientX509Util). */
  clientHostnameVerification: boolean
  /** client.portUnification: the plain-text client port accepts TLS too. */
  portUnification: boolean
  /** client.certReload: reload the key and trust stores when their files change. */
  certReload: boolean
  /** X509AuthenticationProvider.superUser (or its zookeeper.-prefixed system-property name). */
  x509SuperUser: string | undefined
  /** Member-to-member TLS: `sslQuorum` and the `ssl.quorum.*` keys. */
  quorum: ZooCfgQuorumTls
  /** The line of each TLS key set, for messages. */
  lines: Map<string, number>
}

/** The member-to-member TLS settings of a zoo.cfg. */
export interface ZooCfgQuorumTls {
  /** sslQuorum: dial other members with TLS (and, without portUnification, take only TLS). */
  enabled: boolean
  /** portUnification: the quorum and election ports take TLS and plain text alike. */
  portUnification: boolean
  /** ssl.quorum.keyStore.* */
  keyStore: ZooCfgStore
  /** ssl.quorum.trustStore.* */
  trustStore: ZooCfgStore
  /** ssl.quorum.hostnameVerification (default true). */
  hostnameVerification: boolean
  /** ssl.quorum.protocol */
  protocol: string | undefined
  /** ssl.quorum.enabledProtocols, split at commas. */
  enabledProtocols: string[] | undefined
  /** ssl.quorum.ciphersuites, split at commas. */
  ciphersuites: string[] | undefined
  /** sslQuorumReloadCertFiles: new certificates for new member connections when the files change. */
  reloadCertFiles: boolean
}

/** A TLS settings object with ZooKeeper's defaults. */
export function tlsDefaults(): ZooCfgTls {
  const store = (): ZooCfgStore => ({ location: undefined, password: undefined, passwordPath: undefined, type: undefined })
  return {
    keyStore: store(),
    trustStore: store(),
    clientAuth: undefined,
    protocol: undefined,
    enabledProtocols: undefined,
    ciphersuites: undefined,
    hostnameVerification: true,
    clientHostnameVerification: false,
    portUnification: false,
    certReload: false,
    x509SuperUser: undefined,
    quorum: { enabled: false, portUnification: false, keyStore: store(), trustStore: store(), hostnameVerification: true, protocol: undefined, enabledProtocols: undefined, ciphersuites: undefined, reloadCertFiles: false },
    lines: new Map(),
  }
}

/** The connection factories ZooKeeper offers; Paddock has one, so either name is accepted and changes nothing. */
const connectionFactories = new Set(['org.apache.zookeeper.server.NettyServerCnxnFactory', 'org.apache.zookeeper.server.NIOServerCnxnFactory'])

/** Auth provider classes whose scheme Paddock has built in. */
const builtInProviders = new Set([
  'org.apache.zookeeper.server.auth.X509AuthenticationProvider',
  'org.apache.zookeeper.server.auth.DigestAuthenticationProvider',
  'org.apache.zookeeper.server.auth.IPAuthenticationProvider',
  'org.apache.zookeeper.server.auth.SASLAuthenticationProvider',
])

/** Keys ZooKeeper reads that change nothing in Paddock, accepted without a warning. */
const acceptedKeys = new Set(['ssl.handshakeDetectionTimeoutMillis', 'ssl.sslProvider', 'ssl.allowReverseDnsLookup', 'zookeeper.fips-mode', 'fips-mode'])

/** Problems a TLS key reports: `problem(message)` is the error to throw (the caller adds file and line). */
export type TlsKeyProblem = (message: string) => Error

function flag(key: string, value: string, problem: TlsKeyProblem): boolean {
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw problem(`${key} must be true or false, got ${JSON.stringify(value)}`)
}

function list(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter((v) => v !== '')
}

function storeKey(store: ZooCfgStore, field: string, value: string): boolean {
  switch (field) {
    case 'location': store.location = value; return true
    case 'password': store.password = value; return true
    case 'passwordPath': store.passwordPath = value; return true
    case 'type': store.type = value; return true
    default: return false
  }
}

function clientAuthOf(value: string, problem: TlsKeyProblem): ZooCfgTls['clientAuth'] {
  const v = value.trim().toLowerCase()
  if (v === '') return 'need'
  if (v === 'none' || v === 'want' || v === 'need') return v
  throw problem(`ssl.clientAuth must be none, want or need, got ${JSON.stringify(value)}`)
}

/** Settings Paddock cannot honour; each stops the start, since running without them weakens what the file asks for. */
function refusal(key: string, value: string): string | undefined {
  if ((key === 'ssl.crl' || key === 'ssl.ocsp') && /^true$/i.test(value)) return `${key}=true is not supported: Paddock does not check certificate revocation; remove the key or revoke by replacing the CA`
  if (key === 'ssl.context.supplier.class') return `${key} names a Java class, which Paddock cannot load; configure the key and trust stores instead`
  if (key === 'ssl.authProvider' && value !== 'x509') return `${key}=${value}: only the built-in x509 provider authenticates TLS clients in Paddock`
  if ((key === 'ssl.quorum.crl' || key === 'ssl.quorum.ocsp') && /^true$/i.test(value)) return `${key}=true is not supported: Paddock does not check certificate revocation; remove the key or revoke by replacing the CA`
  if (key === 'ssl.quorum.context.supplier.class') return `${key} names a Java class, which Paddock cannot load; configure the ssl.quorum key and trust stores instead`
  if (key === 'ssl.quorum.clientAuth' && !/^(need)?$/i.test(value.trim())) return `${key}=${value} is not supported: members always present and verify certificates both ways (need)`
  if (key === 'serverCnxnFactory' && !connectionFactories.has(value)) return `serverCnxnFactory=${value} is not a ZooKeeper connection factory (NettyServerCnxnFactory or NIOServerCnxnFactory)`
  return undefined
}

/**
 * Applies one zoo.cfg line if it is a TLS key; returns whether it was one. `warn` receives lines
 * ZooKeeper would accept that change nothing here.
 * @throws what `problem` returns, for a bad value or a setting Paddock cannot honour.
 */
export function applyTlsKey(tls: ZooCfgTls, key: string, value: string, line: number, problem: TlsKeyProblem, warn: (message: string) => void): boolean {
  const refused = refusal(key, value)
  if (refused !== undefined) throw problem(refused)
  const store = /^ssl\.(keyStore|trustStore)\.(\w+)$/.exec(key)
  if (store !== null && storeKey(store[1] === 'keyStore' ? tls.keyStore : tls.trustStore, store[2] ?? '', value)) {
    tls.lines.set(key, line)
    return true
  }
  if (applyQuorumKey(tls.quorum, key, value, problem)) {
    tls.lines.set(key, line)
    return true
  }
  switch (key) {
    case 'ssl.clientAuth': tls.clientAuth = clientAuthOf(value, problem); break
    case 'ssl.protocol': tls.protocol = value; break
    case 'ssl.enabledProtocols': tls.enabledProtocols = list(value); break
    case 'ssl.ciphersuites': tls.ciphersuites = list(value); break
    case 'ssl.hostnameVerification': tls.hostnameVerification = flag(key, value, problem); break
    case 'ssl.clientHostnameVerification': tls.clientHostnameVerification = flag(key, value, problem); break
    case 'client.portUnification': tls.portUnification = flag(key, value, problem); break
    case 'client.certReload': tls.certReload = flag(key, value, problem); break
    case 'X509AuthenticationProvider.superUser':
    case 'zookeeper.X509AuthenticationProvider.superUser': tls.x509SuperUser = value; break
    case 'serverCnxnFactory':
    case 'ssl.authProvider':
    case 'ssl.crl':
    case 'ssl.ocsp':
      break
    default:
      if (key.startsWith('authProvider.')) {
        if (!builtInProviders.has(value)) warn(`${key}=${value} ignored: Paddock cannot load Java classes (x509, digest, ip and sasl are built in)`)
        break
      }
      if (acceptedKeys.has(key)) break
      return false
  }
  tls.lines.set(key, line)
  return true
}

/** Applies `sslQuorum` and the `ssl.quorum.*` keys; false for any other key. */
function applyQuorumKey(quorum: ZooCfgQuorumTls, key: string, value: string, problem: TlsKeyProblem): boolean {
  const store = /^ssl\.quorum\.(keyStore|trustStore)\.(\w+)$/.exec(key)
  if (store !== null) return storeKey(store[1] === 'keyStore' ? quorum.keyStore : quorum.trustStore, store[2] ?? '', value)
  switch (key) {
    case 'sslQuorum': quorum.enabled = flag(key, value, problem); return true
    case 'portUnification': quorum.portUnification = flag(key, value, problem); return true
    case 'ssl.quorum.hostnameVerification': quorum.hostnameVerification = flag(key, value, problem); return true
    case 'ssl.quorum.protocol': quorum.protocol = value; return true
    case 'ssl.quorum.enabledProtocols': quorum.enabledProtocols = list(value); return true
    case 'ssl.quorum.ciphersuites': quorum.ciphersuites = list(value); return true
    case 'ssl.quorum.clientAuth':
    case 'ssl.quorum.crl':
    case 'ssl.quorum.ocsp':
    case 'ssl.quorum.handshakeDetectionTimeoutMillis':
    case 'ssl.quorum.sslProvider':
      return true
    case 'sslQuorumReloadCertFiles': quorum.reloadCertFiles = flag(key, value, problem); return true
    default:
      return false
  }
}

/** The key that makes the member ports speak TLS (`sslQuorum`, else `portUnification`), or undefined when none does. */
export function quorumTlsKey(quorum: ZooCfgQuorumTls): 'sslQuorum' | 'portUnification' | undefined {
  if (quorum.enabled) return 'sslQuorum'
  return quorum.portUnification ? 'portUnification' : undefined
}

/**
 * The checks of the member-to-member keys: sslQuorum=true, or portUnification=true (whose ports
 * take TLS too), needs both stores (a member must not take any certificate a public CA signed as a
 * member's); `ssl.quorum.*` without either is reported.
 * @returns the problem that stops the start, if any
 */
export function quorumTlsProblem(quorum: ZooCfgQuorumTls, lines: ReadonlyMap<string, number>, warn: (message: string) => void): string | undefined {
  const asking = quorumTlsKey(quorum)
  if (asking !== undefined) {
    if (quorum.keyStore.location === undefined) return `${asking}=true but ssl.quorum.keyStore.location is not set: name this member's key and certificate`
    if (quorum.trustStore.location === undefined) return `${asking}=true but ssl.quorum.trustStore.location is not set: name the CA that signs the members' certificates`
    return undefined
  }
  const set = [...lines.keys()].filter((k) => k.startsWith('ssl.quorum.'))
  if (set.length > 0) warn(`${set.join(', ')} set, but neither sslQuorum nor portUnification is true: member-to-member traffic is plain text`)
  return undefined
}

/** Whether the file asks for TLS on a client port: secureClientPort, or a unified plain-text port. */
export function wantsTls(secureClientPort: number | undefined, tls: ZooCfgTls): boolean {
  return secureClientPort !== undefined || tls.portUnification
}

/**
 * The checks across keys: TLS asked for needs a key store; `ssl.*` settings with no TLS port are
 * reported, since ZooKeeper would not use them for clients either.
 * @returns the problem that stops the start, if any
 */
export function tlsProblem(secureClientPort: number | undefined, tls: ZooCfgTls, warn: (message: string) => void): string | undefined {
  if (wantsTls(secureClientPort, tls)) {
    if (tls.keyStore.location === undefined) {
      const asking = secureClientPort !== undefined ? 'secureClientPort' : 'client.portUnification=true'
      return `${asking} asks for TLS but ssl.keyStore.location is not set: name the server's key and certificate (a PEM file holding both, or PKCS12)`
    }
    return undefined
  }
  const set = [...tls.lines.keys()].filter((k) => (k.startsWith('ssl.') && !k.startsWith('ssl.quorum.')) || k.startsWith('client.'))
  if (set.length > 0) warn(`${set.join(', ')} set, but no client port speaks TLS: set secureClientPort (or client.portUnification=true)`)
  return undefined
}
