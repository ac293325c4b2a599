/**
 * TLS on the client port, configured as ZooKeeper configures it: the options an embedder passes
 * as `ServerOptions.tls` (and zoo.cfg's secureClientPort and `ssl.*` keys map onto), read and
 * checked before anything starts, turned into what the client port's TLS listeners take, and
 * reloaded when the certificate files change (`client.certReload`).
 *
 * A setting that cannot be served stops the start with a {@link TlsConfigError} naming the setting
 * and the file: there is no fallback to plain text.
 * @module
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { createSecureContext, getCiphers, type ConnectionOptions, type SecureContextOptions, type SecureVersion } from 'node:tls'
import { certReloadSettleMs } from '../limits.js'
import type { ClientAuth, ClientPortTlsOptions } from '../wire/server.js'
import type { ClientPortLogger } from '../wire/types.js'
import { readKeyStore, readTrustStore, TlsConfigError, type TlsStoreOptions } from './tls-stores.js'

export { TlsConfigError, type TlsStoreOptions } from './tls-stores.js'

/**
 * TLS on the client port. The server's key and certificate come from a key store file
 * (`keyStore`, as zoo.cfg's `ssl.keyStore.*`) or as PEM text (`key` and `cert`); the CAs that
 * client certificates must chain to from a trust store file or as PEM text (`ca`). Errors name the
 * setting by its zoo.cfg key (`ssl.keyStore.location` for `keyStore.location`).
 *
 * ```ts
 * const server = await createServer({
 *   port: 2181,
 *   tls: { port: 2281, keyStore: { location: '/etc/paddock/server.pem' }, trustStore: { location: '/etc/paddock/ca.pem' } },
 * })
 * ```
 */
export interface ServerTlsOptions {
  /**
   * Port of a listener that speaks only TLS (secureClientPort); 0 picks a free one. Without it,
   * TLS is served only by a plain-text port with `portUnification`. When it is given, the
   * plain-text port exists only if `ServerOptions.port` is given too.
   */
  port?: number | undefined
  /** Address the TLS listener binds (secureClientPortAddress). @defaultValue `ServerOptions.host` */
  host?: string | undefined
  /** The server's private key and certificate chain: a PEM file holding both, or a PKCS12 file (ssl.keyStore.*). */
  keyStore?: TlsStoreOptions | undefined
  /** The CAs client certificates must chain to: a PEM file (ssl.trustStore.*). @defaultValue Node's bundled root CAs */
  trustStore?: TlsStoreOptions | undefined
  /** The server's private key as PEM text, instead of `keyStore`. */
  key?: string | Uint8Array | undefined
  /** The server's certificate chain as PEM text, with `key`. */
  cert?: string | Uint8Array | undefined
  /** Passphrase of an encrypted `key`. */
  passphrase?: string | undefined
  /** Trusted CAs as PEM text, instead of `trustStore`. */
  ca?: string | Uint8Array | readonly (string | Uint8Array)[] | undefined
  /**
   * `need`: clients must present a certificate the CAs vouch for; `want`: they may present none,
   * but one they present must verify; `none`: none is asked for (ssl.clientAuth). A verified
   * certificate authenticates its client as `x509:<subject DN>`. @defaultValue 'need'
   */
  clientAuth?: ClientAuth | undefined
  /**
   * The protocol (ssl.protocol): `TLSv1.3` enables TLSv1.3 and TLSv1.2, `TLSv1.2` only TLSv1.2,
   * `TLS` both. @defaultValue 'TLSv1.3'
   */
  protocol?: string | undefined
  /** The protocols enabled, overriding `protocol` (ssl.enabledProtocols): `TLSv1.2`, `TLSv1.3`. */
  enabledProtocols?: readonly string[] | undefined
  /**
   * Cipher suites enabled (ssl.ciphersuites), by their IANA/Java names
   * (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, `TLS_AES_256_GCM_SHA384`) or OpenSSL's; an unknown one
   * is refused. Listing no TLSv1.3 suite disables TLSv1.3, as in Java. @defaultValue Node's defaults
   */
  ciphersuites?: readonly string[] | undefined
  /**
   * Refuse a client whose certificate does not name the address it connects from
   * (ssl.clientHostnameVerification, with ssl.hostnameVerification). @defaultValue false
   */
  clientHostnameVerification?: boolean | undefined
  /** The plain-text client port accepts TLS too, told apart by the first byte (client.portUnification). @defaultValue false */
  portUnification?: boolean | undefined
  /**
   * Watch the key store and trust store files and serve new connections with the new certificates
   * once they change, without closing open connections (client.certReload). @defaultValue false
   */
  certReload?: boolean | undefined
  /**
   * The certificate subject that is the superuser, in the form the `x509` scheme uses
   * (`CN=admin,O=Acme`; ZooKeeper's `zookeeper.X509AuthenticationProvider.superUser`).
   */
  x509SuperUser?: string | undefined
}

