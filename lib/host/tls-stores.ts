/**
 * ZooKeeper's key stores and trust stores read for node:tls: the files `ssl.keyStore.location`
 * and `ssl.trustStore.location` name (and the client's `zookeeper.ssl.*` twins), in the formats
 * Node can read. A PEM key store holds the private key and the certificate chain in one file, as
 * ZooKeeper's `PEMFileLoader` reads it; a PKCS12 key store is handed to Node as `pfx`. JKS and
 * BCFKS are Java's own formats: they are refused with the command that converts them. Every error
 * names the setting and the file.
 * @module
 */
import { readFile } from 'node:fs/promises'

/** A key store or trust store file, with ZooKeeper's settings for it. */
export interface TlsStoreOptions {
  /** Path of the file (`ssl.keyStore.location`, `ssl.trustStore.location`). */
  location: string
  /** Password of a PKCS12 file, or of an encrypted private key in a PEM file (`….password`). */
  password?: string | undefined
  /**
   * Path of a file holding the password, read instead of `password` when given (ZooKeeper's
   * `….passwordPath`; one trailing newline is dropped).
   */
  passwordPath?: string | undefined
  /**
   * `PEM` or `PKCS12` (`JKS` and `BCFKS` are refused with how to convert them), case-insensitive.
   * @defaultValue from the file's extension (`.pem`, `.p12`, `.pfx`, `.jks`), else from its contents
   */
  type?: string | undefined
}

/** A TLS setting that cannot be served: a file that is missing, unreadable, of the wrong kind or locked by a wrong password. */
export class TlsConfigError extends Error {
  /** Stable code for programs: always 'TLS_CONFIG'. */
  readonly code = 'TLS_CONFIG'
  /** The setting at fault, by its zoo.cfg name (`ssl.keyStore.location`), or the option (`tls.key`). */
  readonly setting: string
  /** The file at fault, when there is one. */
  readonly path: string | undefined

  /** Creates the error; the message starts with the setting and the file. */
  constructor(setting: string, path: string | undefined, problem: string, options?: { cause?: unknown }) {
    super(`${setting}${path === undefined ? '' : ` ${path}`}: ${problem}`, options)
    this.name = 'TlsConfigError'
    this.setting = setting
    this.path = path
  }
}

/** A key store's contents as node:tls takes them: PEM key and chain, or a PKCS12 bundle. */
export type KeyMaterial =
  | { kind: 'pem'; key: string; cert: string; passphrase: string | undefined }
  | { kind: 'pkcs12'; pfx: Buffer; passphrase: string | undefined }

/** Which store is read, for messages: `ssl.keyStore` or `zookeeper.ssl.trustStore`, say. */
export type StorePrefix = string

type StoreType = 'PEM' | 'PKCS12' | 'JKS' | 'BCFKS'

const jksMagic = 0xfeedfeed

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, …) and its whole text. */
interface PemBlock {
  label: string
  text: string
}

/** The PEM blocks of `text`, in order. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = []
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g
  for (const match of text.matchAll(pattern)) blocks.push({ label: match[1] ?? '', text: `${match[0]}\n` })
  return blocks
}

async function readStoreFile(setting: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message
    throw new TlsConfigError(setting, path, `cannot read the file: ${why}`, { cause: error })
  }
}

/** The store's password: from passwordPath when given, else password. */
export async function storePassword(prefix: StorePrefix, store: TlsStoreOptions): Promise<string | undefined> {
  if (store.passwordPath === undefined) return store.password
  const text = (await readStoreFile(`${prefix}.passwordPath`, store.passwordPath)).toString('utf8')
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text
}

function declaredType(prefix: StorePrefix, store: TlsStoreOptions): StoreType | undefined {
  const type = store.type?.trim().toUpperCase()
  if (type === undefined || type === '') return undefined
  if (type === 'PEM' || type === 'PKCS12' || type === 'JKS' || type === 'BCFKS') return type
  throw new TlsConfigError(`${prefix}.type`, undefined, `unknown store type ${JSON.stringify(store.type)}: use PEM or PKCS12`)
}

