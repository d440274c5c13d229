/** SigV4's hash for the SDK's signer, from node:crypto (the SDK's own brings a JS implementation along). */
import { createHash, createHmac } from 'node:crypto'

type SourceData = string | ArrayBuffer | ArrayBufferView

function toBinary(data: SourceData): string | Buffer {
  if (typeof data === 'string') return data
  if (data instanceof ArrayBuffer) return Buffer.from(data)
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** The signer's `sha256` option: a hash, or an HMAC when given a secret. */
export class NodeSha256 {
  private readonly hash
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBinary(secret))
  }
  update(data: SourceData): void {
    this.hash.update(toBinary(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
}