/** TLS settings read and checked: what the client port takes, and the files a reload watches. */
export interface LoadedTls {
  /** The client port's TLS options. */
  readonly clientPort: ClientPortTlsOptions
  /** The key store and trust store files (for client.certReload). */
  readonly files: readonly string[]
}

const supportedProtocols: readonly SecureVersion[] = ['TLSv1.2', 'TLSv1.3']

/** The protocols enabled: enabledProtocols, else what `protocol` enables (as ZooKeeper's SSLContextAndOptions). */
function enabledProtocols(options: Pick<ServerTlsOptions, 'protocol' | 'enabledProtocols'>, prefix: string): { setting: string; names: string[] } {
  if (options.enabledProtocols !== undefined) {
    return { setting: `${prefix}.enabledProtocols`, names: options.enabledProtocols.map((p) => p.trim()).filter((p) => p !== '') }
  }
  const protocol = (options.protocol ?? 'TLSv1.3').trim()
  return { setting: `${prefix}.protocol`, names: protocol === 'TLSv1.3' || protocol === 'TLS' ? ['TLSv1.2', 'TLSv1.3'] : [protocol] }
}

/**
 * Node's protocol range for the enabled protocols; anything but TLSv1.2 and TLSv1.3 is refused.
 * `prefix` names the settings in errors (`ssl`, or the client's `zookeeper.ssl`).
 */
export function protocolRange(options: Pick<ServerTlsOptions, 'protocol' | 'enabledProtocols'>, prefix = 'ssl'): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const { setting, names } = enabledProtocols(options, prefix)
  for (const name of names) {
    if (!supportedProtocols.includes(name as SecureVersion)) {
      throw new TlsConfigError(setting, undefined, `${JSON.stringify(name)} is not supported: Paddock speaks TLSv1.2 and TLSv1.3`)
    }
  }
  if (names.length === 0) throw new TlsConfigError(setting, undefined, 'enables no protocol')
  return {
    minVersion: names.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3',
    maxVersion: names.includes('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2',
  }
}

/** Key exchange parts of IANA names and how OpenSSL spells them (RSA key exchange has no prefix). */
const keyExchanges: ReadonlyMap<string, string> = new Map([
  ['ECDHE_ECDSA', 'ECDHE-ECDSA-'],
  ['ECDHE_RSA', 'ECDHE-RSA-'],
  ['DHE_RSA', 'DHE-RSA-'],
  ['DHE_DSS', 'DHE-DSS-'],
  ['RSA', ''],
])

/** The cipher part of an IANA TLSv1.2 name (after `_WITH_`) as OpenSSL spells it. */
function openSslCipher(cipher: string): string | undefined {
  const gcm = /^AES_(128|256)_GCM_(SHA256|SHA384)$/.exec(cipher)
  if (gcm !== null) return `AES${gcm[1]}-GCM-${gcm[2]}`
  const cbc = /^AES_(128|256)_CBC_(SHA|SHA256|SHA384)$/.exec(cipher)
  if (cbc !== null) return `AES${cbc[1]}-${cbc[2]}`
  const ccm = /^AES_(128|256)_CCM(_8)?$/.exec(cipher)
  if (ccm !== null) return `AES${ccm[1]}-CCM${ccm[2] === undefined ? '' : '8'}`
  if (cipher === 'CHACHA20_POLY1305_SHA256') return 'CHACHA20-POLY1305'
  return undefined
}

/**
 * OpenSSL's name for a cipher suite named as Java and IANA name it
 * (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256` is `ECDHE-RSA-AES128-GCM-SHA256`); TLSv1.3 suites and
 * OpenSSL names are the same in both. Undefined for a name it cannot map.
 */
export function openSslCipherName(name: string): string | undefined {
  if (/^TLS_(AES|CHACHA20)_[A-Z0-9_]+$/.test(name) && !name.includes('_WITH_')) return name
  const iana = /^(?:TLS|SSL)_([A-Z0-9_]+?)_WITH_([A-Z0-9_]+)$/.exec(name)
  if (iana === null) return /^[A-Z0-9-]+$/.test(name) ? name : undefined
  const prefix = keyExchanges.get(iana[1] ?? '')
  const cipher = openSslCipher(iana[2] ?? '')
  return prefix === undefined || cipher === undefined ? undefined : prefix + cipher
}

