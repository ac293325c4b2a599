// Method: a 3-member ensemble from zoo.cfg in quorum SASL's rolling-upgrade mode on loopback: members 1
// and 2 do quorum SASL (enableSasl without the require switches), member 3 none, so its connection to
// the leader (1 or 2, started first) is let in unauthenticated. Clients of each follower write to
// ACL-protected znodes with a digest identity and with the superuser's: the leader runs what member 3
// forwards without the identities (NOAUTH), and what the authenticated follower forwards with them.
// ZooKeeper's leader believes any learner's authInfo (LearnerHandler, Leader.REQUEST); Paddock does not
// believe one that did not authenticate where members are asked to.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { digestId, memberOptionsFor, OPEN_ACL_UNSAFE, parseZooCfg, Perms, startMember, type MemberServer } from '../../../lib/index.js'
import { addressesOn, quorumJaas, until } from './helpers.js'

describe('client identities forwarded by members that did not authenticate', () => {
  it('are dropped by the leader (NOAUTH), while the same writes through an authenticated member succeed', async () => {
    const map = await addressesOn(['127.0.0.1', '127.0.0.1', '127.0.0.1'])
    const dir = await mkdtemp(join(tmpdir(), 'paddock-forwarded-identities-'))
    const running = new Map<number, MemberServer>()
    const logs = new Map<number, string[]>([1, 2, 3].map((id) => [id, []]))
    const start = async (id: number) => {
      await writeFile(join(dir, `jaas${id}.conf`), quorumJaas(id))
      const text = [
        'tickTime=100',
        `dataDir=${join(dir, String(id))}`,
        ...[...map].map(([n, a]) => `server.${n}=${a.host}:${a.quorumPort}:${a.electionPort}`),
        `zookeeper.DigestAuthenticationProvider.superDigest=${digestId('super:secret')}`,
        // Member 3 does no quorum SASL: it runs as before SASL was turned on.
        ...(id === 3 ? [] : [`java.security.auth.login.config=${join(dir, `jaas${id}.conf`)}`, 'quorum.auth.enableSasl=true']),
      ].join('\n')
      const log = (line: string) => void logs.get(id)?.push(line)
      running.set(id, await startMember({ ...memberOptionsFor(parseZooCfg(text, `zoo${id}.cfg`), id), port: undefined, logger: { info: log, error: log } }))
    }
    try {
      // 1 and 2 first, so that one of them leads; then 3 joins as a follower.
      await start(1)
      await start(2)
      const pair = () => [running.get(1), running.get(2)] as MemberServer[]
      await until(() => pair().some((m) => m.mode === 'leader') && pair().some((m) => m.mode === 'follower'), 'a leader and a follower of 1 and 2', 20_000)
      await start(3)
      const three = running.get(3) as MemberServer
      await until(() => three.mode === 'follower', 'member 3 to follow', 20_000)
      const leader = pair().find((m) => m.mode === 'leader') as MemberServer
      const follower = pair().find((m) => m.mode === 'follower') as MemberServer
      const leaderId = [...running].find(([, m]) => m === leader)?.[0] as number

      const owner = await leader.connect()
      await owner.addAuth('digest', 'alice:pw')
      await owner.create('/alice-only', 'v0', { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('alice:pw') } }] })
      await owner.create('/nobody', 'v0', { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('nobody:unknown') } }] })
      await owner.close()

      /** A session on `member` holding `credential`, synced with the leader. */
      const session = async (member: MemberServer, credential: string) => {
        const client = await member.connect()
        await client.addAuth('digest', credential)
        await client.sync('/')
        return client
      }

      // Through member 3: its session exists (createSession needs no identity), the follower reads with
      // the identity it holds, but the leader runs its writes as world.
      const alice3 = await session(three, 'alice:pw')
      expect((await alice3.getString('/alice-only')).data).toBe('v0')
      await expect(alice3.setData('/alice-only', 'from-3')).rejects.toMatchObject({ code: 'NOAUTH' })
      await expect(alice3.create('/alice-only/child', '')).rejects.toMatchObject({ code: 'NOAUTH' })
      const super3 = await session(three, 'super:secret')
      await expect(super3.setData('/nobody', 'from-3')).rejects.toMatchObject({ code: 'NOAUTH' })
      await expect(super3.setACL('/nobody', OPEN_ACL_UNSAFE)).rejects.toMatchObject({ code: 'NOAUTH' })
      await super3.create('/open-from-3', 'world may')
      await alice3.close()
      await super3.close()

      // Through the authenticated follower the same writes carry their identities.
      const alice = await session(follower, 'alice:pw')
      await alice.setData('/alice-only', 'from-follower')
      const root = await session(follower, 'super:secret')
      await root.setData('/nobody', 'from-super')
      const check = await session(leader, 'super:secret')
      expect((await check.getString('/alice-only')).data).toBe('from-follower')
      expect((await check.getString('/nobody')).data).toBe('from-super')
      expect((await check.getString('/open-from-3')).data).toBe('world may')
      await Promise.all([alice.close(), root.close(), check.close()])

      // The leader said so once for member 3, and never for the authenticated follower.
      const told = (logs.get(leaderId) ?? []).filter((line) => /member \d's quorum connection is not authenticated/.test(line))
      expect(told).toEqual(["member 3's quorum connection is not authenticated: the writes it forwards run without their clients' identities (as world)"])
    } finally {
      for (const m of running.values()) await m.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
