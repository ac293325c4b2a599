// Method: ids checked against what Java's `new X500Principal(id)` accepted or refused (JDK 17,
// recorded by hand), as X509AuthenticationProvider.isValid decides; then the ACL rules that use it.
import { describe, expect, it } from 'vitest'
import { fixupACL, hasPermission, isValidId } from '../../../lib/tree/acl.js'
import { isX500Name } from '../../../lib/tree/x500-name.js'
import { Perms } from '../../../lib/protocol/data.js'

describe('isX500Name (X500Principal parses it)', () => {
  it.each([
    'CN=alice,OU=eng,O=Acme',
    'cn=alice, ou=eng',
    'CN=a=b,O=x\\#y',
    'CN=a\\,b',
    'CN= lead',
    '',
    'CN=alice;O=x',
    'EMAILADDRESS=a@b.c,CN=x',
    'CN=a+OU=b,O=c',
    '1.2.840.113549.1.9.1=#16056140622e63,CN=x',
    'CN="q,uoted"',
    'CN=é',
  ])('accepts %j', (id) => {
    expect(isX500Name(id)).toBe(true)
  })

  it.each(['x', 'garbage', 'CN=#abc', 'CN=x<y>z', 'FOO=bar', 'CN=a\\', 'CN="open', '=value'])('refuses %j', (id) => {
    expect(isX500Name(id)).toBe(false)
  })
})

describe('x509 in ACLs', () => {
  const alice = { scheme: 'x509', id: 'CN=alice,OU=eng,O=Acme' }

  it('is a scheme with valid ids (setACL with x509 is accepted), unlike an unknown scheme', () => {
    expect(isValidId('x509', alice.id)).toBe(true)
    expect(isValidId('x509', 'not a name')).toBe(false)
    expect(fixupACL([{ perms: Perms.ALL, id: alice }], [])).toEqual([{ perms: Perms.ALL, id: alice }])
  })

  it('matches the id exactly: another subject, or the same one written with blanks, does not', () => {
    const acl = [{ perms: Perms.READ, id: alice }]
    expect(hasPermission(acl, Perms.READ, [alice])).toBe(true)
    expect(hasPermission(acl, Perms.READ, [{ scheme: 'x509', id: 'CN=bob,O=Acme' }])).toBe(false)
    expect(hasPermission([{ perms: Perms.READ, id: { scheme: 'x509', id: 'CN=alice, OU=eng, O=Acme' } }], Perms.READ, [alice])).toBe(false)
    expect(hasPermission(acl, Perms.READ, [{ scheme: 'digest', id: alice.id }])).toBe(false)
  })

  it('stands for `auth` as digest does (X509AuthenticationProvider.isAuthenticated), ip not', () => {
    const fixed = fixupACL([{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }], [{ scheme: 'ip', id: '127.0.0.1' }, alice])
    expect(fixed).toEqual([{ perms: Perms.ALL, id: alice }])
  })
})
