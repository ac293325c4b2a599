// Method: each attack from the hardening issue runs against a durable member in a child process
// on bare node with --unhandled-rejections=strict (an escaped error ends it); afterwards the child
// must be alive, its resident memory (VmRSS/VmHWM from /proc) under the stated bound, and a fresh
// client must still create and read. Loops are bounded in count and time; loopback only.
import { connect as connectSocket, type Socket } from 'node:net'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { JuteWriter, writeRequestFrame } from '../../../lib/wire/index.js'
import { RawClient, create, fourLetterWord } from '../wire/helpers.js'
import { cleanUp, startChild, stillServes, type Child } from './harness.js'
import { freePorts } from '../../interop/harness/ports.js'

const children: Child[] = []
afterEach(async () => {
  for (const child of children.splice(0)) await child.stop()
})
afterAll(cleanUp)

async function standalone(dataDir?: string): Promise<Child & { port: number }> {
  const child = await startChild('standalone', dataDir === undefined ? {} : { dataDir })
  children.push(child)
  return Object.assign(child, { port: child.ports.port as number })
}

/** Sends `requests` pipelined on one session and waits for every reply; returns the error codes. */
async function pipelined(port: number, requests: Parameters<RawClient['send']>[0][]): Promise<number[]> {
  const [client] = await RawClient.session(port)
  for (const request of requests) client.send(request)
  const errs: number[] = []
  for (let i = 0; i < requests.length; i++) {
    const reply = await client.reply()
    if (reply === undefined) break
    errs.push(reply.header.err)
  }
  client.destroy()
  return errs
}

/** The path of a chain of `depth` nested nodes under `root`, level by level. */
function chain(root: string, depth: number): string[] {
  const paths: string[] = []
  let path = root
  for (let i = 0; i < depth; i++) paths.push((path = `${path}/c`))
  return paths
}

/** The lines a child prints; `until(start)` resolves at the first line that starts with `start`, printed before or after the call. */
function outputLines(child: Child): { until(start: string): Promise<void> } {
  const seen: string[] = []
  const waiting: { start: string; resolve: () => void }[] = []
  let buffered = ''
  child.process.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end)
      buffered = buffered.slice(end + 1)
      seen.push(line)
      for (const w of waiting.filter((w) => line.startsWith(w.start))) w.resolve()
    }
  })
  return {
    until: (start) => (seen.some((line) => line.startsWith(start)) ? Promise.resolve() : new Promise((resolve) => waiting.push({ start, resolve }))),
  }
}

/** A HEALTH line's start for `state` (the reason follows). */
const healthIs = (state: string): string => `HEALTH {"state":"${state}"`

const fourLetterWords = ['ruok', 'srvr', 'stat', 'mntr', 'conf', 'cons', 'crst', 'dump', 'envi', 'srst', 'wchs', 'wchc', 'wchp', 'dirs', 'isro', 'gtmk']

function connected(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) })
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

