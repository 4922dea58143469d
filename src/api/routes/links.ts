/** POST /detect (offline) and POST /info (extraction). */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ApiService } from '../service.js';
import { detectSchema, infoSchema } from '../schemas.js';

/** An AbortSignal that fires when the client disconnects before the answer is sent. */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}

export const linkRoutes: FastifyPluginAsync<{ service: ApiService }> = async (app, { service }) => {
  app.post<{ Body: { url?: string; urls?: string[] } }>('/detect', { schema: detectSchema, config: { access: 'key' } }, async (request) => {
    const { url, urls } = request.body;
    return { results: service.detect([...(url !== undefined ? [url] : []), ...(urls ?? [])]) };
  });

  app.post<{ Body: { url: string } }>('/info', { schema: infoSchema, config: { access: 'key' } }, async (request, reply) =>
    service.info(request.body.url, clientGone(reply)),
  );
};
