/** The dead-letter queue, for the admin key: list failed jobs and send one back to the queue. */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiService } from '../service.js';
import { deadJobsSchema, retryDeadSchema } from '../schemas.js';

export const adminRoutes: FastifyPluginAsync<{ service: ApiService }> = async (app, { service }) => {
  app.get<{ Querystring: { limit: number } }>('/dlq', { schema: deadJobsSchema, config: { access: 'admin' } }, async (request) => ({
    jobs: await service.deadJobs(request.query.limit),
  }));

  app.post<{ Params: { id: string } }>('/dlq/:id/retry', { schema: retryDeadSchema, config: { access: 'admin' } }, async (request) =>
    service.retryDead(request.params.id),
  );
};
