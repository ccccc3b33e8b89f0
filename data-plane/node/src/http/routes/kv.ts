/** The key-value resource: PUT and GET /v1/kv/:key. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NodeError } from '../../errors.js';
import type { HttpLimits, NodeApi } from '../node-api.js';
import { ERRORS, GetQuery, GetReply, KeyParams, PutBody, PutReply } from '../schemas.js';

/** No whitespace or control characters; anything else printable (UTF-8) is a key. */
const KEY_PATTERN = /^[^\s\p{Cc}]+$/u;

export function checkKey(key: string, maxKeyBytes: number): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0 || bytes > maxKeyBytes) throw new NodeError('INVALID_KEY', `key must be 1 to ${maxKeyBytes} bytes, got ${bytes}`);
  if (!KEY_PATTERN.test(key)) throw new NodeError('INVALID_KEY', 'key must not contain whitespace or control characters');
}

export const kvRoutes: FastifyPluginAsyncTypebox<{ node: NodeApi; limits: HttpLimits }> = async (app, { node, limits }) => {
  app.put('/v1/kv/:key', { schema: { params: KeyParams, body: PutBody, response: { 200: PutReply, ...ERRORS } } }, async (req) => {
    const { key } = req.params;
    checkKey(key, limits.maxKeyBytes);
    const { value } = req.body;
    // A cheap upper bound first: most values are far below the limit.
    if (value.length * 3 > limits.maxValueBytes && Buffer.byteLength(value, 'utf8') > limits.maxValueBytes) {
      throw new NodeError('VALUE_TOO_LARGE', `value exceeds ${limits.maxValueBytes} bytes`);
    }
    return node.put(key, value);
  });

  app.get('/v1/kv/:key', { schema: { params: KeyParams, querystring: GetQuery, response: { 200: GetReply, ...ERRORS } } }, async (req) => {
    const { key } = req.params;
    checkKey(key, limits.maxKeyBytes);
    const record = await node.get(key, req.query.consistency ?? 'linearizable');
    if (record === undefined) throw new NodeError('KEY_NOT_FOUND', `key ${JSON.stringify(key)} not found`);
    return { key, value: record.value, revision: record.revision };
  });
};
