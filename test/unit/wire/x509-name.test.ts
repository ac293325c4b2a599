// Method: golden certificates, each with the subject Java's X500Principal.getName() printed for
// it (JDK 17, `CertificateFactory` then `getSubjectX500Principal().getName()`): escapes, a
// multi-valued name, attributes printed as OIDs, UTF-8, a v1 and a v3 certificate; then damaged bytes.
import { describe, expect, it } from 'vitest'
import { certificateSubject, X509NameError } from '../../../lib/wire/x509-name.js'

/** v1, RSA: `/DC=com/DC=acme/O=A, B+OU=x=y/CN= lead#;trail /emailAddress=a@b.c/UID=u1` (openssl req -multivalue-rdn). */
const awkward = [
  'MIIDDzCCAfcCAQkwDQYJKoZIhvcNAQELBQAwEjEQMA4GA1UEAwwHVGVzdCBDQTAeFw0yNjEyMDIwMjQ1MjJaFw0yNjEyMDcwMjQ1',
  'MjJaMIGIMRMwEQYKCZImiZPyLGQBGRYDY29tMRQwEgYKCZImiZPyLGQBGRYEYWNtZTEZMAoGA1UECwwDeD15MAsGA1UECgwEQSwg',
  'QjEWMBQGA1UEAwwNIGxlYWQjO3RyYWlsIDEUMBIGCSqGSIb3DQEJARYFYUBiLmMxEjAQBgoJkiaJk/IsZAEBDAJ1MTCCASIwDQYJ',
  'KoZIhvcNAQEBBQADggEPADCCAQoCggEBALDVxssWMl7RgDOOpmkjhEWhJtJXOxf3bZLeQQsoaJPADUDg23SaLZcZMBHkekb8WvnX',
  'l53BHIYwBeRGpaX23gl56xeC8eAmQpUQ28nahH9ppJfZVwhC66F+D+ahxD9nnsUrDtb9vE8MlCiwWVChd/W2URVINfFiHVWrdxY4',
  'vkxYBgA25p6LmQvlYpPY/I0oKQacTZBMHu4QuYowwS1p9MNZq3acVfcmzetwswyk/Faelbt5SX1vafdMhyZQqXbd76UnGy6lWq36',
  'yg7cSXlbTXTOjGG7czifxi+uINz7vsmJAx1nZqPBiCoaaLtwqJtTeKNob8zilHObQ5nHwi+2ZOUCAwEAATANBgkqhkiG9w0BAQsF',
  'AAOCAQEAQ4o2ca4L/vsyTfnXTgEElFUJg0fcikomyQp5v2MbtpXh+C3dgLt0WeKrt7ofvTYxP7svUOZ3lw5OWn1BN/qki/jCWWPW',
  'agkIsPNuNduz/N78ta1WHQn0nQ880BP0K48haYoDSNDg+ZLMnOt2csPH3RGe7xbrN7CZmyWwjrwjykljzJhthaG5Axyx4uaP4B/F',
  'PJytzCSs+/okGb06cqWqWMwh5wwx0w4YUhtHrO1jgGC3JFHDPYnMlxclgDt1DenSNcbVJOz1qHKk1aFDesm5D5pqHJuapLWtZyuC',
  '5ces3WwdXnf8JGee5qlMqxlvPkKGsl3IXNpwwEJDjDn4tzV4rA==',
].join('')

/** v3, EC, UTF-8: `/C=DE/L=München/street=Main St 1/O=Acme/CN=Jörg/serialNumber=42`. */
const utf8 = [
  'MIICFTCCAbugAwIBAgIUWn6UO4e4C59Nh12Xj9n4J97q77EwCgYIKoZIzj0EAwIwYDELMAkGA1UEBhMCREUxETAPBgNVBAcMCE3D',
  'vG5jaGVuMRIwEAYDVQQJDAlNYWluIFN0IDExDTALBgNVBAoMBEFjbWUxDjAMBgNVBAMMBUrDtnJnMQswCQYDVQQFEwI0MjAeFw0y',
  'NjEyMDIwMzA0MjdaFw0zNjExMjkwMzA0MjdaMGAxCzAJBgNVBAYTAkRFMREwDwYDVQQHDAhNw7xuY2hlbjESMBAGA1UECQwJTWFp',
  'biBTdCAxMQ0wCwYDVQQKDARBY21lMQ4wDAYDVQQDDAVKw7ZyZzELMAkGA1UEBRMCNDIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC',
  'AATuoBrkgiczWXa0rhqwQQmdJpgkswyNv2eO0Jmi9frDO9enYlZezZLsOY7Z90jAYqE4vAdHbLYNf0dIM+Da9ZjMo1MwUTAdBgNV',
  'HQ4EFgQUM9cBBajvf3oNZXwC8IPlrPLSL3AwHwYDVR0jBBgwFoAUM9cBBajvf3oNZXwC8IPlrPLSL3AwDwYDVR0TAQH/BAUwAwEB',
  '/zAKBggqhkjOPQQDAgNIADBFAiBtMVUBCKfrRoB9YbArxTfIHzypmnL4LmuqcH+gnuus2AIhAPsErCR5FJNzR1vWnsvKKnliRRxq',
  'VEAFpW3zDwjvUB+N',
].join('')

const der = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'))

describe('certificateSubject (X500Principal.getName(), RFC 2253)', () => {
  it('prints relative names last first, escapes specials and edge blanks, joins a multi-valued name with +, and prints e-mail as its OID and hex', () => {
    expect(certificateSubject(der(awkward))).toBe('UID=u1,1.2.840.113549.1.9.1=#16056140622e63,CN=\\ lead\\#\\;trail\\ ,OU=x\\=y+O=A\\, B,DC=acme,DC=com')
  })

  it('reads a v3 certificate, decodes UTF-8, names STREET, and prints serialNumber (no RFC 2253 keyword) as its OID', () => {
    expect(certificateSubject(der(utf8))).toBe('2.5.4.5=#13023432,CN=Jörg,O=Acme,STREET=Main St 1,L=München,C=DE')
  })

  it('throws X509NameError on truncated or foreign bytes, never anything else', () => {
    const bytes = der(utf8)
    for (const cut of [0, 1, 2, 10, 100, bytes.length - 1]) expect(() => certificateSubject(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(X509NameError)
    expect(() => certificateSubject(new Uint8Array([0x04, 0x02, 0x00, 0x00]))).toThrow(X509NameError)
    expect(() => certificateSubject(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))).toThrow(X509NameError)
  })
})