/** The `ciphers` string of node:tls for ssl.ciphersuites; a suite this Node does not know is refused by name. */
export function cipherList(suites: readonly string[], setting = 'ssl.ciphersuites'): string {
  const known = new Set(getCiphers())
  const names = suites.map((s) => s.trim()).filter((s) => s !== '')
  if (names.length === 0) throw new TlsConfigError(setting, undefined, 'lists no cipher suite')
  return names
    .map((suite) => {
      const openssl = openSslCipherName(suite)
      if (openssl === undefined || !known.has(openssl.toLowerCase())) {
        throw new TlsConfigError(setting, undefined, `unknown or unsupported cipher suite ${suite} (\`openssl ciphers -stdname\` lists the suites and their names)`)
      }
      return openssl
    })
    .join(':')
}

async function keyOptions(options: ServerTlsOptions): Promise<SecureContextOptions> {
  if (options.keyStore !== undefined && (options.key !== undefined || options.cert !== undefined)) {
    throw new TypeError('tls: give keyStore or key and cert, not both')
  }
  if (options.keyStore === undefined) {
    if (options.key === undefined || options.cert === undefined) {
      throw new TlsConfigError('ssl.keyStore.location', undefined, 'TLS needs the server\'s key and certificate: set the key store (or tls.key and tls.cert)')
    }
    return { key: pemText(options.key), cert: pemText(options.cert), passphrase: options.passphrase }
  }
  const material = await readKeyStore('ssl.keyStore', options.keyStore)
  if (material.kind === 'pkcs12') return { pfx: material.pfx, passphrase: material.passphrase }
  return { key: material.key, cert: material.cert, passphrase: material.passphrase }
}

function pemText(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8')
}

async function trustOptions(options: ServerTlsOptions): Promise<SecureContextOptions> {
  if (options.trustStore !== undefined) return { ca: await readTrustStore('ssl.trustStore', options.trustStore) }
  if (options.ca === undefined) return {}
  const list = Array.isArray(options.ca) ? options.ca : [options.ca as string | Uint8Array]
  return { ca: list.map(pemText) }
}

/** Tries the context as node:tls would build it, and says which setting is wrong when it cannot. */
function checkContext(context: SecureContextOptions, options: ServerTlsOptions): void {
  try {
    createSecureContext(context)
  } catch (error) {
    throw contextProblem(error as NodeJS.ErrnoException, options, context.pfx !== undefined)
  }
}

function contextProblem(error: NodeJS.ErrnoException, options: ServerTlsOptions, pkcs12: boolean): TlsConfigError {
  const store = options.keyStore
  const [setting, path] = store === undefined ? ['tls.key', undefined] : ['ssl.keyStore.location', store.location]
  const said = `${error.code ?? ''} ${error.message}`
  if (/KEY_VALUES_MISMATCH/.test(said)) return new TlsConfigError(setting, path, 'the private key does not belong to the certificate', { cause: error })
  if (/bad decrypt|mac verify failure|BAD_DECRYPT|MAC_VERIFY/i.test(said)) {
    return new TlsConfigError(store === undefined ? 'tls.passphrase' : 'ssl.keyStore.password', path, 'wrong password: the key cannot be decrypted', { cause: error })
  }
  if (/NO_CIPHER_MATCH/.test(said)) return new TlsConfigError('ssl.ciphersuites', undefined, 'no cipher suite listed can be used', { cause: error })
  if (/unsupported/i.test(said) && pkcs12) {
    return new TlsConfigError(setting, path, `cannot be read (${error.message}): a PKCS12 file made with legacy algorithms must be exported again with OpenSSL 3 ("openssl pkcs12 -export")`, { cause: error })
  }
  if (/unsupported|DECODER|PEM routines|bad base64/i.test(said)) {
    return new TlsConfigError(setting, path, `the private key cannot be read (${error.message}): it must be a PEM private key, unencrypted or with its password set`, { cause: error })
  }
  return new TlsConfigError(setting, path, `cannot be used: ${error.message}`, { cause: error })
}

/** The key store and trust store files, absolute, for watching. */
function storeFiles(options: ServerTlsOptions): string[] {
  return [options.keyStore?.location, options.trustStore?.location].filter((f): f is string => f !== undefined).map((f) => resolve(f))
}

