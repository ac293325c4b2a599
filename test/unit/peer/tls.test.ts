// Method: the pure parts of the quorum TLS both member transports share (lib/peer/tls.ts), on
// certificates as node:tls describes a peer's (subject alternative names) and on sockets that never
// connect: which certificate may speak as which member, when the check applies, and what a TLS
// dial asks of the member it reaches.
import { Socket } from 'node:net'
import type { PeerCertificate } from 'node:tls'
import { describe, expect, it } from 'vitest'
import { certificateIdentityProblem, certificateVerified, dialsTls, memberCertificateProblem, tlsDialOptions, type PeerTlsOptions } from '../../../lib/peer/tls.js'
import type { PeerAddress } from '../../../lib/peer/transport.js'

/** A peer certificate as node:tls gives it, naming `altNames` (`IP Address:…`, `DNS:…`). */
const certificate = (altNames: string): PeerCertificate => ({ subject: { CN: 'member' }, subjectaltname: altNames }) as unknown as PeerCertificate

const member = (host: string, more: readonly string[] = []): PeerAddress => ({
  host, quorumPort: 2888, electionPort: 3888,
  ...(more.length === 0 ? {} : { addresses: [host, ...more].map((h) => ({ host: h, quorumPort: 2888, electionPort: 3888 })) }),
})

const tls = (overrides: Partial<PeerTlsOptions> = {}): PeerTlsOptions => ({ context: { ca: 'CA' }, hostnameVerification: true, ...overrides })

describe('memberCertificateProblem (a certificate speaking as a member)', () => {
  it('accepts a certificate naming the member\'s address or host name', () => {
    expect(memberCertificateProblem(certificate('IP Address:10.0.0.1'), member('10.0.0.1'))).toBeUndefined()
    expect(memberCertificateProblem(certificate('DNS:zoo1.example.com'), member('zoo1.example.com'))).toBeUndefined()
  })

  it('refuses a certificate naming another host, and says which names it has', () => {
    expect(memberCertificateProblem(certificate('IP Address:10.0.0.2'), member('10.0.0.1'))).toMatch(/IP: 10\.0\.0\.1 is not in the cert's list: 10\.0\.0\.2/)
    expect(memberCertificateProblem(certificate('DNS:zoo2.example.com'), member('zoo1.example.com'))).toMatch(/zoo1\.example\.com/)
  })

  it('accepts a certificate naming any one of a member\'s several addresses (ZooKeeper 3.6 multiple addresses)', () => {
    expect(memberCertificateProblem(certificate('IP Address:10.0.1.1'), member('10.0.0.1', ['10.0.1.1']))).toBeUndefined()
    expect(memberCertificateProblem(certificate('IP Address:10.0.2.1'), member('10.0.0.1', ['10.0.1.1']))).toMatch(/10\.0\.0\.1/)
  })
})

describe('certificateIdentityProblem (an accepted connection claiming a member id)', () => {
  // A plain socket: what a plain-text connection on a port with portUnification is.
  const plain = new Socket()

  it('checks nothing without TLS, with hostname verification off, or on a plain-text connection', () => {
    expect(certificateIdentityProblem(undefined, plain, 3, member('10.0.0.3'))).toBeUndefined()
    expect(certificateIdentityProblem(tls({ hostnameVerification: false }), plain, 3, member('10.0.0.3'))).toBeUndefined()
    expect(certificateIdentityProblem(tls({ portUnification: true }), plain, 3, member('10.0.0.3'))).toBeUndefined()
    expect(certificateVerified(plain)).toBe(false)
  })
})

describe('dialsTls and tlsDialOptions (a TLS dial to another member)', () => {
  it('dials with TLS unless dialTls is false (portUnification\'s first step)', () => {
    expect(dialsTls(undefined)).toBe(false)
    expect(dialsTls(tls())).toBe(true)
    expect(dialsTls(tls({ portUnification: true, dialTls: false }))).toBe(false)
  })

  it('presents our certificate, trusts only the quorum CAs, and sends SNI for a host name, never for an address', () => {
    expect(tlsDialOptions(tls(), 'zoo1.example.com', 3888)).toMatchObject({ ca: 'CA', host: 'zoo1.example.com', port: 3888, rejectUnauthorized: true, servername: 'zoo1.example.com' })
    expect(tlsDialOptions(tls(), '10.0.0.1', 3888)).not.toHaveProperty('servername')
  })

  it('with hostname verification, refuses an accepting member whose certificate does not name the host dialled', () => {
    const check = tlsDialOptions(tls(), '10.0.0.1', 3888).checkServerIdentity
    expect(check?.('10.0.0.1', certificate('IP Address:10.0.0.1'))).toBeUndefined()
    expect(check?.('10.0.0.1', certificate('IP Address:10.0.0.2'))?.message).toMatch(/10\.0\.0\.1 is not in the cert's list/)
    const unchecked = tlsDialOptions(tls({ hostnameVerification: false }), '10.0.0.1', 3888).checkServerIdentity
    expect(unchecked?.('10.0.0.1', certificate('IP Address:10.0.0.2'))).toBeUndefined()
  })
})
