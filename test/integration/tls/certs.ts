// Test certificates made with Debian's `openssl` (3.0) in a temporary directory: two CAs, server
// certificates, and client certificates that are valid, expired, from the other CA, and under
// names the x509 tests use. EC P-256 keys, so the whole set takes well under a second.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The password of every encrypted key store here. */
export const storePassword = 'secret'

/** One party's key and certificate, as files. */
export interface Identity {
  /** PEM private key (PKCS8). */
  key: string
  /** PEM certificate. */
  cert: string
  /** PEM key store: the key and the certificate in one file, as ZooKeeper's `type=PEM` reads it. */
  keyStore: string
  /** The subject as `X500Principal.getName()` prints it: the x509 id. */
  subject: string
}

/** Every file the TLS tests use. */
export interface Certificates {
  dir: string
  /** The CA everything trusts (PEM certificate). */
  ca: string
  /** A second CA nobody trusts. */
  otherCa: string
  /** The server: subjectAltName IP:127.0.0.1 and DNS:localhost, usable for client auth too. */
  server: Identity
  /** Another server certificate from the same CA (for reloads). */
  server2: Identity
  /** The server's key store with its key encrypted under {@link storePassword}. */
  serverEncrypted: string
  /** The server's key and certificate as PKCS12, under {@link storePassword}. */
  serverP12: string
  /** A PEM key store whose key is alice's and whose certificate is the server's. */
  mismatched: string
  /** A valid client, subjectAltName IP:127.0.0.1. */
  alice: Identity
  /** A valid client without a subjectAltName. */
  bob: Identity
  /** A valid client, made superuser by the tests that want one. */
  admin: Identity
  /** alice's name, from CA1, expired in 2020. */
  expired: Identity
  /** alice's exact subject, from the other CA. */
  rogue: Identity
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir })
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new Error(missing ? 'the TLS tests make their certificates with openssl, which is not installed (run .ci/install-interop.sh as root)' : `openssl ${args.join(' ')} failed: ${(error as Error).message}`)
  }
}

