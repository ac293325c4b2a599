/**
 * TLS between members (ZooKeeper's `sslQuorum=true` with the `ssl.quorum.*` keys): every quorum and
 * election connection is mutual TLS, each member presenting its certificate and verifying its
 * peer's against the quorum trust store. With `portUnification` the member's ports take plain-text
 * connections too, and it may dial in plain text (`sslQuorum=false`): the steps of turning TLS on
 * in a running ensemble. Read and checked before the member starts; a setting that cannot be
 * served stops the start with a {@link TlsConfigError} naming the `ssl.quorum.*` key.
 * @module
 */
import { resolve } from 'node:path'
import { createSecureContext, type SecureContextOptions } from 'node:tls'
import type { PeerTlsOptions } from '../peer/tls.js'
import { cipherList, protocolRange } from './tls.js'
import { readKeyStore, readTrustStore, TlsConfigError, type TlsStoreOptions } from './tls-stores.js'

/**
 * Member-to-member TLS. Both stores are required: without a trust store of its own, a member would
 * take any certificate a public CA signed as a member's.
 */
export interface QuorumTlsOptions {
  /** This member's key and certificate chain: a PEM file holding both, or PKCS12 (ssl.quorum.keyStore.*). */
  keyStore: TlsStoreOptions
  /** The CAs every member's certificate must chain to (ssl.quorum.trustStore.*). */
  trustStore: TlsStoreOptions
  /**
   * Check that a member's certificate names the host its `server.N` line gives (a DNS or IP
   * subject alternative name, as HTTPS checks a server): on the connections a member dials and on
   * those it accepts, where the member id the connection claims decides which host
   * (ssl.quorum.hostnameVerification). @defaultValue true
   */
  hostnameVerification?: boolean | undefined
  /** The protocol (ssl.quorum.protocol), as for the client port. @defaultValue 'TLSv1.3' */
  protocol?: string | undefined
  /** The protocols enabled (ssl.quorum.enabledProtocols). */
  enabledProtocols?: readonly string[] | undefined
  /** Cipher suites enabled (ssl.quorum.ciphersuites). */
  ciphersuites?: readonly string[] | undefined
  /**
   * Watch the key store and trust store files and use the new certificates for new connections
   * once they change, keeping open connections (sslQuorumReloadCertFiles). New files that cannot
   * be used are reported and the certificates in use kept. @defaultValue false
   */
  reloadCertFiles?: boolean | undefined
  /**
   * The quorum and election ports take plain-text connections too, told apart from TLS by their
   * first byte (zoo.cfg's `portUnification`), so members with and without TLS talk while an
   * ensemble is switched over one member at a time. A TLS connection gets every check a TLS-only
   * port makes; a plain-text one is not authenticated, and the leader runs the writes it forwards
   * without their clients' identities while this member dials with TLS. @defaultValue false
   */
  portUnification?: boolean | undefined
  /**
   * Dial other members with TLS (zoo.cfg's `sslQuorum`). false needs {@link QuorumTlsOptions.portUnification}:
   * the member takes TLS but still dials in plain text, the first step of turning TLS on in a
   * running ensemble. @defaultValue true
   */
  dialTls?: boolean | undefined
}

/** The key store and trust store files, absolute, for watching. */
export function quorumTlsFiles(options: QuorumTlsOptions): string[] {
  return [options.keyStore.location, options.trustStore.location].map((f) => resolve(f))
}

/**
 * Reads the stores and checks the protocols and suites; the secure context is built once, so a
 * key that does not match its certificate or a wrong password stops the start here.
 * @throws TlsConfigError naming the `ssl.quorum.*` setting and the file; TypeError for `dialTls`
 * false without `portUnification`.
 */
export async function loadQuorumTls(options: QuorumTlsOptions): Promise<PeerTlsOptions> {
  const portUnification = options.portUnification ?? false
  const dialTls = options.dialTls ?? true
  if (!dialTls && !portUnification) throw new TypeError('quorumTls.dialTls=false needs quorumTls.portUnification=true: a member that dials in plain text must take plain text too')
  const key = await readKeyStore('ssl.quorum.keyStore', options.keyStore)
  const context: SecureContextOptions = {
    ...(key.kind === 'pkcs12' ? { pfx: key.pfx, passphrase: key.passphrase } : { key: key.key, cert: key.cert, passphrase: key.passphrase }),
    ca: await readTrustStore('ssl.quorum.trustStore', options.trustStore),
    ...protocolRange(options, 'ssl.quorum'),
    ...(options.ciphersuites === undefined ? {} : { ciphers: cipherList(options.ciphersuites, 'ssl.quorum.ciphersuites') }),
  }
  try {
    createSecureContext(context)
  } catch (error) {
    throw new TlsConfigError('ssl.quorum.keyStore.location', options.keyStore.location, `cannot be used: ${(error as Error).message}`, { cause: error })
  }
  return { context, hostnameVerification: options.hostnameVerification ?? true, portUnification, dialTls }
}
