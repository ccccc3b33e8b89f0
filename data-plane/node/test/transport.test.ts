// The node-to-node transport over real TCP on 127.0.0.1: framing, batching, the handshake,
// and what happens to oversized frames, garbage and invalid messages (nothing reaches the node).
import { connect, type Socket } from 'node:net';
import { encodeMessages, type Message, message, MessageType } from '@konsortium/raft';
import t, { type Test } from 'tap';
import { FrameDecoder, FrameError, frameHeader } from '../src/transport/frame.js';
import { encodeHello } from '../src/transport/handshake.js';
import { RaftTransport } from '../src/transport/raft-transport.js';
import { LOOPBACK, sleep, testLogger, waitFor } from './helpers/env.js';

interface Endpoint {
  transport: RaftTransport;
  addr: string;
  received: Message[];
  unreachable: number[];
  snapshots: { id: number; ok: boolean }[];
}

async function endpoint(id: number, clusterId = 'c1', port = 0, limits = {}): Promise<Endpoint> {
  const ep: Endpoint = { transport: null as unknown as RaftTransport, addr: '', received: [], unreachable: [], snapshots: [] };
  // The advertised address is fixed before listening on port 0: tests name it after listening.
  let advertised = `${LOOPBACK}:${port}`;
  const transport = new RaftTransport({ self: { id, clusterId, get raftAddr() { return advertised; } }, logger: testLogger(`t${id}`), limits });
  const a = await transport.listen(LOOPBACK, port);
  advertised = `${LOOPBACK}:${a.port}`;
  transport.setHandler({
    onMessages: (msgs) => ep.received.push(...msgs),
    onUnreachable: (peer) => ep.unreachable.push(peer),
    onSnapshotStatus: (peer, ok) => ep.snapshots.push({ id: peer, ok }),
  });
  ep.transport = transport;
  ep.addr = advertised;
  return ep;
}

/** Endpoints 1 and 2, with 1 knowing 2's address; both closed when the test ends. */
async function connectedPair(t: Test): Promise<{ a: Endpoint; b: Endpoint }> {
  const a = await endpoint(1);
  const b = await endpoint(2);
  t.teardown(async () => {
    await a.transport.close();
    await b.transport.close();
  });
  a.transport.setPeer(2, b.addr);
  return { a, b };
}

function app(from: number, to: number, index: number, data = 'x'): Message {
  return message({
    type: MessageType.App,
    from,
    to,
    term: 1,
    logTerm: 1,
    index,
    commit: index,
    entries: [{ term: 1, index: index + 1, type: 0, data: Buffer.from(data) }],
  });
}

function rawConnect(addr: string): Promise<Socket> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const s = connect({ host: host!, port: Number(port) }, () => resolve(s));
    s.once('error', reject);
  });
}

function closed(s: Socket, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), timeoutMs);
    s.on('error', () => undefined);
    s.resume(); // read (and discard) the refusal, so the peer's FIN is seen
    s.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function sendFrame(s: Socket, payload: Uint8Array): void {
  s.write(frameHeader(payload.byteLength));
  s.write(payload);
}

t.test('frame decoder reassembles frames across chunk boundaries and refuses oversized ones', async (t) => {
  const d = new FrameDecoder(100);
  const f1 = Buffer.concat([frameHeader(3), Buffer.from('abc')]);
  const f2 = Buffer.concat([frameHeader(5), Buffer.from('hello')]);
  const stream = Buffer.concat([f1, f2]);
  const out: string[] = [];
  for (let i = 0; i < stream.length; i++) for (const f of d.push(stream.subarray(i, i + 1))) out.push(f.toString());
  t.same(out, ['abc', 'hello']);
  t.same(d.push(stream).map(String), ['abc', 'hello'], 'two frames in one chunk');
  t.throws(() => new FrameDecoder(10).push(frameHeader(11)), FrameError);
});

t.test('messages reach the peer, in order, batched into few frames', async (t) => {
  const { a, b } = await connectedPair(t);
  // The first send connects; wait until messages flow, then count frames for a burst.
  a.transport.send([app(1, 2, 1)]);
  await waitFor('first message', () => b.received.length === 1);
  const framesBefore = a.transport.stats.framesSent;
  const burst = Array.from({ length: 500 }, (_, i) => app(1, 2, i + 2, `v${i}`));
  a.transport.send(burst);
  await waitFor('burst delivered', () => b.received.length === 501);
  t.same(b.received.slice(1).map((m) => m.index), burst.map((m) => m.index), 'in order');
  t.equal(Buffer.from(b.received[500]!.entries[0]!.data).toString(), 'v499');
  t.ok(a.transport.stats.framesSent - framesBefore <= 2, `500 messages sent in ${a.transport.stats.framesSent - framesBefore} frame(s)`);
  t.same(a.unreachable, []);
});

