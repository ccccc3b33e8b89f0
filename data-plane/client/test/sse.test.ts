// The SSE parser: line endings, comments, multi-line data, ids, retry, and arbitrary chunking.
import t from 'tap';
import { readSse, SseParser, type SseEvent } from '../src/index.js';

const STREAM =
  '\uFEFF: hello\n' +
  'retry: 1500\n' +
  'id: 1\nevent: block\ndata: {"a":1}\n\n' +
  ': ping\r\n' +
  'id: 2\r\nevent: block\r\ndata: line one\r\ndata:line two\r\n\r\n' +
  'data: no type\r\r' + // CR line endings, no id: keeps id 2
  'event: block\nid\ndata\n\n' + // bare "id" resets the id; bare "data" is an empty line of data
  'id: 4\nevent: ignored-without-data\n\n' +
  'data: x\nunknown: field\nid: a\0b\n\n' + // an id with NUL is ignored
  'id: 9\nevent: block\ndata: unfinished';

const EXPECTED: SseEvent[] = [
  { type: 'block', data: '{"a":1}', lastEventId: '1', retryMs: 1500 },
  { type: 'block', data: 'line one\nline two', lastEventId: '2', retryMs: 1500 },
  { type: 'message', data: 'no type', lastEventId: '2', retryMs: 1500 },
  { type: 'block', data: '', lastEventId: '', retryMs: 1500 },
  { type: 'message', data: 'x', lastEventId: '4', retryMs: 1500 },
];

function parseInChunks(text: string, cuts: number[]): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  let at = 0;
  for (const c of [...cuts, text.length]) {
    out.push(...p.push(text.slice(at, c)));
    at = c;
  }
  out.push(...p.end());
  return out;
}

t.test('one chunk', (t) => {
  t.same(parseInChunks(STREAM, []), EXPECTED);
  t.end();
});

t.test('split at every position, and byte by byte', (t) => {
  const failures: number[] = [];
  for (let i = 0; i <= STREAM.length; i++) {
    if (JSON.stringify(parseInChunks(STREAM, [i])) !== JSON.stringify(EXPECTED)) failures.push(i);
  }
  t.same(failures, [], 'every single split gives the same events');
  t.same(
    parseInChunks(
      STREAM,
      Array.from({ length: STREAM.length }, (_, i) => i),
    ),
    EXPECTED,
  );
  t.end();
});

t.test('a CR at the very end of the stream still ends its line', (t) => {
  t.same(parseInChunks('data: a\r\r', []), [{ type: 'message', data: 'a', lastEventId: '' }]);
  t.same(parseInChunks('data: a\n\r', [8]), [{ type: 'message', data: 'a', lastEventId: '' }]);
  t.end();
});

t.test('readSse over a byte stream, with UTF-8 split across chunks', async (t) => {
  const bytes = new TextEncoder().encode('event: block\ndata: {"name":"Стрибог"}\n\n');
  const cut = bytes.indexOf(0xd0) + 1; // inside a two-byte character
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes.slice(0, cut));
      c.enqueue(bytes.slice(cut));
      c.close();
    },
  });
  const events: SseEvent[] = [];
  for await (const e of readSse(body)) events.push(e);
  t.same(events, [{ type: 'block', data: '{"name":"Стрибог"}', lastEventId: '' }]);
});

t.test('breaking out of readSse cancels the stream', async (t) => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(new TextEncoder().encode('data: x\n\n'));
    },
    cancel() {
      cancelled = true;
    },
  });
  let n = 0;
  for await (const _ of readSse(body)) if (++n === 3) break;
  t.equal(n, 3);
  t.ok(cancelled);
});

t.test('a stream error is thrown from the iterator', async (t) => {
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulls++ === 0) c.enqueue(new TextEncoder().encode('data: x\n\n'));
      else c.error(new TypeError('terminated'));
    },
  });
  const seen: string[] = [];
  await t.rejects(async () => {
    for await (const e of readSse(body)) seen.push(e.data);
  }, /terminated/);
  t.same(seen, ['x']);
});
