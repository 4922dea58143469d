/**
 * Operator routes: liveness, readiness, dashboard numbers, the platform list, and Prometheus
 * metrics (registered at the root, /metrics, where scrapers look by default).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { StatusSource } from '../../core/status.js';
import type { ApiService } from '../service.js';
import { dashboardSchema, healthSchema, metricsSchema, platformsSchema, readySchema } from '../schemas.js';

export const statusRoutes: FastifyPluginAsync<{ service: ApiService }> = async (app, { service }) => {
  app.get('/health', { schema: healthSchema, config: { access: 'probe' } }, async () => ({ status: 'ok', uptimeSec: Math.round(process.uptime()) }));

  app.get('/ready', { schema: readySchema, config: { access: 'probe' } }, async (request, reply) => {
    try {
      const report = await service.health();
      return reply.code(report.ok ? 200 : 503).send(report);
    } catch (error) {
      // a status source that cannot answer is itself a reason not to take traffic
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ ok: false, state: 'degraded', components: { status: { ok: false, detail: 'health check failed' } } });
    }
  });

  app.get('/dashboard', { schema: dashboardSchema, config: { access: 'public' } }, async () => service.dashboard());

  app.get('/platforms', { schema: platformsSchema, config: { access: 'public' } }, async () => ({ platforms: await service.platforms() }));
};

export const metricsRoute: FastifyPluginAsync<{ status: StatusSource }> = async (app, { status }) => {
  app.get('/metrics', { schema: metricsSchema, config: { access: 'probe' } }, async (_request, reply) =>
    reply.type(status.metricsContentType).send(await status.metricsText()),
  );
};
