// Method: four-letter words over real sockets against a member's backend whose methods are spied
// on, counting what each word makes the server compute: a word off the whitelist and `ruok` read
// no figure at all, `srvr`/`stat` read counters but never list sessions or watches, and only the
// words that print them (mntr, dump, wchs) do. ZooKeeper 3.9.5 checks the whitelist first too
// (NIOServerCnxn.checkFourLetterWord, before the command runs).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createServer } from '../../../lib/host/server.js'
import type { RunningMember } from '../../../lib/host/running-member.js'
import { MemberClientPortBackend } from '../../../lib/host/client-port.js'
import { startClientPort, type ClientPort } from '../../../lib/wire/server.js'
import { fourLetterWord } from './helpers.js'

let server: RunningMember
let backend: MemberClientPortBackend
let port: ClientPort

beforeEach(async () => {
  server = (await createServer()) as RunningMember
  const zk = await server.connect()
  await zk.create('/a', 'data')
  await zk.getData('/a', { watch: () => {} })
  backend = new MemberClientPortBackend(server.member)
  port = await startClientPort(backend, { fourLetterWordsWhitelist: 'ruok,stat,mntr,dump,wchs', logger: { warn: () => {}, info: () => {} } })
})
afterEach(async () => {
  vi.restoreAllMocks()
  await port.close()
  await server.close()
})

/** Spies on everything a word may compute; each answer counts its calls. */
function spies() {
  const member = server.member
  return {
    serverInfo: vi.spyOn(backend, 'serverInfo'),
    watches: vi.spyOn(member.watches, 'byPath'),
    sessions: vi.spyOn(member.sessions, 'all'),
  }
}

describe('what a four-letter word computes', () => {
  it('checks the whitelist before computing anything', async () => {
    const spy = spies()
    expect(await fourLetterWord(port.address.port, 'cons')).toBe('cons is not executed because it is not in the whitelist.\n')
    expect(spy.serverInfo).not.toHaveBeenCalled()
  })

  it('answers ruok without reading the server figures', async () => {
    const spy = spies()
    expect(await fourLetterWord(port.address.port, 'ruok')).toBe('imok')
    expect(spy.serverInfo).not.toHaveBeenCalled()
  })

  it('answers srvr and stat without listing sessions or watches', async () => {
    const spy = spies()
    expect(await fourLetterWord(port.address.port, 'srvr')).toContain(`Node count: ${server.member.tree.size + 1}\n`)
    expect(await fourLetterWord(port.address.port, 'stat')).toContain('Mode: standalone\n')
    expect(spy.serverInfo).toHaveBeenCalledTimes(2)
    expect(spy.watches).not.toHaveBeenCalled()
    expect(spy.sessions).not.toHaveBeenCalled()
  })

  it('lists watches and sessions only for the words that print them, once per answer', async () => {
    const spy = spies()
    const mntr = await fourLetterWord(port.address.port, 'mntr')
    expect(mntr).toContain('zk_watch_count\t1\n')
    expect(mntr).toContain(`zk_approximate_data_size\t${server.member.tree.approximateDataSize}\n`)
    expect(spy.watches).toHaveBeenCalledTimes(1)
    expect(spy.sessions).toHaveBeenCalledTimes(1)
    await fourLetterWord(port.address.port, 'wchs')
    expect(spy.watches).toHaveBeenCalledTimes(2)
    expect(spy.sessions).toHaveBeenCalledTimes(1)
    await fourLetterWord(port.address.port, 'dump')
    expect(spy.sessions).toHaveBeenCalledTimes(2)
  })

  it('prints the approximate data size kept by the tree, equal to a count over every node', async () => {
    let expected = 0
    for (const path of server.member.tree.paths()) expected += path.length + server.member.tree.get(path)!.data.length
    expect(await fourLetterWord(port.address.port, 'mntr')).toContain(`zk_approximate_data_size\t${expected}\n`)
  })
})
