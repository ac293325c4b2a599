// Method: the pure parts of the admin server's authentication called directly: Authorization
// header values against ZooKeeper 3.9's Commands.handleAuthentication (split at " ", one or two
// parts, a provider per scheme), the ACL of `/` against its handleAuthorization (each bit of ALL
// checked on its own), the shed_connections body, and the CLI's --auth syntax.
import { describe, expect, it } from 'vitest'
import { authorizationOf } from '../../../lib/cli/backup-command.js'
import { digestId } from '../../../lib/digest.js'
import { authenticate, authorized } from '../../../lib/host/admin-auth.js'
import { shedPercentage } from '../../../lib/host/admin-shed.js'
import { OPEN_ACL_UNSAFE, Perms, type ACL, type Id } from '../../../lib/protocol/data.js'

const origin = { address: '10.0.0.7', certificateSubject: undefined }
const source = { superDigest: digestId('super:pw'), x509SuperUser: 'CN=admin,O=Acme' }
const digest = (credential: string): Id => ({ scheme: 'digest', id: digestId(credential) })

describe('authenticate (the Authorization header)', () => {
  it('gives `digest user:password` the digest id addauth gives, and the super digest super too', () => {
    expect(authenticate('digest alice:secret', origin, source)).toEqual([digest('alice:secret')])
    expect(authenticate('digest super:pw', origin, source)).toEqual([digest('super:pw'), { scheme: 'super', id: '' }])
    expect(authenticate('digest alice:sec ret', origin, source)).toBeUndefined()
  })

  it('gives `ip` the client address and `x509` the verified subject, ignoring a credential, as ZooKeeper\'s providers do', () => {
    expect(authenticate('ip', origin, source)).toEqual([{ scheme: 'ip', id: '10.0.0.7' }])
    expect(authenticate('ip 192.168.0.1', origin, source)).toEqual([{ scheme: 'ip', id: '10.0.0.7' }])
    const alice = { address: '127.0.0.1', certificateSubject: 'CN=alice,O=Acme' }
    expect(authenticate('x509', alice, source)).toEqual([{ scheme: 'x509', id: 'CN=alice,O=Acme' }])
    expect(authenticate('x509', { ...alice, certificateSubject: 'CN=admin,O=Acme' }, source)).toEqual([{ scheme: 'super', id: 'CN=admin,O=Acme' }, { scheme: 'x509', id: 'CN=admin,O=Acme' }])
    expect(authenticate('x509', origin, source)).toBeUndefined()
  })

  it('authenticates nobody for an unknown scheme, a digest without user:password, or a header of no or three parts', () => {
    for (const header of ['', ' ', 'digest', 'digest alice', 'sasl alice:secret', 'world anyone', 'super pw', 'digest  alice:secret', 'digest alice:secret more', 'DIGEST alice:secret']) {
      expect(authenticate(header, origin, source), JSON.stringify(header)).toBeUndefined()
    }
    // Java's split drops trailing empty strings: a trailing blank is harmless.
    expect(authenticate('digest alice:secret  ', origin, source)).toEqual([digest('alice:secret')])
  })
})

describe('authorized (the ACL of `/`)', () => {
  const alice = digest('alice:secret')
  const on = (acl: readonly ACL[], skipACL = false) => ({ aclOf: (path: string) => (path === '/' ? acl : undefined), skipACL })

  it('needs every bit of ALL, from one entry or several', () => {
    expect(authorized(on([{ perms: Perms.ALL, id: alice }]), [alice])).toBe(true)
    expect(authorized(on([{ perms: Perms.ALL ^ Perms.ADMIN, id: alice }]), [alice])).toBe(false)
    expect(authorized(on([{ perms: Perms.READ | Perms.ADMIN, id: alice }, { perms: Perms.WRITE | Perms.CREATE | Perms.DELETE, id: { scheme: 'world', id: 'anyone' } }]), [alice])).toBe(true)
    expect(authorized(on([{ perms: Perms.ALL, id: alice }]), [digest('alice:wrong')])).toBe(false)
  })

  it('lets the open ACL, super and skipACL through, and refuses when there is no `/`', () => {
    expect(authorized(on(OPEN_ACL_UNSAFE), [digest('anyone:x')])).toBe(true)
    expect(authorized(on([{ perms: Perms.READ, id: alice }]), [{ scheme: 'super', id: '' }])).toBe(true)
    expect(authorized(on([{ perms: Perms.READ, id: alice }], true), [digest('bob:x')])).toBe(true)
    expect(authorized({ aclOf: () => undefined, skipACL: false }, [alice])).toBe(false)
  })

  it('matches ip ids against ip ACLs with prefixes', () => {
    const ip: Id = { scheme: 'ip', id: '10.0.0.7' }
    expect(authorized(on([{ perms: Perms.ALL, id: { scheme: 'ip', id: '10.0.0.0/8' } }]), [ip])).toBe(true)
    expect(authorized(on([{ perms: Perms.ALL, id: { scheme: 'ip', id: '10.0.1.0/24' } }]), [ip])).toBe(false)
  })
})

describe('shedPercentage (the shed_connections body)', () => {
  const body = (text: string) => shedPercentage(new TextEncoder().encode(text))

  it('takes an integer percentage from 0 to 100 and refuses anything else with ZooKeeper\'s words', () => {
    expect(body('{"percentage": 0}')).toEqual({ percentage: 0 })
    expect(body('{"percentage": 100, "other": true}')).toEqual({ percentage: 100 })
    expect(body('')).toEqual({ error: 'Request body is required' })
    expect(body('{"percentage": 101}')).toEqual({ error: 'Percentage must be between 0 and 100' })
    expect(body('{"percent": 5}')).toEqual({ error: 'Missing required field: percentage' })
    expect(body('null')).toEqual({ error: 'Missing required field: percentage' })
    expect(body('{"percentage": true}')).toEqual({ error: 'percentage must be an integer, got true' })
    expect(shedPercentage(new Uint8Array([0xff, 0xfe]))).toMatchObject({ error: expect.stringMatching(/^Invalid JSON or failed to read request body: /) })
  })
})

describe('authorizationOf (the CLI\'s --auth)', () => {
  it('turns SCHEME[:CREDENTIAL] into the header value, and refuses a malformed scheme', () => {
    expect(authorizationOf('digest:backup:s3:cret')).toBe('digest backup:s3:cret')
    expect(authorizationOf('ip')).toBe('ip')
    expect(authorizationOf(' x509 ')).toBe('x509')
    expect(authorizationOf(':secret')).toBeUndefined()
    expect(authorizationOf('digest user:pw')).toBeUndefined()
  })
})
