// Method: enforce ACLs through two in-process sessions with different credentials and check the
// NOAUTH / INVALIDACL answers and what getACL and whoAmI report.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CREATOR_ALL_ACL, digestId, Perms, READ_ACL_UNSAFE, type ZooKeeperClient } from '../../../lib/index.js'
import { startServer, type Server } from './helpers.js'

let server: Server
let alice: ZooKeeperClient
let anon: ZooKeeperClient

beforeEach(async () => {
  ;({ server } = await startServer({ superDigest: digestId('super:admin') }))
  alice = await server.connect()
  anon = await server.connect()
  await alice.addAuth('digest', 'alice:pw')
})
afterEach(async () => {
  await server.close()
})

describe('ACLs', () => {
  it('lets only the creator use a node created with CREATOR_ALL_ACL', async () => {
    await alice.create('/private', 'secret', { acl: CREATOR_ALL_ACL })
    expect((await alice.getACL('/private')).acl).toEqual([{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('alice:pw') } }])
    await expect(anon.getData('/private')).rejects.toMatchObject({ code: 'NOAUTH', errno: -102 })
    await expect(anon.setData('/private', 'x')).rejects.toMatchObject({ code: 'NOAUTH' })
    await expect(anon.create('/private/c')).rejects.toMatchObject({ code: 'NOAUTH' })
    await expect(anon.exists('/private')).rejects.toMatchObject({ code: 'NOAUTH' })
    await expect(anon.getChildren('/private')).rejects.toMatchObject({ code: 'NOAUTH' })
    await anon.addAuth('digest', 'alice:pw')
    expect(new TextDecoder().decode((await anon.getData('/private')).data)).toBe('secret')
  })

  it('refuses CREATOR_ALL_ACL from a session with no digest identity (INVALIDACL)', async () => {
    await expect(anon.create('/x', '', { acl: CREATOR_ALL_ACL })).rejects.toMatchObject({ code: 'INVALIDACL' })
  })

  it('checks DELETE on the parent, not the node', async () => {
    await alice.create('/p', '', { acl: [{ perms: Perms.ALL & ~Perms.DELETE, id: { scheme: 'world', id: 'anyone' } }] })
    await alice.create('/p/c')
    await expect(anon.delete('/p/c')).rejects.toMatchObject({ code: 'NOAUTH' })
  })

  it('needs ADMIN for setACL and bumps aversion, checking the expected one', async () => {
    await alice.create('/r', '', { acl: READ_ACL_UNSAFE })
    await expect(alice.setACL('/r', CREATOR_ALL_ACL)).rejects.toMatchObject({ code: 'NOAUTH' })
    await alice.create('/a', '')
    await expect(alice.setACL('/a', CREATOR_ALL_ACL, 5)).rejects.toMatchObject({ code: 'BADVERSION' })
    const stat = await alice.setACL('/a', CREATOR_ALL_ACL, 0)
    expect(stat.aversion).toBe(1)
    await expect(alice.setACL('/a', [])).rejects.toMatchObject({ code: 'INVALIDACL' })
  })

  it('masks digest hashes in getACL for a reader without ADMIN', async () => {
    const id = digestId('alice:pw')
    await alice.create('/m', '', { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id } }, ...READ_ACL_UNSAFE] })
    expect((await anon.getACL('/m')).acl[0]?.id).toEqual({ scheme: 'digest', id: 'alice:x' })
    expect((await alice.getACL('/m')).acl[0]?.id).toEqual({ scheme: 'digest', id })
  })

  it('lets the super user through every ACL', async () => {
    await alice.create('/private', 'secret', { acl: CREATOR_ALL_ACL })
    await anon.addAuth('digest', 'super:admin')
    await anon.setData('/private', 'changed')
    await anon.delete('/private')
  })

  it('grants by ip: in-process clients are 127.0.0.1', async () => {
    await alice.create('/local', '', { acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: '127.0.0.0/8' } }] })
    await anon.setData('/local', 'ok')
    await alice.create('/remote', '', { acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: '10.0.0.1' } }] })
    await expect(anon.getData('/remote')).rejects.toMatchObject({ code: 'NOAUTH' })
  })

  it('refuses an unknown auth scheme or malformed digest credential with AUTHFAILED', async () => {
    await expect(anon.addAuth('kerberos', 'x')).rejects.toMatchObject({ code: 'AUTHFAILED', errno: -115 })
    await expect(anon.addAuth('digest', 'no-colon')).rejects.toMatchObject({ code: 'AUTHFAILED' })
  })

  it('reports the identities a session holds with whoAmI', async () => {
    expect(await alice.whoAmI()).toEqual([
      { authScheme: 'ip', user: '127.0.0.1' },
      { authScheme: 'digest', user: 'alice' },
    ])
  })

  it('skips every check with skipACL', async () => {
    const { server: open } = await startServer({ skipACL: true })
    const a = await open.connect()
    await a.create('/r', '', { acl: READ_ACL_UNSAFE })
    await a.setData('/r', 'x')
    await open.close()
  })
})
