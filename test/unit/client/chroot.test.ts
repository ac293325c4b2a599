// Method: pure mapping of requests, responses and notifications, against ZooKeeper's
// ClientCnxn.prependChroot / stripChroot behaviour.
import { describe, expect, it } from 'vitest'
import { notificationUnderChroot, prependChroot, requestUnderChroot, responseUnderChroot, stripChroot } from '../../../lib/client/chroot.js'
import type { Request, Response } from '../../../lib/protocol/requests.js'

describe('chroot paths', () => {
  it('prepends the chroot, mapping / to the chroot itself', () => {
    expect(prependChroot('/app', '/')).toBe('/app')
    expect(prependChroot('/app', '/a/b')).toBe('/app/a/b')
    expect(prependChroot('', '/a')).toBe('/a')
  })

  it('strips the chroot, mapping the chroot itself to /, and leaves other paths alone', () => {
    expect(stripChroot('/app', '/app')).toBe('/')
    expect(stripChroot('/app', '/app/a')).toBe('/a')
    expect(stripChroot('/app', '/apple')).toBe('/apple')
    expect(stripChroot('/app', '/other')).toBe('/other')
  })
})

describe('requests and responses under a chroot', () => {
  it('maps every path of multi, setWatches and getEphemerals on the way out', () => {
    const multi: Request = { op: 'multi', ops: [{ op: 'delete', path: '/a', version: -1 }, { op: 'check', path: '/', version: 1 }] }
    expect(requestUnderChroot('/app', multi)).toEqual({ op: 'multi', ops: [{ op: 'delete', path: '/app/a', version: -1 }, { op: 'check', path: '/app', version: 1 }] })
    const setWatches: Request = { op: 'setWatches', relativeZxid: 7, dataWatches: ['/d'], existWatches: ['/e'], childWatches: ['/'], persistentWatches: ['/p'], persistentRecursiveWatches: ['/r'] }
    expect(requestUnderChroot('/app', setWatches)).toEqual({
      op: 'setWatches', relativeZxid: 7, dataWatches: ['/app/d'], existWatches: ['/app/e'], childWatches: ['/app'], persistentWatches: ['/app/p'], persistentRecursiveWatches: ['/app/r'],
    })
    expect(requestUnderChroot('/app', { op: 'getEphemerals', prefix: '/' })).toEqual({ op: 'getEphemerals', prefix: '/app' })
    expect(requestUnderChroot('/app', { op: 'whoAmI' })).toEqual({ op: 'whoAmI' })
  })

  it('strips the chroot from create, multi create and getEphemerals results, and from events', () => {
    const stat = { czxid: 1, mzxid: 1, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 1 }
    const create: Request = { op: 'create', path: '/n-', data: new Uint8Array(), acl: [], mode: 2 }
    expect(responseUnderChroot('/app', create, { err: 0, path: '/app/n-0000000001', stat })).toMatchObject({ path: '/n-0000000001' })
    const multi = { err: 0, results: [{ op: 'create', err: 0, path: '/app/x', stat }, { op: 'delete', err: 0 }] } as Response
    expect(responseUnderChroot('/app', { op: 'multi', ops: [] }, multi)).toMatchObject({ results: [{ path: '/x' }, { op: 'delete' }] })
    expect(responseUnderChroot('/app', { op: 'getEphemerals', prefix: '/' }, { err: 0, paths: ['/app/e'] })).toEqual({ err: 0, paths: ['/e'] })
    expect(responseUnderChroot('/app', create, { err: -110 })).toEqual({ err: -110 })
    expect(notificationUnderChroot('/app', { type: 'NodeDeleted', path: '/app', zxid: 3 })).toEqual({ type: 'NodeDeleted', path: '/', zxid: 3 })
  })
})
