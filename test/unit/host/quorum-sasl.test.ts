// Method: the quorum SASL pieces without sockets: the identity rule as a table, the loader's checks
// against JAAS files in a temp dir, and one DIGEST-MD5 exchange between the server() and learner()
// the transport is handed, driven by hand.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JaasError } from '../../../lib/config/jaas.js'
import { loadQuorumSasl, memberIdentityProblem, memberOfUser } from '../../../lib/host/quorum-sasl.js'
import { AuthConfigError } from '../../../lib/host/sasl.js'
import type { PeerSaslOptions } from '../../../lib/peer/sasl.js'
import { readSaslFrame, saslFrame } from '../../../lib/peer/sasl.js'

let dir: string
let files = 0
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paddock-quorum-sasl-unit-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function jaasFile(text: string): Promise<string> {
  const file = join(dir, `jaas-${++files}.conf`)
  await writeFile(file, text)
  return file
}

const digest = 'org.apache.zookeeper.server.auth.DigestLoginModule'
const both = (learner: string) => `
QuorumServer { ${digest} required user_server1="pw-1" user_server2="pw-2" user_zk="shared"; };
QuorumLearner { ${digest} required ${learner}; };
`

/** Runs one exchange: the learner's responses to the server's challenges; the user, or the error. */
function exchange(server: PeerSaslOptions, learner: PeerSaslOptions): string {
  const s = server.server()
  const l = learner.learner()
  try {
    let token = s.evaluate(new Uint8Array(0))
    for (let round = 0; round < 5 && s.user === undefined; round++) token = s.evaluate(l.respond(token) ?? new Uint8Array(0))
    expect(l.respond(token)).toBeUndefined()
    expect(l.complete).toBe(true)
    return s.user ?? 'none'
  } catch (error) {
    return (error as Error).message
  }
}

describe('the identity rule of quorum SASL', () => {
  it('binds server<N> to member N, and lets a shared user speak for members without their own', () => {
    const users = new Map([['server1', 'a'], ['server2', 'b'], ['zk', 'c']])
    expect(memberOfUser('server12')).toBe(12)
    expect(memberOfUser('server01')).toBeUndefined()
    expect(memberOfUser('zk')).toBeUndefined()
    expect(memberIdentityProblem(users, 1, 'server1')).toBeUndefined()
    expect(memberIdentityProblem(users, 3, 'server1')).toMatch(/server1 is member 1's, but the connection claims to be member 3/)
    expect(memberIdentityProblem(users, 3, 'zk')).toBeUndefined()
    expect(memberIdentityProblem(users, 2, 'zk')).toMatch(/member 2 has its own SASL user server2, but authenticated as the shared user zk/)
  })
})

describe('loadQuorumSasl', () => {
  it('reads QuorumServer and QuorumLearner and authenticates with ZooKeeper\'s quorum realm', async () => {
    const two = await loadQuorumSasl({ jaasFile: await jaasFile(both('username="server2" password="pw-2"')), learnerRequireSasl: true, serverRequireSasl: true }, 2)
    const one = await loadQuorumSasl({ jaasFile: await jaasFile(both('username="server1" password="pw-1"')) }, 1)
    expect(two.serverRequireSasl && two.learnerRequireSasl).toBe(true)
    expect(one.serverRequireSasl || one.learnerRequireSasl).toBe(false)
    expect(exchange(one, two)).toBe('server2')
    const challenge = Buffer.from(one.server().evaluate(new Uint8Array(0))).toString('latin1')
    expect(challenge).toMatch(/realm="zk-quorum-sasl-md5"/)
  })

  it('fails the exchange on a wrong password', async () => {
    const server = await loadQuorumSasl({ users: { server1: 'pw-1', server2: 'pw-2' }, credentials: { username: 'server1', password: 'pw-1' } }, 1)
    const impostor = await loadQuorumSasl({ users: { server2: 'x' }, credentials: { username: 'server2', password: 'guess' } }, 2)
    expect(exchange(server, impostor)).toMatch(/wrong password/)
  })

  it('names the file and the section when a section or a user is missing, and refuses Kerberos', async () => {
    const noLearner = await jaasFile(`QuorumServer { ${digest} required user_server1="pw"; };`)
    await expect(loadQuorumSasl({ jaasFile: noLearner }, 1)).rejects.toThrow(/has no section "QuorumLearner" \(sections: QuorumServer\)/)
    const noUsers = await jaasFile(`QuorumServer { ${digest} required; };\nQuorumLearner { ${digest} required username="a" password="b"; };`)
    await expect(loadQuorumSasl({ jaasFile: noUsers }, 1)).rejects.toThrow(/section QuorumServer defines no user_<name>/)
    const noPassword = await jaasFile(both('username="server1"'))
    await expect(loadQuorumSasl({ jaasFile: noPassword }, 1)).rejects.toThrow(/section QuorumLearner needs username="..." and password="..."/)
    const kerberos = await jaasFile(`QuorumServer { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true; };\nQuorumLearner { ${digest} required username="a" password="b"; };`)
    await expect(loadQuorumSasl({ jaasFile: kerberos }, 1)).rejects.toThrow(JaasError)
    await expect(loadQuorumSasl({ jaasFile: kerberos }, 1)).rejects.toThrow(/Kerberos \(GSSAPI\) is not supported/)
    const renamed = await jaasFile(both('username="server1" password="pw-1"').replace('QuorumServer', 'Members'))
    await expect(loadQuorumSasl({ jaasFile: renamed, serverSection: 'Members' }, 1)).resolves.toBeDefined()
  })

  it('refuses switches and credentials that cannot work', async () => {
    const file = await jaasFile(both('username="server1" password="pw-1"'))
    await expect(loadQuorumSasl({ jaasFile: file, serverRequireSasl: true }, 1)).rejects.toThrow(AuthConfigError)
    // Member 2 presenting member 1's user would be refused by every other member.
    await expect(loadQuorumSasl({ jaasFile: file }, 2)).rejects.toThrow(/this member \(2\) could not authenticate: SASL user server1 is member 1's/)
    await expect(loadQuorumSasl({ jaasFile: file, users: { a: 'b' } }, 1)).rejects.toThrow(/either jaasFile, or users and credentials/)
  })
})

describe('quorum SASL frames', () => {
  it('reads its own frames and nothing else', () => {
    const frame = saslFrame('challenge', new Uint8Array([1, 2]))
    expect(readSaslFrame(frame)).toEqual(frame)
    expect(readSaslFrame({ tag: 'paddock-peer-sasl/1', status: 'hello' })).toBeUndefined()
    expect(readSaslFrame({ tag: 'paddock-peer-sasl/1', status: 'response', token: 'text' })).toBeUndefined()
    expect(readSaslFrame({ tag: 'paddock-peer/1', id: 3 })).toBeUndefined()
    expect(readSaslFrame(null)).toBeUndefined()
  })
})