describe('hostile input against a member in a child process', () => {
  it('survives a 7,000-deep chain with a quota over it, every four-letter word and admin command, and a restart that replays it', async () => {
    const child = await standalone()
    const depth = 7_000
    const errs = await pipelined(child.port, [create('/q', 0), ...chain('/q', depth).map((path) => create(path, 0, ''))])
    expect(errs.filter((e) => e !== 0)).toEqual([])
    // zkCli.sh's setquota: the limits node, then the stats node, under /zookeeper/quota/q.
    const quota = await pipelined(child.port, [create('/zookeeper/quota/q', 0, ''), create('/zookeeper/quota/q/zookeeper_limits', 0, 'count=10,bytes=-1'), create('/zookeeper/quota/q/zookeeper_stats', 0, 'count=0,bytes=0')])
    expect(quota).toEqual([0, 0, 0])
    // And a chain under /zookeeper/quota itself with a limits node at its bottom.
    const deepQuota = chain('/zookeeper/quota/q2', 3_000)
    expect((await pipelined(child.port, [create('/zookeeper/quota/q2', 0, ''), ...deepQuota.map((p) => create(p, 0, '')), create(`${deepQuota.at(-1)}/zookeeper_limits`, 0, 'count=1,bytes=-1')])).filter((e) => e !== 0)).toEqual([])
    for (const word of fourLetterWords) await fourLetterWord(child.port, word)
    const [client] = await RawClient.session(child.port)
    expect((await client.call({ op: 'getAllChildrenNumber', path: '/q' })).header.err).toBe(0)
    client.destroy()
    const admin = `http://127.0.0.1:${child.ports.adminPort}`
    const listed = (await (await fetch(`${admin}/commands`)).json()) as Record<string, unknown>
    for (const name of Object.keys(listed).slice(0, 60)) await (await fetch(`${admin}/commands/${name}`)).text()
    await fetch(`${admin}/metrics`)
    expect(child.alive()).toBe(true)
    await stillServes(child.port)
    // A restart replays the whole log, quota commits included.
    await child.stop()
    children.splice(children.indexOf(child), 1)
    const again = await standalone(child.dataDir)
    await stillServes(again.port)
    expect(again.alive()).toBe(true)
  })

  it('answers a multiRead that would build a response of gigabytes without growing past 600 MiB', async () => {
    const child = await standalone()
    const [writer] = await RawClient.session(child.port)
    expect((await writer.call({ op: 'create', path: '/big', data: new Uint8Array(1_048_000), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })).header.err).toBe(0)
    writer.destroy()
    const [reader] = await RawClient.session(child.port)
    reader.send({ op: 'multiRead', ops: Array.from({ length: 4_200 }, () => ({ op: 'getData' as const, path: '/big', watch: false })) })
    await Promise.race([reader.reply(), reader.closed])
    reader.destroy()
    expect(await child.peakMiB()).toBeLessThan(600)
    expect(child.alive()).toBe(true)
    await stillServes(child.port)
  })

  it('closes connections that send garbage or truncated frames, and keeps serving', async () => {
    const child = await standalone()
    let seed = 7
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let i = 0; i < 100; i++) {
      const socket = await connected(child.port)
      const size = 1 + Math.floor(random() * 2_000)
      socket.end(Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256))))
      await new Promise((resolve) => socket.once('close', resolve))
    }
    // A frame that declares more bytes than it sends, then goes silent.
    const truncated = await connected(child.port)
    const w = new JuteWriter()
    writeRequestFrame(w, 1, create('/t', 0))
    truncated.write(w.finish().subarray(0, 10))
    truncated.destroy()
    expect(child.alive()).toBe(true)
    await stillServes(child.port)
  })

  it('holds 2,000 idle connections from five loopback addresses within maxClientCnxns, under 300 MiB', async () => {
    const child = await standalone()
    const sockets: Socket[] = []
    try {
      for (let i = 0; i < 2_000; i++) {
        const socket = await connected(child.port, `127.0.0.${1 + (i % 5)}`).catch(() => undefined)
        if (socket !== undefined) {
          socket.on('error', () => {})
          sockets.push(socket)
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
      const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length
      expect(open).toBeLessThanOrEqual(5 * 60 + 5)
      expect(await child.rssMiB()).toBeLessThan(300)
      expect(child.alive()).toBe(true)
    } finally {
      for (const socket of sockets) socket.destroy()
    }
    await stillServes(child.port)
  })

  it('closes a client that stops reading while a watch firehose fires, and stays under 400 MiB', async () => {
    const child = await standalone()
    const [slow] = await RawClient.session(child.port)
    expect((await slow.call({ op: 'addWatch', path: '/', mode: 1 })).header.err).toBe(0)
    slow.socket.pause()
    const value = new Uint8Array(10_000)
    const [writer] = await RawClient.session(child.port)
    expect((await writer.call(create('/fire', 0))).header.err).toBe(0)
    const deadline = Date.now() + 20_000
    for (let round = 0; round < 40 && Date.now() < deadline && !slow.socket.destroyed; round++) {
      for (let i = 0; i < 500; i++) writer.send({ op: 'setData', path: '/fire', data: value, version: -1 })
      for (let i = 0; i < 500; i++) await writer.reply()
    }
    writer.destroy()
    expect(await child.peakMiB()).toBeLessThan(400)
    expect(child.alive()).toBe(true)
    slow.destroy()
    await stillServes(child.port)
  })

  it('refuses a peer-port connection that declares a 512 MiB frame before its hello', async () => {
    const [quorumPort, electionPort] = await freePorts(2)
    const child = await startChild('member', { args: [String(quorumPort), String(electionPort)] })
    children.push(child)
    const before = await child.rssMiB()
    for (const port of [quorumPort, electionPort]) {
      const socket = await connected(port as number)
      socket.on('error', () => {})
      const header = Buffer.alloc(4)
      header.writeUInt32BE(512 * 1024 * 1024)
      socket.write(header)
      socket.write(Buffer.alloc(64 * 1024, 7))
      await Promise.race([new Promise((resolve) => socket.once('close', resolve)), new Promise((resolve) => setTimeout(resolve, 3_000))])
      socket.destroy()
    }
    expect((await child.rssMiB()) - before).toBeLessThan(64)
    expect(child.alive()).toBe(true)
  })

  it('takes 250,000 pipelined creates from 200 sessions on a durable member, throttled by globalOutstandingLimit, then serves writes again', async () => {
    const child = await standalone()
    const sessionCount = 200
    const perSession = 1_250
    // 50 sessions from each of four loopback addresses: maxClientCnxns allows 60 per address.
    const sessions = await Promise.all(Array.from({ length: sessionCount }, (_, i) => RawClient.session(child.port, {}, `127.0.0.${1 + (i % 4)}`)))
    for (const [index, [client]] of sessions.entries()) {
      for (let i = 0; i < perSession; i++) client.send(create(`/load-${index}-${i}`, 0, 'x'))
    }
    const deadline = Date.now() + 150_000
    let answered = 0
    let ok = 0
    for (const [client] of sessions) {
      for (let i = 0; i < perSession && Date.now() < deadline; i++) {
        const reply = await client.reply()
        if (reply === undefined) break
        answered++
        if (reply.header.err === 0) ok++
      }
      client.destroy()
    }
    expect(answered).toBe(sessionCount * perSession)
    expect(ok).toBe(sessionCount * perSession)
    expect(await child.peakMiB()).toBeLessThan(800)
    expect(child.alive()).toBe(true)
    await stillServes(child.port)
  }, 180_000)

  it('survives a disk that fills up: writes fail with CONNECTIONLOSS, health says recovering, and once there is room it serves again with every acknowledged write', async () => {
    const child = await startChild('standalone-failable')
    children.push(child)
    const port = child.ports.port as number
    const output = outputLines(child)
    expect(await pipelined(port, [create('/acked', 0, 'kept')])).toEqual([0])
    const [writer] = await RawClient.session(port)
    child.process.kill('SIGUSR1')
    await output.until('DISK full')
    // A burst of writes meets the full disk: the connection is closed (CONNECTIONLOSS), none hangs.
    for (let i = 0; i < 200; i++) writer.send(create(`/during-${i}`, 0, 'x'))
    expect(await writer.reply()).toBeUndefined()
    await writer.closed
    await output.until(healthIs('recovering'))
    expect(await fourLetterWord(port, 'ruok')).toBe('')
    expect(await fourLetterWord(port, 'srvr')).toMatch(/^Health: recovering \(storage failed \(.*ENOSPC/m)
    child.process.kill('SIGUSR2')
    await output.until('DISK room')
    await output.until(healthIs('serving'))
    expect(child.alive()).toBe(true)
    await stillServes(port)
    const [client] = await RawClient.session(port)
    client.send({ op: 'getData', path: '/acked', watch: false })
    const reply = await client.reply()
    client.destroy()
    expect(reply?.header.err).toBe(0)
    expect(new TextDecoder().decode((reply?.response as { data: Uint8Array }).data)).toBe('kept')
  })
})

