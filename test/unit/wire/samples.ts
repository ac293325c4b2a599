// Shared fixtures for the wire tests: one sample of every request and response, a seeded PRNG and
// a random request generator (used by the round-trip and fuzz tests).

import type { Stat } from '../../../lib/protocol/data.js'
import type { ClientRequest, ClientResponse, MultiResult } from '../../../lib/protocol/jute-records.js'

/** A Stat whose every field differs, so a swapped field shows. */
export const sampleStat: Stat = {
  czxid: 0x100000001,
  mzxid: 0x100000002,
  ctime: 1_700_000_000_001,
  mtime: 1_700_000_000_002,
  version: 3,
  cversion: 4,
  aversion: 5,
  ephemeralOwner: 0x0100_0000_0000_0006n,
  dataLength: 7,
  numChildren: 8,
  pzxid: 0x100000009,
}

const openAcl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** One sample of every ClientRequest op. */
export const sampleRequests: ClientRequest[] = [
  { op: 'create', path: '/a', data: bytes('x'), acl: openAcl, flags: 0 },
  { op: 'create2', path: '/b', data: new Uint8Array(0), acl: openAcl, flags: 3 },
  { op: 'createContainer', path: '/c', data: bytes('c'), acl: openAcl, flags: 4 },
  { op: 'createTTL', path: '/t', data: bytes('t'), acl: openAcl, flags: 5, ttl: 0xff_ffff_ffff },
  { op: 'delete', path: '/a', version: -1 },
  { op: 'deleteContainer', path: '/c', version: 2 },
  { op: 'exists', path: '/a', watch: true },
  { op: 'getData', path: '/a', watch: false },
  { op: 'getChildren', path: '/', watch: true },
  { op: 'getChildren2', path: '/', watch: false },
  { op: 'setData', path: '/a', data: bytes('yy'), version: 7 },
  { op: 'check', path: '/a', version: 1 },
  { op: 'getACL', path: '/a' },
  { op: 'setACL', path: '/a', acl: [{ perms: 1, id: { scheme: 'digest', id: 'u:h' } }, ...openAcl], version: 0 },
  { op: 'sync', path: '/' },
  { op: 'getAllChildrenNumber', path: '/a' },
  {
    op: 'multi',
    ops: [
      { op: 'create', path: '/m', data: bytes('m'), acl: openAcl, flags: 1 },
      { op: 'createTTL', path: '/m2', data: bytes(''), acl: openAcl, flags: 6, ttl: 1000 },
      { op: 'delete', path: '/m', version: -1 },
      { op: 'setData', path: '/m', data: bytes('z'), version: -1 },
      { op: 'check', path: '/m', version: 0 },
    ],
  },
  { op: 'multi', ops: [] },
  { op: 'multiRead', ops: [{ op: 'getData', path: '/a', watch: false }, { op: 'getChildren', path: '/', watch: false }] },
  { op: 'ping' },
  { op: 'closeSession' },
  { op: 'whoAmI' },
  { op: 'auth', type: 0, scheme: 'digest', auth: bytes('user:pass') },
  { op: 'setWatches', relativeZxid: 0x200000003, dataWatches: ['/a'], existWatches: ['/b', '/c'], childWatches: [] },
  {
    op: 'setWatches2', relativeZxid: 5, dataWatches: [], existWatches: ['/e'], childWatches: ['/'],
    persistentWatches: ['/p'], persistentRecursiveWatches: ['/r', '/r2'],
  },
  { op: 'addWatch', path: '/a', mode: 1 },
  { op: 'checkWatches', path: '/a', type: 2 },
  { op: 'removeWatches', path: '/a', type: 3 },
  { op: 'getEphemerals', prefixPath: '/' },
  { op: 'sasl', token: bytes('tok') },
  { op: 'reconfig', joiningServers: 'server.4=h:2888:3888;2181', leavingServers: null, newMembers: null, curConfigId: -1 },
]

const sampleMultiResults: MultiResult[] = [
  { op: 'create', path: '/m' },
  { op: 'create2', path: '/m0000000001', stat: sampleStat },
  { op: 'delete' },
  { op: 'check' },
  { op: 'setData', stat: sampleStat },
  { op: 'error', err: -101 },
]

