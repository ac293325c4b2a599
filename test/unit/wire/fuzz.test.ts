// Method: seeded fuzzing: random and mutated valid frames through FrameDecoder and the request decoders; only JuteDecodeError may escape (replay with WIRE_FUZZ_SEED=<seed>).

import { describe, expect, it } from 'vitest'
import {
  FrameDecoder,
  JuteDecodeError,
  JuteReader,
  JuteWriter,
  decodeRequestFrame,
  readConnectRequest,
  writeConnectRequestFrame,
  writeRequestFrame,
} from '../../../lib/wire/index.js'
import { OpCode } from '../../../lib/protocol/opcodes.js'
import { makeRng, randInt, randomRequest } from './samples.js'

const inputsTotal = 100_000
const maxBufferBytes = 0xfffff
const seed = process.env.WIRE_FUZZ_SEED !== undefined ? Number(process.env.WIRE_FUZZ_SEED) : (Math.random() * 2 ** 32) >>> 0
const interestingInts = [-1, -2, 0, 1, 4, 8, 0x7fffffff, -0x80000000, maxBufferBytes, maxBufferBytes + 1, 0xffff, 255]
const opCodes = Object.values(OpCode)

type Rng = () => number

function mutate(rng: Rng, input: Uint8Array): Uint8Array {
  let b = Uint8Array.from(input)
  const rounds = 1 + randInt(rng, 4)
  for (let k = 0; k < rounds; k++) {
    const at = randInt(rng, b.length + 1)
    switch (randInt(rng, 7)) {
      case 0: // flip one bit
        if (b.length > 0) b[Math.min(at, b.length - 1)]! ^= 1 << randInt(rng, 8)
        break
      case 1: // random byte
        if (b.length > 0) b[Math.min(at, b.length - 1)] = randInt(rng, 256)
        break
      case 2: // truncate
        b = b.subarray(0, at)
        break
      case 3: { // insert random bytes
        const extra = Uint8Array.from({ length: 1 + randInt(rng, 8) }, () => randInt(rng, 256))
        b = Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)])
        break
      }
      case 4: // delete a range
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + randInt(rng, 8))])
        break
      case 5: { // an interesting int over a length, count or opcode
        if (b.length >= 4) {
          const pos = Math.min(at, b.length - 4)
          new DataView(b.buffer, b.byteOffset).setInt32(pos, interestingInts[randInt(rng, interestingInts.length)]!)
        }
        break
      }
      default: // duplicate a region
        b = Uint8Array.from([...b, ...b.subarray(at, at + randInt(rng, 16))])
    }
  }
  return b
}

function prefixed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 4)
  new DataView(out.buffer).setInt32(0, payload.length)
  out.set(payload, 4)
  return out
}

function frameOf(fill: (w: JuteWriter) => void): Uint8Array {
  const w = new JuteWriter()
  fill(w)
  return w.finish()
}

/** Runs `fn`; any exception but JuteDecodeError fails the test with the seed and the input. */
function expectOnlyDecodeErrors(fn: () => void, input: Uint8Array, i: number): void {
  try {
    fn()
  } catch (e) {
    if (e instanceof JuteDecodeError) return
    throw new Error(`WIRE_FUZZ_SEED=${seed} input #${i} (${Buffer.from(input).toString('hex')}) threw ${String(e)}`, { cause: e })
  }
}

/** Streams `bytes` through a FrameDecoder in random chunks and decodes each frame as a request. */
function throughDecoder(rng: Rng, bytes: Uint8Array, asConnect: boolean): number {
  const decoder = new FrameDecoder({ maxBufferBytes })
  let frames = 0
  let off = 0
  while (off < bytes.length) {
    const n = 1 + randInt(rng, 64)
    for (const frame of decoder.push(bytes.subarray(off, off + n))) {
      frames++
      if (asConnect && frames === 1) readConnectRequest(new JuteReader(frame, { maxBufferBytes }))
      else decodeRequestFrame(frame, { maxBufferBytes })
    }
    off += n
  }
  expect(decoder.buffered).toBeLessThanOrEqual(maxBufferBytes + 4)
  return frames
}

function validStream(rng: Rng): Uint8Array {
  const w = new JuteWriter()
  const count = 1 + randInt(rng, 3)
  for (let k = 0; k < count; k++) writeRequestFrame(w, randInt(rng, 1000), randomRequest(rng))
  return w.finish()
}

function randomBytes(rng: Rng): Uint8Array {
  const head = new Uint8Array(8)
  new DataView(head.buffer).setInt32(0, randInt(rng, 100))
  new DataView(head.buffer).setInt32(4, opCodes[randInt(rng, opCodes.length)]!)
  const tail = Uint8Array.from({ length: randInt(rng, 64) }, () => randInt(rng, 256))
  return rng() < 0.7 ? Uint8Array.from([...head, ...tail]) : tail
}

function oneInput(rng: Rng, i: number): void {
  const kind = randInt(rng, 10)
  if (kind === 0) {
    // A valid request must decode to itself.
    const request = randomRequest(rng)
    const frames = new FrameDecoder().push(frameOf((w) => writeRequestFrame(w, 1, request)))
    expect(decodeRequestFrame(frames[0]!).request).toEqual(request)
    return
  }
  if (kind === 1) {
    const connect = frameOf((w) => writeConnectRequestFrame(w, {
      protocolVersion: 0, lastZxidSeen: randInt(rng, 2 ** 40), timeOut: 30000, sessionId: BigInt(randInt(rng, 2 ** 50)),
      passwd: new Uint8Array(16), readOnly: rng() < 0.5 ? undefined : rng() < 0.5,
    }))
    const input = mutate(rng, connect)
    expectOnlyDecodeErrors(() => throughDecoder(rng, input, true), input, i)
    expectOnlyDecodeErrors(() => readConnectRequest(new JuteReader(input.subarray(4))), input, i)
    return
  }
  const source = kind === 2 ? randomBytes(rng) : validStream(rng)
  // Half the time mutate only payload bytes and re-prefix, so the body decoders see the damage.
  const input = kind === 2 ? prefixed(source) : rng() < 0.5 ? mutate(rng, source) : prefixed(mutate(rng, source.subarray(4)))
  expectOnlyDecodeErrors(() => throughDecoder(rng, input, false), input, i)
  expectOnlyDecodeErrors(() => decodeRequestFrame(input.subarray(4)), input, i)
}

describe('wire decoders under fuzzing', () => {
  it(`survive ${inputsTotal} random and mutated frames with no exception but JuteDecodeError`, () => {
    console.log(`WIRE_FUZZ_SEED=${seed}`)
    const rng = makeRng(seed)
    const started = performance.now()
    for (let i = 0; i < inputsTotal; i++) oneInput(rng, i)
    const ms = performance.now() - started
    console.log(`wire fuzz: ${inputsTotal} inputs in ${ms.toFixed(0)} ms`)
  }, 120_000)
})
