// Method: an in-process client on a leading Pipeline whose commits the test drives
// (../server/held-member.ts); the member's readNow and submit are made to throw for one path, as
// an internal failure would (a full watch table throws RangeError), and what the client's calls
// then give is checked: a typed ZooKeeperError, and the session going on.
import { describe, expect, it } from 'vitest'
import { ZooKeeperError } from '../../../lib/errors.js'
import { connectInProcess } from '../../../lib/host/in-process.js'
import type { Request } from '../../../lib/protocol/requests.js'
import { heldMember } from '../server/held-member.js'

const boom = (request: Request): boolean => 'path' in request && request.path === '/boom'

describe('the in-process session\'s boundary', () => {
  it('fails a request the member throws on with SYSTEMERROR naming the cause, and serves the next', async () => {
    const { member, held, commitNext } = heldMember()
    const readNow = member.readNow.bind(member)
    const submit = member.submit.bind(member)
    const cause = new RangeError('Map maximum size exceeded')
    member.readNow = (channel, request) => {
      if (boom(request)) throw cause
      return readNow(channel, request)
    }
    member.submit = (channel, request, cxid, done) => {
      if (boom(request)) throw cause
      submit(channel, request, cxid, done)
    }
    const connecting = connectInProcess(member)
    commitNext()
    const client = await connecting

    const read = await client.exists('/boom').catch((error: unknown) => error)
    expect(read).toBeInstanceOf(ZooKeeperError)
    expect(read).toMatchObject({ code: 'SYSTEMERROR', cause, message: 'internal error while serving exists: RangeError: Map maximum size exceeded' })
    const write = await client.create('/boom').catch((error: unknown) => error)
    expect(write).toMatchObject({ code: 'SYSTEMERROR', cause })

    expect(await client.exists('/zookeeper')).not.toBeNull()
    const created = client.create('/fine')
    expect(held).toHaveLength(1)
    commitNext()
    expect(await created).toBe('/fine')
  })
})
