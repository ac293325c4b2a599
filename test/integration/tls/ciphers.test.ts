// Method: the IANA/Java to OpenSSL cipher-suite name mapping checked against OpenSSL's own table
// (`openssl ciphers -stdname ALL` prints both names of every suite it knows), and ZooKeeper's
// default suite list (X509Util.getGCMCiphers, getCBCCiphers, getTLSv13Ciphers) checked to map to
// suites this Node offers.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { cipherList, openSslCipherName, TlsConfigError } from '../../../lib/host/tls.js'

/** [IANA name, OpenSSL name] for every suite the installed openssl knows. */
const table = execFileSync('openssl', ['ciphers', '-stdname', 'ALL'], { encoding: 'utf8' })
  .split('\n')
  .map((line) => /^(\S+)\s+-\s+(\S+)\s/.exec(line))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => [m[1] ?? '', m[2] ?? ''] as const)

const zooKeeperDefaults = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256',
]

describe('cipher suite names (ssl.ciphersuites)', () => {
  it('maps every IANA name it maps to the OpenSSL name openssl itself gives that suite', () => {
    expect(table.length).toBeGreaterThan(50)
    const mapped = table.filter(([iana]) => openSslCipherName(iana) !== undefined)
    expect(mapped.length).toBeGreaterThan(40)
    expect(mapped.filter(([iana, openssl]) => openSslCipherName(iana) !== openssl)).toEqual([])
  })

  it('maps every suite of ZooKeeper\'s default list to one this Node offers', () => {
    expect(cipherList(zooKeeperDefaults).split(':')).toHaveLength(zooKeeperDefaults.length)
  })

  it('takes OpenSSL names as they are, and refuses a name it does not know by name', () => {
    expect(cipherList(['ECDHE-RSA-AES128-GCM-SHA256', ' TLS_AES_128_GCM_SHA256 '])).toBe('ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256')
    expect(() => cipherList(['TLS_RSA_WITH_RC4_128_MD5'])).toThrow(TlsConfigError)
    expect(() => cipherList(['TLS_RSA_WITH_RC4_128_MD5'])).toThrow(/ssl\.ciphersuites: unknown or unsupported cipher suite TLS_RSA_WITH_RC4_128_MD5/)
    expect(() => cipherList([])).toThrow(/ssl\.ciphersuites: lists no cipher suite/)
  })
})