/**
 * Reads and checks the TLS settings: the key store and trust store, the protocols and the cipher
 * suites; then builds the secure context once, so that a key that does not match its certificate
 * or a wrong password stops the start here.
 * @throws TlsConfigError naming the setting and the file.
 */
export async function loadServerTls(options: ServerTlsOptions): Promise<LoadedTls> {
  const context: SecureContextOptions = {
    ...(await keyOptions(options)),
    ...(await trustOptions(options)),
    ...protocolRange(options),
    ...(options.ciphersuites === undefined ? {} : { ciphers: cipherList(options.ciphersuites) }),
  }
  checkContext(context, options)
  const clientPort: ClientPortTlsOptions = {
    context,
    clientAuth: options.clientAuth ?? 'need',
    verifyClientHostname: options.clientHostnameVerification ?? false,
    portUnification: options.portUnification ?? false,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
  }
  return { clientPort, files: storeFiles(options) }
}

/**
 * What a command on the server's own machine connects to its TLS-only port with (`paddock server
 * status` and `start`'s probe): the server's own key and certificate as the client's, its trust
 * store as the CAs, and no hostname check (the probe dials loopback, which the server's
 * certificate need not name).
 * @throws TlsConfigError when the server's key store or trust store cannot be read.
 */
export async function selfProbeTls(options: ServerTlsOptions): Promise<ConnectionOptions> {
  const context = { ...(await keyOptions(options)), ...(await trustOptions(options)) }
  return { ...context, ...protocolRange(options), checkServerIdentity: () => undefined } as ConnectionOptions
}

/** A running watch of files; `close()` stops it. */
export interface FileWatch {
  /** Stops watching. */
  close(): void
}

/**
 * Calls `settled` once `files` changed and then stayed unchanged for `settleMs`. Each file's
 * directory is watched, so a file replaced by a rename (as `mv` or an atomic writer replaces it)
 * is seen too. `settled` must not throw.
 */
export function watchFiles(files: readonly string[], settled: () => void, settleMs: number, onError: (error: Error) => void): FileWatch {
  const byDirectory = new Map<string, Set<string>>()
  for (const file of files) {
    const names = byDirectory.get(dirname(file)) ?? new Set<string>()
    names.add(basename(file))
    byDirectory.set(dirname(file), names)
  }
  let timer: NodeJS.Timeout | undefined
  const changed = () => {
    clearTimeout(timer)
    timer = setTimeout(settled, settleMs)
    timer.unref()
  }
  const watchers: FSWatcher[] = []
  for (const [directory, names] of byDirectory) {
    const watcher = watch(directory, (_event, name) => {
      if (name === null || names.has(String(name))) changed()
    })
    watcher.on('error', onError)
    watcher.unref()
    watchers.push(watcher)
  }
  return {
    close() {
      clearTimeout(timer)
      for (const watcher of watchers) watcher.close()
    },
  }
}

/** What a reload replaces the TLS settings of. */
export interface SecureContextTarget {
  /** Serves new connections with `context` (see `ClientPort.setSecureContext`). */
  setSecureContext(context: SecureContextOptions): void
}

/**
 * With `certReload`, watches the key store and trust store files and gives `target` the new
 * certificates once they change (ZooKeeper's FileChangeWatcher for client.certReload). New files
 * that cannot be served are reported through `logger.warn` and the certificates in use are kept;
 * a successful reload is reported through `logger.info`. Undefined when there is nothing to watch.
 */
export function startCertificateReload(target: SecureContextTarget, options: ServerTlsOptions, logger: ClientPortLogger): FileWatch | undefined {
  const files = storeFiles(options)
  if (options.certReload !== true || files.length === 0) return undefined
  let running = false
  let again = false
  const reload = async (): Promise<void> => {
    if (running) return void (again = true)
    running = true
    try {
      const loaded = await loadServerTls(options)
      target.setSecureContext(loaded.clientPort.context)
      report(() => logger.info(`client port: reloaded the TLS certificates from ${files.join(', ')}`))
    } catch (error) {
      report(() => logger.warn(`client port: kept the TLS certificates in use; the changed files cannot be served: ${(error as Error).message}`))
    } finally {
      running = false
    }
    if (again) {
      again = false
      await reload()
    }
  }
  const onError = (error: Error) => report(() => logger.warn(`client port: watching the TLS certificate files failed: ${error.message}`))
  return watchFiles(files, () => void reload(), certReloadSettleMs, onError)
}

/** Runs a logger call; a logger that throws is not let through to the watcher. */
function report(write: () => void): void {
  try {
    write()
  } catch {
    // The line is lost.
  }
}
