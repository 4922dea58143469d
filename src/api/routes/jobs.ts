/** Jobs: create (202, persisted before the answer), read, download the result, cancel. */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiService, CreateJobInput } from '../service.js';
import { cancelJobSchema, createJobSchema, getJobSchema, jobFileSchema } from '../schemas.js';
import { sendFile } from '../file-response.js';

type JobParams = { Params: { id: string } };

export const jobRoutes: FastifyPluginAsync<{ service: ApiService }> = async (app, { service }) => {
  app.post<{ Body: CreateJobInput; Headers: { 'idempotency-key'?: string } }>(
    '/jobs',
    { schema: createJobSchema, config: { access: 'key' } },
    async (request, reply) => {
      const ticket = await service.createJob(request.caller, request.body, request.headers['idempotency-key']);
      return reply.code(202).header('location', `/api/v1/jobs/${encodeURIComponent(ticket.id)}`).send(ticket);
    },
  );

  app.get<JobParams>('/jobs/:id', { schema: getJobSchema, config: { access: 'key' } }, async (request) =>
    service.jobView(request.caller, request.params.id),
  );

  app.get<JobParams & { Querystring: { index: number } }>(
    '/jobs/:id/file',
    { schema: jobFileSchema, config: { access: 'key' } },
    async (request, reply) => {
      const file = await service.resultFile(request.caller, request.params.id, request.query.index);
      return sendFile(reply, { path: file.path, name: file.name, container: file.container, sizeBytes: file.diskBytes, modifiedAt: file.modifiedAt }, request.headers.range);
    },
  );

  app.delete<JobParams>('/jobs/:id', { schema: cancelJobSchema, config: { access: 'key' } }, async (request) =>
    service.cancelJob(request.caller, request.params.id),
  );
};