/** One sample of every ClientResponse op. */
export const sampleResponses: ClientResponse[] = [
  { op: 'create', path: '/a' },
  { op: 'create2', path: '/b', stat: sampleStat },
  { op: 'createContainer', path: '/c', stat: sampleStat },
  { op: 'createTTL', path: '/t0000000000', stat: sampleStat },
  { op: 'exists', stat: sampleStat },
  { op: 'setData', stat: sampleStat },
  { op: 'check', stat: sampleStat },
  { op: 'setACL', stat: sampleStat },
  { op: 'getData', data: bytes('hello'), stat: sampleStat },
  { op: 'getData', data: null, stat: sampleStat },
  { op: 'reconfig', data: bytes('server.1=h:2888:3888'), stat: sampleStat },
  { op: 'getACL', acl: openAcl, stat: sampleStat },
  { op: 'getChildren', children: ['a', 'b'] },
  { op: 'getChildren2', children: [], stat: sampleStat },
  { op: 'sync', path: '/' },
  { op: 'multi', results: sampleMultiResults },
  {
    op: 'multiRead',
    results: [
      { op: 'getData', data: bytes('d'), stat: sampleStat },
      { op: 'getChildren', children: ['x'] },
      { op: 'error', err: -101 },
    ],
  },
  { op: 'getEphemerals', ephemerals: ['/e1', '/e2'] },
  { op: 'getAllChildrenNumber', totalNumber: 42 },
  { op: 'whoAmI', clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }, { authScheme: 'digest', user: 'u' }] },
  { op: 'sasl', token: bytes('t') },
  { op: 'addWatch' },
  { op: 'delete' },
  { op: 'deleteContainer' },
  { op: 'ping' },
  { op: 'closeSession' },
  { op: 'auth' },
  { op: 'setWatches' },
  { op: 'setWatches2' },
  { op: 'checkWatches' },
  { op: 'removeWatches' },
]

/** A seeded PRNG (mulberry32): deterministic, so a failing seed replays. */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [0, n). */
export function randInt(rng: () => number, n: number): number {
  return Math.floor(rng() * n)
}

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_é中😀'

function randString(rng: () => number, max: number): string {
  const n = randInt(rng, max + 1)
  let s = ''
  for (let i = 0; i < n; i++) s += [...alphabet][randInt(rng, [...alphabet].length)]!
  return s
}

function randPath(rng: () => number): string {
  const depth = randInt(rng, 4)
  let p = ''
  for (let i = 0; i < depth; i++) p += '/' + randString(rng, 8)
  return p === '' ? '/' : p
}

function randBytes(rng: () => number, max: number): Uint8Array {
  const out = new Uint8Array(randInt(rng, max + 1))
  for (let i = 0; i < out.length; i++) out[i] = randInt(rng, 256)
  return out
}

function randInt32(rng: () => number): number {
  return (randInt(rng, 0x100000000) | 0)
}

/** A random valid request of a random op (sub-ops of multi included). */
export function randomRequest(rng: () => number): ClientRequest {
  const template = sampleRequests[randInt(rng, sampleRequests.length)]!
  return randomize(rng, template)
}

function randomize(rng: () => number, template: ClientRequest): ClientRequest {
  const r = structuredClone(template) as unknown as Record<string, unknown>
  for (const key of Object.keys(r)) {
    const v = r[key]
    if (key === 'op') continue
    if (key === 'path' || key === 'prefixPath') r[key] = randPath(rng)
    else if (key === 'data' || key === 'auth' || key === 'token') r[key] = randBytes(rng, 64)
    else if (key === 'version' || key === 'flags' || key === 'mode' || key === 'type') r[key] = randInt32(rng)
    else if (key === 'watch') r[key] = rng() < 0.5
    else if (key === 'ttl' || key === 'relativeZxid') r[key] = randInt(rng, 2 ** 40)
    else if (Array.isArray(v) && key.endsWith('Watches')) r[key] = Array.from({ length: randInt(rng, 4) }, () => randPath(rng))
    else if (key === 'acl') {
      r[key] = Array.from({ length: randInt(rng, 3) }, () => ({ perms: randInt(rng, 32), id: { scheme: randString(rng, 6), id: randString(rng, 12) } }))
    } else if (key === 'ops') {
      r[key] = (v as ClientRequest[]).map((sub) => randomize(rng, sub))
    }
  }
  return r as unknown as ClientRequest
}