async function makeCa(dir: string, name: string, subject: string): Promise<void> {
  await openssl(dir, ['req', '-x509', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
}

/** Writes the extensions file of a leaf certificate. */
async function extensions(dir: string, name: string, san: string | undefined): Promise<string> {
  const file = `${name}.ext`
  const lines = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth,clientAuth']
  if (san !== undefined) lines.push(`subjectAltName=${san}`)
  await writeFile(join(dir, file), `${lines.join('\n')}\n`)
  return file
}

async function keyStore(dir: string, name: string): Promise<string> {
  const text = (await readFile(join(dir, `${name}.key`), 'utf8')) + (await readFile(join(dir, `${name}.pem`), 'utf8'))
  await writeFile(join(dir, `${name}-keystore.pem`), text)
  return join(dir, `${name}-keystore.pem`)
}

/** A leaf signed by `ca` for `days` from now. */
async function makeLeaf(dir: string, name: string, subj: string, subject: string, ca: string, san?: string, serial = 1): Promise<Identity> {
  await openssl(dir, ['req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj])
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(serial), '-days', '30',
    '-extfile', await extensions(dir, name, san), '-out', `${name}.pem`])
  return { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`), keyStore: await keyStore(dir, name), subject }
}

/**
 * A leaf signed by `ca` valid only in January 2020. openssl 3.0's `x509 -req` cannot set a start
 * date (no -not_before), so `openssl ca` signs it, with a throwaway database.
 */
async function makeExpired(dir: string, name: string, subj: string, subject: string, ca: string): Promise<Identity> {
  await mkdir(join(dir, 'ca-db'), { recursive: true })
  await writeFile(join(dir, 'ca-db/index.txt'), '')
  await writeFile(join(dir, 'ca-db/serial'), '1000\n')
  await writeFile(join(dir, 'ca.cnf'), [
    '[ ca ]', 'default_ca = test', '[ test ]', 'database = ca-db/index.txt', 'new_certs_dir = ca-db', 'serial = ca-db/serial',
    'default_md = sha256', 'policy = any', 'preserve = yes', 'unique_subject = no', 'copy_extensions = none', 'x509_extensions = leaf',
    '[ any ]', 'commonName = supplied', 'organizationName = optional', 'organizationalUnitName = optional',
    '[ leaf ]', 'basicConstraints = CA:FALSE', 'extendedKeyUsage = serverAuth,clientAuth', '',
  ].join('\n'))
  await openssl(dir, ['req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj])
  await openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-cert', `${ca}.pem`, '-keyfile', `${ca}.key`, '-in', `${name}.csr`, '-out', `${name}.pem`,
    '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-notext'])
  return { key: join(dir, `${name}.key`), cert: join(dir, `${name}.pem`), keyStore: await keyStore(dir, name), subject }
}

/** Makes the whole set in a new temporary directory (or `dir`). */
export async function makeCertificates(dir?: string): Promise<Certificates> {
  const at = dir ?? (await mkdtemp(join(tmpdir(), 'paddock-tls-')))
  await Promise.all([makeCa(at, 'ca', '/O=Paddock Test/CN=Test CA'), makeCa(at, 'other-ca', '/O=Elsewhere/CN=Other CA')])
  const [server, server2, alice, bob, admin, rogue] = await Promise.all([
    makeLeaf(at, 'server', '/O=Acme/CN=paddock-server', 'CN=paddock-server,O=Acme', 'ca', 'IP:127.0.0.1,DNS:localhost', 1),
    makeLeaf(at, 'server-2', '/O=Acme/CN=paddock-server-2', 'CN=paddock-server-2,O=Acme', 'ca', 'IP:127.0.0.1,DNS:localhost', 2),
    makeLeaf(at, 'alice', '/O=Acme/OU=eng/CN=alice', 'CN=alice,OU=eng,O=Acme', 'ca', 'IP:127.0.0.1', 3),
    makeLeaf(at, 'bob', '/O=Acme/CN=bob', 'CN=bob,O=Acme', 'ca', undefined, 4),
    makeLeaf(at, 'admin', '/O=Acme/CN=admin', 'CN=admin,O=Acme', 'ca', undefined, 5),
    makeLeaf(at, 'rogue', '/O=Acme/OU=eng/CN=alice', 'CN=alice,OU=eng,O=Acme', 'other-ca', 'IP:127.0.0.1', 6),
  ])
  const expired = await makeExpired(at, 'expired', '/O=Acme/OU=eng/CN=alice', 'CN=alice,OU=eng,O=Acme', 'ca')
  const serverEncrypted = join(at, 'server-encrypted.pem')
  await openssl(at, ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', 'server.key', '-out', 'server-encrypted.key', '-passout', `pass:${storePassword}`])
  await writeFile(serverEncrypted, (await readFile(join(at, 'server-encrypted.key'), 'utf8')) + (await readFile(server.cert, 'utf8')))
  const serverP12 = join(at, 'server.p12')
  await openssl(at, ['pkcs12', '-export', '-in', 'server.pem', '-inkey', 'server.key', '-out', 'server.p12', '-passout', `pass:${storePassword}`])
  const mismatched = join(at, 'mismatched-keystore.pem')
  await writeFile(mismatched, (await readFile(alice.key, 'utf8')) + (await readFile(server.cert, 'utf8')))
  return { dir: at, ca: join(at, 'ca.pem'), otherCa: join(at, 'other-ca.pem'), server, server2, serverEncrypted, serverP12, mismatched, alice, bob, admin, expired, rogue }
}

/** A file's text (PEM files for the typed client's options). */
export function pem(path: string): string {
  return readFileSync(path, 'utf8')
}

/** The typed client's TLS options for `who` (no certificate when undefined), trusting `ca`. */
export function clientTls(certs: Certificates, who?: Identity, ca = certs.ca): { ca: string; key?: string; cert?: string } {
  return { ca: pem(ca), ...(who === undefined ? {} : { key: pem(who.key), cert: pem(who.cert) }) }
}

/**
 * Ensemble members' certificates from the test CA, one per host (subjectAltName IP:<host>, CN
 * <name>-<i>), in files named <name>-<i> in `certs.dir`, for member-to-member TLS.
 */
export async function makeMemberCertificates(certs: Certificates, hosts: readonly string[], name = 'member', firstSerial = 100): Promise<Identity[]> {
  return Promise.all(hosts.map((host, i) => makeLeaf(certs.dir, `${name}-${i + 1}`, `/O=Acme/CN=${name}-${i + 1}`, `CN=${name}-${i + 1},O=Acme`, 'ca', `IP:${host}`, firstSerial + i)))
}
