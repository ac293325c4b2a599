/**
 * The shell's TLS settings, given as zkCli takes them — `zookeeper.client.secure=true` and the
 * `zookeeper.ssl.*` keys, from a client configuration file (`-client-configuration F`) or as
 * `-Dkey=value` arguments — or with the shell's own flags: `--tls`, `--ca F`, `--cert F`,
 * `--key F`. Files are read here, so a missing or unreadable one stops the shell with its name
 * before anything connects.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { ConfigError, propertyLines } from '../../config/zoo-cfg.js'
import { cipherList, protocolRange } from '../../host/tls.js'
import { pemBlocks, readKeyStore, readTrustStore, TlsConfigError, type TlsStoreOptions } from '../../host/tls-stores.js'
import type { TcpTlsOptions } from '../../index.js'

/** The TLS arguments of the shell, as parsed from its command line. */
export interface ShellTlsArgs {
  /** `--tls`: speak TLS. */
  tls: boolean
  /** `--ca F`: PEM file of the CAs that vouch for the server. */
  ca: string | undefined
  /** `--cert F`: PEM file of the client's certificate (and key, if `--key` is not given). */
  cert: string | undefined
  /** `--key F`: PEM file of the client's private key. */
  key: string | undefined
  /** `-client-configuration F`: a ZooKeeper client configuration file. */
  clientConfiguration: string | undefined
  /** `-Dkey=value` arguments, in order (they override the file). */
  properties: [string, string][]
}

/** The client keys the shell reads, by their ZooKeeper names. */
const secureKey = 'zookeeper.client.secure'
const sslPrefix = 'zookeeper.ssl.'

/** TLS settings that cannot be used; the message names the setting or flag and the file. */
export class ShellTlsError extends Error {}

/** The empty argument set: no TLS. */
export function noTlsArgs(): ShellTlsArgs {
  return { tls: false, ca: undefined, cert: undefined, key: undefined, clientConfiguration: undefined, properties: [] }
}

async function clientConfiguration(path: string): Promise<Map<string, string>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ShellTlsError(`-client-configuration ${path}: cannot read the file: ${(error as Error).message}`)
  }
  try {
    return new Map(propertyLines(text, path).map((l) => [l.key, l.value]))
  } catch (error) {
    if (error instanceof ConfigError) throw new ShellTlsError(error.message)
    throw error
  }
}

/** The `zookeeper.*` properties: the file's, then the `-D` arguments over them. */
async function clientProperties(args: ShellTlsArgs): Promise<Map<string, string>> {
  const properties = args.clientConfiguration === undefined ? new Map<string, string>() : await clientConfiguration(args.clientConfiguration)
  for (const [key, value] of args.properties) properties.set(key, value)
  return properties
}

function store(properties: Map<string, string>, name: 'keyStore' | 'trustStore'): TlsStoreOptions | undefined {
  const key = (field: string) => properties.get(`${sslPrefix}${name}.${field}`)
  const location = key('location')
  if (location === undefined || location === '') return undefined
  return { location, password: key('password'), passwordPath: key('passwordPath'), type: key('type') }
}

const certificates = { noun: 'certificate', label: /^CERTIFICATE$/ }
const privateKeys = { noun: 'private key', label: /PRIVATE KEY$/ }

/** The PEM blocks of a kind in the file a flag names; the error names the flag and the file. */
async function pemFile(flag: string, path: string, kind: { noun: string; label: RegExp }, hint = ''): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ShellTlsError(`${flag} ${path}: cannot read the file: ${(error as Error).message}`)
  }
  const blocks = pemBlocks(text).filter((b) => kind.label.test(b.label))
  if (blocks.length === 0) throw new ShellTlsError(`${flag} ${path}: holds no PEM ${kind.noun}${hint}`)
  return blocks.map((b) => b.text).join('')
}

/** TLS from the shell's own flags; without --key the key is looked for in the --cert file. */
async function fromFlags(args: ShellTlsArgs): Promise<TcpTlsOptions> {
  const tls: TcpTlsOptions = {}
  if (args.ca !== undefined) tls.ca = await pemFile('--ca', args.ca, certificates)
  if (args.cert !== undefined) {
    tls.cert = await pemFile('--cert', args.cert, certificates)
    tls.key = args.key === undefined ? await pemFile('--cert', args.cert, privateKeys, ': give --key') : await pemFile('--key', args.key, privateKeys)
  } else if (args.key !== undefined) {
    throw new ShellTlsError('--key needs --cert: the certificate that goes with the key')
  }
  return tls
}

/** TLS from the ZooKeeper client keys. */
async function fromProperties(properties: Map<string, string>): Promise<TcpTlsOptions> {
  const tls: TcpTlsOptions = {}
  const keyStore = store(properties, 'keyStore')
  if (keyStore !== undefined) {
    const material = await readKeyStore(`${sslPrefix}keyStore`, keyStore)
    if (material.kind === 'pkcs12') tls.pfx = material.pfx
    else Object.assign(tls, { key: material.key, cert: material.cert })
    if (material.passphrase !== undefined) tls.passphrase = material.passphrase
  }
  const trustStore = store(properties, 'trustStore')
  if (trustStore !== undefined) tls.ca = await readTrustStore(`${sslPrefix}trustStore`, trustStore)
  if (/^false$/i.test(properties.get(`${sslPrefix}hostnameVerification`) ?? '')) tls.hostnameVerification = false
  const protocol = properties.get(`${sslPrefix}protocol`)
  const enabled = properties.get(`${sslPrefix}enabledProtocols`)
  if (protocol !== undefined || enabled !== undefined) {
    Object.assign(tls, protocolRange({ protocol, enabledProtocols: enabled?.split(',') }, 'zookeeper.ssl'))
  }
  const suites = properties.get(`${sslPrefix}ciphersuites`)
  if (suites !== undefined) tls.ciphers = cipherList(suites.split(','), `${sslPrefix}ciphersuites`)
  return tls
}

/**
 * The TLS options the shell connects with, or undefined for plain text. `warn` is told of
 * `zookeeper.ssl.*` settings given without `zookeeper.client.secure=true`, which zkCli ignores too.
 * @throws ShellTlsError naming the flag or setting and the file.
 */
export async function shellTls(args: ShellTlsArgs, warn: (line: string) => void): Promise<TcpTlsOptions | undefined> {
  try {
    const properties = await clientProperties(args)
    const secure = /^true$/i.test(properties.get(secureKey) ?? '')
    const flags = args.tls || args.ca !== undefined || args.cert !== undefined || args.key !== undefined
    if (!secure && !flags) {
      const ssl = [...properties.keys()].filter((k) => k.startsWith(sslPrefix))
      if (ssl.length > 0) warn(`${ssl.join(', ')} ignored: ${secureKey} is not true, so the connection is plain text`)
      return undefined
    }
    return { ...(secure ? await fromProperties(properties) : {}), ...(await fromFlags(args)) }
  } catch (error) {
    if (error instanceof TlsConfigError) throw new ShellTlsError(error.message)
    throw error
  }
}
