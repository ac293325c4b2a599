// Method: create and setACL through in-process clients with ACLs naming the `super` scheme, checked
// against ZooKeeper 3.9.5 PrepRequestProcessor.fixupACL: a scheme with no provider in
// ProviderRegistry (only ip and digest, plus world:anyone, are there) is INVALIDACL; `super` is the
// identity a superDigest session holds, never a scheme an ACL may name.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { digestId, Perms, type ZooKeeperClient } from '../../../lib/index.js'
import { startServer, type Server } from './helpers.js'

let server: Server
let anon: ZooKeeperClient
let admin: ZooKeeperClient
const superAcl = [{ perms: Perms.ALL, id: { scheme: 'super', id: '' } }]

beforeEach(async () => {
  ;({ server } = await startServer({ superDigest: digestId('super:admin') }))
  anon = await server.connect()
  admin = await server.connect()
  await admin.addAuth('digest', 'super:admin')
})
afterEach(async () => {
  await server.close()
})

describe('the super scheme in ACLs', () => {
  it('refuses a create whose ACL names super with INVALIDACL, for anyone and for the superuser', async () => {
    await expect(anon.create('/s', '', { acl: superAcl })).rejects.toMatchObject({ code: 'INVALIDACL' })
    await expect(admin.create('/s', '', { acl: [{ perms: Perms.READ, id: { scheme: 'super', id: 'anyone' } }] })).rejects.toMatchObject({ code: 'INVALIDACL' })
    expect(await anon.exists('/s')).toBeNull()
  })

  it('refuses a setACL naming super, even next to a valid entry, and leaves the ACL as it was', async () => {
    await anon.create('/n')
    const before = await anon.getACL('/n')
    await expect(anon.setACL('/n', [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }, ...superAcl])).rejects.toMatchObject({ code: 'INVALIDACL' })
    expect(await anon.getACL('/n')).toEqual(before)
  })

  it('keeps the superuser’s own powers: a superDigest session passes every ACL', async () => {
    await anon.create('/locked', 'x', { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('someone:else') } }] })
    await expect(anon.getData('/locked')).rejects.toMatchObject({ code: 'NOAUTH' })
    expect((await admin.getString('/locked')).data).toBe('x')
  })
})
