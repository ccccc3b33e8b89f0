/**
 * Encrypted data: the key-release endpoint and the blob store of large ciphertexts.
 *
 *   POST /v1/channels/:channel/data/release     a reader's signed request → this node's share, sealed to the request's one-time key
 *   PUT  /v1/channels/:channel/blobs/:hash      store ciphertext whose SHA-256 is :hash (idempotent)
 *   GET  /v1/channels/:channel/blobs/:hash      the stored bytes
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ChannelHost } from '../../../ledger/channel-host.js';
import { ChannelParams } from '../../ledger-schemas.js';
import { ERRORS } from '../../schemas.js';

const Hex = (bytes: number) => Type.String({ pattern: `^[0-9a-f]{${bytes * 2}}$` });

export const ReleaseBody = Type.Object(
  {
    record: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,127}$' }),
    version: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    requester: Type.String({ pattern: '^([0-9a-f]{2}){32,97}$' }),
    oneTimeKey: Hex(32),
    requestId: Type.String({ pattern: '^([0-9a-f]{2}){16,32}$' }),
    issuedAt: Type.Integer({ minimum: 0 }),
    signature: Type.String({ pattern: '^([0-9a-f]{2}){32,128}$' }),
  },
  { additionalProperties: false },
);

export const ReleaseReply = Type.Object({
  nodeId: Type.Integer({ minimum: 1 }),
  index: Type.Integer({ minimum: 1, maximum: 255 }),
  sealed: Type.String({ pattern: '^([0-9a-f]{2})+$' }),
  logTx: Hex(32),
  height: Type.Integer({ minimum: 0 }),
});

const BlobParams = Type.Object({ channel: ChannelParams.properties.channel, hash: Hex(32) });
/** Raw bytes (fastify sends a Buffer as is; the schema documents it). */
const BlobBytes = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });
const BlobReply = Type.Object({ hash: Hex(32), size: Type.Integer({ minimum: 0 }), stored: Type.Boolean() });

export const dataRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelHost; blobLimitBytes: number }> = async (app, { channels, blobLimitBytes }) => {
  app.post('/v1/channels/:channel/data/release', { schema: { params: ChannelParams, body: ReleaseBody, response: { 200: ReleaseReply, ...ERRORS } } }, async (req) => {
    return channels.get(req.params.channel).releaser.release(req.body);
  });

  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: blobLimitBytes }, (_req, body, done) => done(null, body));
  app.put(
    '/v1/channels/:channel/blobs/:hash',
    { schema: { params: BlobParams, response: { 200: BlobReply, 201: BlobReply, ...ERRORS } }, bodyLimit: blobLimitBytes },
    async (req, reply) => {
      const c = channels.get(req.params.channel);
      const body = req.body;
      if (!Buffer.isBuffer(body)) return reply.code(415).send({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the blob as application/octet-stream' });
      const stored = await c.blobs.put(req.params.hash, body);
      return reply.code(stored ? 201 : 200).send({ hash: req.params.hash, size: body.length, stored });
    },
  );

  app.get('/v1/channels/:channel/blobs/:hash', { schema: { params: BlobParams, response: { 200: BlobBytes, ...ERRORS } } }, async (req, reply) => {
    const bytes = await channels.get(req.params.channel).blobs.get(req.params.hash);
    return reply.type('application/octet-stream').header('cache-control', 'public, max-age=31536000, immutable').send(bytes);
  });
};
