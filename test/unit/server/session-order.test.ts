// Method: a Pipeline driven by a hand-held committer (held-member.ts), so writes stay in flight
// for as long as a test needs; what each session's requests see and the order of their answers
// are recorded (ZooKeeper: CommitProcessor orders a session's
// reads only behind that session's own writes).
import { describe, expect, it } from 'vitest'
import type { Channel } from '../../../lib/server/pipeline-types.js'
import type { Request, Response } from '../../../lib/protocol/requests.js'
import { heldMember, open } from './held-member.js'

describe('per-session ordering of reads', () => {
  it('answers a session\'s read at once while another session\'s write is in flight', () => {
    const { member, held, commitNext } = heldMember()
    const writer = open(member, commitNext)
    const reader = open(member, commitNext)
    const answers: string[] = []
    const ask = (channel: Channel, name: string, request: Request, cxid: number) =>
      member.submit(channel, request, cxid, (response: Response) => answers.push(`${name} ${response.err}`))

    ask(writer, 'writer create', { op: 'create', path: '/a', data: new Uint8Array(), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], mode: 0 }, 1)
    ask(reader, 'reader exists', { op: 'exists', path: '/a', watch: false }, 1)
    ask(reader, 'reader getChildren', { op: 'getChildren', path: '/', watch: false }, 2)
    expect(held).toHaveLength(1)
    expect(answers).toEqual(['reader exists -101', 'reader getChildren 0'])
  })

  it('holds a session\'s read behind its own write and answers both in request order', () => {
    const { member, commitNext } = heldMember()
    const writer = open(member, commitNext)
    const answers: string[] = []
    const ask = (name: string, request: Request, cxid: number) =>
      member.submit(writer, request, cxid, (response: Response) => answers.push(`${name} ${response.err}`))

    ask('create', { op: 'create', path: '/a', data: new Uint8Array(), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], mode: 0 }, 1)
    ask('exists', { op: 'exists', path: '/a', watch: false }, 2)
    expect(answers).toEqual([])
    commitNext()
    // The read ran after the write applied: it sees /a (err 0, not NONODE).
    expect(answers).toEqual(['create 0', 'exists 0'])
  })

  it('answers reads queued behind a write that fails when the member stops leading', () => {
    const { member, commitNext } = heldMember()
    const writer = open(member, commitNext)
    const answers: string[] = []
    member.submit(writer, { op: 'setData', path: '/', data: new Uint8Array(), version: -1 }, 1, (r) => answers.push(`setData ${r.err}`))
    member.submit(writer, { op: 'getData', path: '/', watch: false }, 2, (r) => answers.push(`getData ${r.err}`))
    member.setRole('looking')
    expect(answers).toEqual(['setData -4', 'getData 0'])
  })

  it('answers a sync the leader refused with CONNECTIONLOSS rather than as done, and reads behind it after', () => {
    const { member, commitNext } = heldMember()
    const channel = open(member, commitNext)
    const answers: string[] = []
    member.submit(channel, { op: 'sync', path: '/' }, 1, (r) => answers.push(`sync ${r.err}`))
    member.submit(channel, { op: 'exists', path: '/', watch: false }, 2, (r) => answers.push(`exists ${r.err}`))
    expect(answers).toEqual(['sync -4', 'exists 0'])
  })
})
