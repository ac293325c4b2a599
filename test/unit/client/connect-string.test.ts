// Method: pure functions on literal inputs; the host order is checked with a seeded random source.
import { describe, expect, it } from 'vitest'
import { formatHost, HostProvider, parseConnectString } from '../../../lib/client/connect-string.js'

describe('parseConnectString (ZooKeeper ConnectStringParser)', () => {
  it('reads several hosts and a chroot', () => {
    expect(parseConnectString('h1:2181,h2:2182/app/x')).toEqual({
      hosts: [
        { host: 'h1', port: 2181 },
        { host: 'h2', port: 2182 },
      ],
      chroot: '/app/x',
    })
  })

  it('defaults the port to 2181, treats a chroot of / as none, and reads bracketed IPv6', () => {
    expect(parseConnectString('zk/')).toEqual({ hosts: [{ host: 'zk', port: 2181 }], chroot: '' })
    expect(parseConnectString('[::1]:2183,[fe80::1]')).toEqual({
      hosts: [
        { host: '::1', port: 2183 },
        { host: 'fe80::1', port: 2181 },
      ],
      chroot: '',
    })
    expect(formatHost({ host: '::1', port: 2183 })).toBe('[::1]:2183')
  })

  it('rejects no host, a bad port and an invalid chroot with BADARGUMENTS', () => {
    for (const bad of ['', ',', 'h:0', 'h:65536', 'h:x', 'h:2181/a/', 'h:2181/a//b', '[::1']) {
      expect(() => parseConnectString(bad), bad).toThrow(expect.objectContaining({ code: 'BADARGUMENTS' }))
    }
  })
})

describe('HostProvider (ZooKeeper StaticHostProvider)', () => {
  const hosts = [1, 2, 3, 4].map((i) => ({ host: `h${i}`, port: 2181 }))

  it('keeps the written order without shuffling and goes round robin', () => {
    const provider = new HostProvider(hosts, Math.random, false)
    expect([1, 2, 3, 4, 5].map(() => provider.next().address.host)).toEqual(['h1', 'h2', 'h3', 'h4', 'h1'])
  })

  it('shuffles once with the given random source, deterministically', () => {
    const seeded = (): (() => number) => {
      let x = 42
      return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    }
    const a = new HostProvider(hosts, seeded()).order.map((h) => h.host)
    const b = new HostProvider(hosts, seeded()).order.map((h) => h.host)
    expect(a).toEqual(b)
    expect([...a].sort()).toEqual(['h1', 'h2', 'h3', 'h4'])
  })

  it('reports a failed round once every host was tried since the last connection', () => {
    const provider = new HostProvider(hosts.slice(0, 2), Math.random, false)
    expect(provider.next().roundFailed).toBe(false)
    expect(provider.next().roundFailed).toBe(false)
    expect(provider.next().roundFailed).toBe(true)
    provider.connected()
    expect(provider.next().roundFailed).toBe(false)
  })
})