// ZooKeeper's KeyStoreFileType.fromFilename, then the contents when the name says nothing.
function storeType(prefix: StorePrefix, store: TlsStoreOptions, bytes: Buffer): StoreType {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === jksMagic) return 'JKS'
  const declared = declaredType(prefix, store)
  if (declared !== undefined) return declared
  const extension = /\.([a-z0-9]+)$/i.exec(store.location)?.[1]?.toLowerCase()
  if (extension === 'pem' || extension === 'crt' || extension === 'key') return 'PEM'
  if (extension === 'p12' || extension === 'pfx') return 'PKCS12'
  if (extension === 'jks') return 'JKS'
  if (extension === 'bcfks') return 'BCFKS'
  return bytes.includes('-----BEGIN ') ? 'PEM' : 'PKCS12'
}

function javaStoreProblem(prefix: StorePrefix, store: TlsStoreOptions, type: 'JKS' | 'BCFKS', trust: boolean): TlsConfigError {
  const path = store.location
  const p12 = path.replace(/\.[a-z0-9]+$/i, '') + (trust ? '.pem' : '.p12')
  const how = trust
    ? `export its CA certificates as PEM: "keytool -exportcert -rfc -alias <alias> -keystore ${path} -file ${p12}" and set ${prefix}.location=${p12} with ${prefix}.type=PEM`
    : `convert it: "keytool -importkeystore -srckeystore ${path} -destkeystore ${p12} -deststoretype pkcs12" and set ${prefix}.location=${p12} with ${prefix}.type=PKCS12 (or export the key and certificates as one PEM file)`
  return new TlsConfigError(`${prefix}.location`, path, `a ${type} store, which only Java reads; ${how}`)
}

/**
 * Reads a key store: the private key and certificate chain the server (or a client) presents.
 * @throws TlsConfigError naming `${prefix}.location` (or `.password`, `.type`) and the file.
 */
export async function readKeyStore(prefix: StorePrefix, store: TlsStoreOptions): Promise<KeyMaterial> {
  const setting = `${prefix}.location`
  const bytes = await readStoreFile(setting, store.location)
  const type = storeType(prefix, store, bytes)
  if (type === 'JKS' || type === 'BCFKS') throw javaStoreProblem(prefix, store, type, false)
  const passphrase = await storePassword(prefix, store)
  if (type === 'PKCS12') return { kind: 'pkcs12', pfx: bytes, passphrase }
  const blocks = pemBlocks(bytes.toString('utf8'))
  const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.label))
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE')
  if (keys.length === 0) throw new TlsConfigError(setting, store.location, 'holds no private key (a PEM key store holds the key and the certificate chain in one file)')
  if (keys.length > 1) throw new TlsConfigError(setting, store.location, `holds ${keys.length} private keys; keep the one that matches the certificate`)
  if (certs.length === 0) throw new TlsConfigError(setting, store.location, 'holds no certificate (a PEM key store holds the key and the certificate chain in one file)')
  const key = keys[0] as PemBlock
  const encrypted = key.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(key.text)
  if (encrypted && (passphrase === undefined || passphrase === '')) {
    throw new TlsConfigError(`${prefix}.password`, store.location, 'the private key is encrypted: set the password')
  }
  return { kind: 'pem', key: key.text, cert: certs.map((c) => c.text).join(''), passphrase: encrypted ? passphrase : undefined }
}

/**
 * Reads a trust store: the CA certificates a peer's certificate must chain to, as PEM text. Only
 * PEM: Node cannot take the certificates out of a PKCS12 file, so that is refused with the
 * `openssl` command that does.
 * @throws TlsConfigError naming `${prefix}.location` and the file.
 */
export async function readTrustStore(prefix: StorePrefix, store: TlsStoreOptions): Promise<string> {
  const setting = `${prefix}.location`
  const bytes = await readStoreFile(setting, store.location)
  const type = storeType(prefix, store, bytes)
  if (type === 'JKS' || type === 'BCFKS') throw javaStoreProblem(prefix, store, type, true)
  if (type === 'PKCS12') {
    const pem = store.location.replace(/\.[a-z0-9]+$/i, '') + '.pem'
    throw new TlsConfigError(setting, store.location, `a PKCS12 trust store, which Node cannot read: "openssl pkcs12 -in ${store.location} -nokeys -out ${pem}" and set ${prefix}.location=${pem} with ${prefix}.type=PEM`)
  }
  const certs = pemBlocks(bytes.toString('utf8')).filter((b) => b.label === 'CERTIFICATE')
  if (certs.length === 0) throw new TlsConfigError(setting, store.location, 'holds no PEM certificate')
  return certs.map((c) => c.text).join('')
}
