/**
 * Length-prefixed frames on a byte stream: u32 big-endian payload length, then the payload.
 * A declared length above the limit is a protocol error (the connection is closed), so a peer
 * can never make us buffer more than `maxFrameBytes` for one frame.
 */

export const FRAME_HEADER_BYTES = 4;

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** The 4-byte header announcing a payload of `payloadBytes`. */
export function frameHeader(payloadBytes: number): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  h.writeUInt32BE(payloadBytes, 0);
  return h;
}

/** Splits a byte stream into frames. Chunks are kept as a list so a large frame is copied once. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Payload length of the frame being assembled, once its header is complete. */
  private expected: number | null = null;

  constructor(private maxFrameBytes: number) {}

  /** Changes the limit (the handshake uses a small one, the message stream a large one). */
  setMaxFrameBytes(n: number): void {
    this.maxFrameBytes = n;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Feeds bytes; returns the frames they complete. Throws FrameError on an oversized length. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.expected === null) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxFrameBytes) {
          throw new FrameError(`frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      frames.push(this.take(this.expected));
      this.expected = null;
    }
    return frames;
  }

  /** Removes and returns the next n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      // Common case: the bytes sit in one chunk; return a view without copying.
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const use = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, use);
      filled += use;
      if (use === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(use);
    }
    this.buffered -= n;
    return out;
  }
}
