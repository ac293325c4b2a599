// Method: check digest ids against values computed independently (Python hashlib) and the ACL
// rules of PrepRequestProcessor.fixupACL and checkACL case by case.
import { describe, expect, it } from 'vitest'
import { OPEN_ACL_UNSAFE, Perms, type ACL } from '../../../lib/protocol/data.js'
import { digestId } from '../../../lib/digest.js'
import { fixupACL, hasPermission, isValidId } from '../../../lib/tree/acl.js'

describe('ACL rules', () => {
  it('builds digest ids as user:base64(sha1(user:password))', () => {
    expect(digestId('bob:secret')).toBe('bob:fyVmFCwVbTJYrznoSu1koqYEYF0=')
    expect(digestId('super:admin')).toBe('super:xQJmxLMiHGwaqBvst5y6rkB6HQs=')
  })

  it('rejects an empty ACL, unknown schemes and malformed ids (INVALIDACL)', () => {
    expect(fixupACL([], [])).toBeUndefined()
    expect(fixupACL([{ perms: 31, id: { scheme: 'kerberos', id: 'x' } }], [])).toBeUndefined()
    expect(fixupACL([{ perms: 31, id: { scheme: 'world', id: 'someone' } }], [])).toBeUndefined()
    expect(fixupACL([{ perms: 31, id: { scheme: 'digest', id: 'no-colon' } }], [])).toBeUndefined()
    expect(fixupACL([{ perms: 31, id: { scheme: 'ip', id: '300.1.1.1' } }], [])).toBeUndefined()
    expect(fixupACL([{ perms: 64, id: { scheme: 'world', id: 'anyone' } }], [])).toBeUndefined()
  })

  it('replaces auth with the session’s digest ids, and refuses auth without one', () => {
    const auth: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }]
    expect(fixupACL(auth, [{ scheme: 'ip', id: '127.0.0.1' }])).toBeUndefined()
    expect(fixupACL(auth, [{ scheme: 'ip', id: '127.0.0.1' }, { scheme: 'digest', id: 'bob:h' }])).toEqual([
      { perms: Perms.ALL, id: { scheme: 'digest', id: 'bob:h' } },
    ])
  })

  it('drops duplicate entries', () => {
    expect(fixupACL([...OPEN_ACL_UNSAFE, ...OPEN_ACL_UNSAFE], [])).toEqual([...OPEN_ACL_UNSAFE])
  })

  it('grants by world, by matching digest, by ip prefix, and to super', () => {
    const acl: ACL[] = [
      { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } },
      { perms: Perms.WRITE, id: { scheme: 'digest', id: 'bob:h' } },
      { perms: Perms.DELETE, id: { scheme: 'ip', id: '10.1.0.0/16' } },
    ]
    expect(hasPermission(acl, Perms.READ, [])).toBe(true)
    expect(hasPermission(acl, Perms.WRITE, [])).toBe(false)
    expect(hasPermission(acl, Perms.WRITE, [{ scheme: 'digest', id: 'bob:h' }])).toBe(true)
    expect(hasPermission(acl, Perms.WRITE, [{ scheme: 'digest', id: 'bob:other' }])).toBe(false)
    expect(hasPermission(acl, Perms.DELETE, [{ scheme: 'ip', id: '10.1.200.3' }])).toBe(true)
    expect(hasPermission(acl, Perms.DELETE, [{ scheme: 'ip', id: '10.2.0.1' }])).toBe(false)
    expect(hasPermission(acl, Perms.ADMIN, [{ scheme: 'super', id: '' }])).toBe(true)
  })

  it('validates ip ids, IPv6 included', () => {
    expect(isValidId('ip', '127.0.0.1')).toBe(true)
    expect(isValidId('ip', '10.0.0.0/8')).toBe(true)
    expect(isValidId('ip', '::1')).toBe(true)
    expect(isValidId('ip', 'fe80::1/64')).toBe(true)
    expect(isValidId('ip', '10.0.0.0/33')).toBe(false)
    expect(isValidId('ip', 'localhost')).toBe(false)
    expect(hasPermission([{ perms: 1, id: { scheme: 'ip', id: 'fe80::/16' } }], 1, [{ scheme: 'ip', id: 'fe80::1234' }])).toBe(true)
  })

  it('validates and matches sasl ids as SASLAuthenticationProvider does, the user "super" matching every one', () => {
    for (const id of ['alice', 'zk/host.example.com@EXAMPLE.COM', 'alice@EXAMPLE.COM', 'a/b']) expect(isValidId('sasl', id), id).toBe(true)
    for (const id of ['a@b@c', 'a/b/c@R', 'a@R/x']) expect(isValidId('sasl', id), id).toBe(false)
    const acl = [{ perms: Perms.READ, id: { scheme: 'sasl', id: 'alice' } }]
    expect(hasPermission(acl, Perms.READ, [{ scheme: 'sasl', id: 'alice' }])).toBe(true)
    expect(hasPermission(acl, Perms.READ, [{ scheme: 'sasl', id: 'bob' }])).toBe(false)
    expect(hasPermission(acl, Perms.READ, [{ scheme: 'digest', id: 'alice' }])).toBe(false)
    expect(hasPermission(acl, Perms.READ, [{ scheme: 'sasl', id: 'super' }])).toBe(true)
    expect(fixupACL([{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }], [{ scheme: 'ip', id: '1.2.3.4' }, { scheme: 'sasl', id: 'alice' }])).toEqual([
      { perms: Perms.ALL, id: { scheme: 'sasl', id: 'alice' } },
    ])
  })
})