t.test('a snapshot message is reported sent', async (t) => {
  const { a, b } = await connectedPair(t);
  const snap = { metadata: { index: 10, term: 1, confState: { voters: [1, 2], learners: [] } }, data: Buffer.alloc(100_000, 7) };
  a.transport.send([message({ type: MessageType.Snap, from: 1, to: 2, term: 1, snapshot: snap })]);
  await waitFor('snapshot delivered', () => b.received.length === 1);
  t.equal(b.received[0]!.snapshot!.data.byteLength, 100_000);
  await waitFor('snapshot reported', () => a.snapshots.length === 1);
  t.same(a.snapshots, [{ id: 2, ok: true }]);
});

t.test('a node of another cluster is refused at the handshake', async (t) => {
  const a = await endpoint(1, 'other-cluster');
  const b = await endpoint(2, 'c1');
  t.teardown(async () => {
    await a.transport.close();
    await b.transport.close();
  });
  a.transport.setPeer(2, b.addr);
  a.transport.send([app(1, 2, 1)]);
  await waitFor('refusal counted', () => (b.transport.stats.refused.get('handshake') ?? 0) >= 1);
  await waitFor('sender told the peer is unreachable', () => a.unreachable.includes(2));
  await sleep(100);
  t.same(b.received, [], 'nothing delivered');
});

t.test('a connection addressed to another node id is refused', async (t) => {
  const b = await endpoint(2);
  t.teardown(() => b.transport.close());
  const s = await rawConnect(b.addr);
  sendFrame(s, encodeHello({ fromId: 1, toId: 3, clusterId: 'c1', raftAddr: '127.0.0.1:1' }));
  sendFrame(s, encodeMessages([app(1, 2, 1)]));
  t.ok(await closed(s), 'connection closed');
  t.same(b.received, []);
});

t.test('an oversized frame closes the connection', async (t) => {
  const b = await endpoint(2, 'c1', 0, { maxFrameBytes: 64 * 1024 });
  t.teardown(() => b.transport.close());
  const s = await rawConnect(b.addr);
  sendFrame(s, encodeHello({ fromId: 1, toId: 2, clusterId: 'c1', raftAddr: '127.0.0.1:1' }));
  s.write(frameHeader(64 * 1024 + 1));
  t.ok(await closed(s), 'connection closed');
  t.equal(b.transport.stats.refused.get('framing'), 1);
  t.same(b.received, []);
});

t.test('garbage bytes close the connection and deliver nothing', async (t) => {
  const b = await endpoint(2);
  t.teardown(() => b.transport.close());
  // Garbage instead of a handshake.
  const s1 = await rawConnect(b.addr);
  s1.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  t.ok(await closed(s1), 'garbage handshake: closed');
  // A valid handshake, then a frame whose payload is not a message batch.
  const s2 = await rawConnect(b.addr);
  sendFrame(s2, encodeHello({ fromId: 1, toId: 2, clusterId: 'c1', raftAddr: '127.0.0.1:1' }));
  sendFrame(s2, Buffer.from([0, 0, 0, 1, 0xff, 0xff, 0xff]));
  t.ok(await closed(s2), 'undecodable frame: closed');
  t.same(b.received, []);
});

t.test('invalid messages are refused one by one; valid ones still pass', async (t) => {
  const b = await endpoint(2);
  t.teardown(() => b.transport.close());
  const s = await rawConnect(b.addr);
  sendFrame(s, encodeHello({ fromId: 1, toId: 2, clusterId: 'c1', raftAddr: '127.0.0.1:1' }));
  const bad = [
    app(1, 3, 1), // addressed to another node
    app(5, 2, 1), // sender differs from the handshake's
    message({ type: MessageType.Hup, from: 1, to: 2, term: 1 }), // a local message type
    message({ type: MessageType.Heartbeat, from: 1, to: 2, term: 0 }), // no term
  ];
  sendFrame(s, encodeMessages([...bad, app(1, 2, 7)]));
  await waitFor('valid message delivered', () => b.received.length === 1);
  t.equal(b.received[0]!.index, 7);
  t.equal(b.transport.stats.refused.get('invalid-message'), 4);
  t.notOk(s.destroyed, 'connection stays open');
  s.destroy();
});

t.test('the sender drops when the peer is down and reconnects when it is back', async (t) => {
  const a = await endpoint(1, 'c1', 0, { reconnectBaseMs: 10, reconnectMaxMs: 50 });
  let b = await endpoint(2);
  const port = Number(b.addr.split(':')[1]);
  t.teardown(async () => {
    await a.transport.close();
    await b.transport.close();
  });
  a.transport.setPeer(2, b.addr);
  a.transport.send([app(1, 2, 1)]);
  await waitFor('delivered', () => b.received.length === 1);
  await b.transport.close();
  await waitFor('sender notices', () => {
    a.transport.send([app(1, 2, 2)]);
    return a.unreachable.length > 0;
  });
  t.ok((a.transport.stats.dropped.get('peer-disconnected') ?? 0) >= 1, 'dropped while disconnected');
  b = await endpoint(2, 'c1', port);
  await waitFor('delivered after reconnect', () => {
    a.transport.send([app(1, 2, 3)]);
    return b.received.length > 0;
  }, 5000, 50);
  t.equal(b.received[0]!.index, 3);
});
