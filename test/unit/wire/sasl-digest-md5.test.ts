import { describe, expect, it } from 'vitest'
import {
  DigestMd5Client,
  DigestMd5Server,
  digestResponse,
  parseDirectives,
  SaslError,
  zooKeeperDigestUri,
} from '../../../lib/wire/sasl-digest-md5.js'

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('latin1')
const bytes = (s: string) => Buffer.from(s, 'latin1')

function server(users: Record<string, string>, nonce = 'server-nonce'): DigestMd5Server {
  return new DigestMd5Server({ passwordOf: (user) => users[user], nonce: () => nonce })
}

/** Runs a whole exchange; returns the server, or the error that ended it. */
function exchange(s: DigestMd5Server, c: DigestMd5Client): DigestMd5Server {
  const challenge = s.evaluate(c.initial())
  const response = c.respond(challenge)
  if (response === undefined) throw new Error('the client answered the challenge with nothing')
  const rspauth = s.evaluate(response)
  expect(c.respond(rspauth)).toBeUndefined()
  return s
}

describe('DIGEST-MD5 digests', () => {
  it('computes the response and rspauth of RFC 2831 section 4', () => {
    const inputs = {
      username: bytes('chris'),
      realm: bytes('elwood.innosoft.com'),
      password: bytes('secret'),
      nonce: 'OA6MG9tEQGm2hh',
      cnonce: 'OA6MHXh6VqTrRk',
      nc: '00000001',
      digestUri: 'imap/elwood.innosoft.com',
      authzid: undefined,
    }
    expect(digestResponse(inputs, 'AUTHENTICATE')).toBe('d388dad90d4bbd760a152321f2143af7')
    expect(digestResponse(inputs, '')).toBe('ea40f60335c427b5527b84dbabcdfffd')
  })

  it('parses quoted values with escapes, tokens, spaces and empty elements', () => {
    const d = parseDirectives(bytes(' username="a\\"b\\\\c" ,, nc=00000001 ,qop=auth, realm = "r,1"'))
    expect(Object.fromEntries(d)).toEqual({ username: 'a"b\\c', nc: '00000001', qop: 'auth', realm: 'r,1' })
  })

  it('refuses repeated directives, unclosed quotes, names without values and oversized tokens', () => {
    expect(() => parseDirectives(bytes('nonce="a",nonce="b"'))).toThrow(/appears twice/)
    expect(() => parseDirectives(bytes('nonce="abc'))).toThrow(/not closed/)
    expect(() => parseDirectives(bytes('nonce'))).toThrow(/without a value/)
    expect(() => parseDirectives(new Uint8Array(5000))).toThrow(SaslError)
  })
})

describe('a DIGEST-MD5 exchange as ZooKeeper runs it', () => {
  it('challenges an empty first token with the zk-sasl-md5 realm and qop auth, then authenticates the user', () => {
    const s = server({ alice: 'alice-secret' })
    const challenge = parseDirectives(s.evaluate(new Uint8Array(0)))
    expect(challenge.get('realm')).toBe('zk-sasl-md5')
    expect(challenge.get('qop')).toBe('auth')
    expect(challenge.get('nonce')).toBe('server-nonce')
    expect(challenge.get('algorithm')).toBe('md5-sess')
    expect(s.complete).toBe(false)
    const c = new DigestMd5Client({ username: 'alice', password: 'alice-secret', cnonce: () => 'client-nonce' })
    const s2 = server({ alice: 'alice-secret' })
    exchange(s2, c)
    expect(s2.result).toEqual({ user: 'alice' })
    expect(c.complete).toBe(true)
  })

  it('authenticates a UTF-8 user name and password', () => {
    const s = exchange(server({ 'jürgen': 'pässwort€' }), new DigestMd5Client({ username: 'jürgen', password: 'pässwort€' }))
    expect(s.result?.user).toBe('jürgen')
  })

  it('refuses a wrong password and an unknown user, and is over afterwards', () => {
    const s = server({ alice: 'alice-secret' })
    const c = new DigestMd5Client({ username: 'alice', password: 'wrong' })
    const response = c.respond(s.evaluate(c.initial()))!
    expect(() => s.evaluate(response)).toThrow(/wrong password/)
    expect(s.complete).toBe(false)
    expect(() => s.evaluate(response)).toThrow(/already over/)
    const unknown = server({ alice: 'alice-secret' })
    const mallory = new DigestMd5Client({ username: 'mallory', password: 'x' })
    expect(() => unknown.evaluate(mallory.respond(unknown.evaluate(mallory.initial()))!)).toThrow(/no user "mallory"/)
  })

  it('refuses a response for another nonce, digest-uri, realm, nonce count or qop', () => {
    const good = (s: DigestMd5Server): string => {
      const c = new DigestMd5Client({ username: 'alice', password: 'pw', cnonce: () => 'cn' })
      return text(c.respond(s.evaluate(c.initial())))
    }
    const cases: [string, string, RegExp][] = [
      ['nonce="server-nonce"', 'nonce="other"', /does not echo the nonce/],
      [`digest-uri="${zooKeeperDigestUri}"`, 'digest-uri="imap/elwood"', /digest-uri/],
      ['realm="zk-sasl-md5"', 'realm="elsewhere"', /realm/],
      ['nc=00000001', 'nc=00000002', /nonce count/],
      ['qop=auth', 'qop=auth-conf', /qop/],
    ]
    for (const [from, to, error] of cases) {
      const s = server({ alice: 'pw' })
      const tampered = good(s).replace(from, to)
      expect(tampered, from).not.toBe(good(server({ alice: 'pw' })))
      expect(() => s.evaluate(bytes(tampered)), from).toThrow(error)
    }
  })

  it('makes the client refuse a server that does not know the password', () => {
    const c = new DigestMd5Client({ username: 'alice', password: 'pw' })
    c.respond(server({ alice: 'pw' }).evaluate(c.initial()))
    expect(() => c.respond(bytes('rspauth=00000000000000000000000000000000'))).toThrow(/did not prove/)
    expect(c.complete).toBe(false)
  })
})
