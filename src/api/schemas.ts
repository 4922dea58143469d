/**
 * JSON schemas of the REST API. Routes validate requests and serialize responses with them,
 * and the OpenAPI document is generated from the same objects, so the documentation cannot
 * drift from what the server does. Response schemas are also an allowlist: a field not named
 * here (a format's request headers, a job's owner) never leaves the server.
 */
import { QUALITIES } from '../media/types.js';

/** Shared schemas, registered with fastify.addSchema and listed under components.schemas. */
export const SHARED_SCHEMAS = [
  {
    $id: 'Error',
    type: 'object',
    description: 'Every error response: a stable dotted code and an English sentence.',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', description: 'A DownloadError code (content.private, fetch.failed, …) or an API code (auth.required, job.not_found, …).' },
          message: { type: 'string' },
        },
      },
    },
  },
  {
    $id: 'Detection',
    type: 'object',
    description: 'The offline detection of one input, as `dlbot detect --json` prints it.',
    required: ['input', 'platform', 'id'],
    properties: {
      input: { type: 'string' },
      platform: { type: ['string', 'null'] },
      id: { type: ['string', 'null'] },
      needsResolve: { type: 'boolean', description: 'A short link: the id is known after following its redirect.' },
      kind: { type: 'string' },
      error: { type: 'string', enum: ['link.invalid', 'link.unsupported'] },
    },
  },
  {
    $id: 'Format',
    type: 'object',
    required: ['id', 'protocol'],
    properties: {
      id: { type: 'string' },
      url: { type: 'string' },
      protocol: { type: 'string', enum: ['https', 'hls', 'dash'] },
      container: { type: 'string' },
      vcodec: { type: ['string', 'null'] },
      acodec: { type: ['string', 'null'] },
      width: { type: 'integer' },
      height: { type: 'integer' },
      fps: { type: 'number' },
      bitrateKbps: { type: 'number' },
      filesizeBytes: { type: 'integer' },
      filesizeApprox: { type: 'boolean' },
      dynamicRange: { type: 'string', enum: ['SDR', 'HDR'] },
      watermarked: { type: 'boolean' },
      image: { type: 'boolean' },
      language: { type: 'string' },
      note: { type: 'string' },
    },
  },
  {
    $id: 'MediaInfo',
    type: 'object',
    required: ['platform', 'id', 'url', 'formats'],
    properties: {
      platform: { type: 'string' },
      id: { type: 'string' },
      url: { type: 'string' },
      title: { type: 'string' },
      uploader: { type: 'string' },
      uploaderId: { type: 'string' },
      durationSec: { type: 'number' },
      thumbnail: { type: 'string' },
      description: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      music: { type: 'object', properties: { title: { type: 'string' }, author: { type: 'string' }, url: { type: 'string' } } },
      timestamp: { type: 'number', description: 'Unix seconds of publication.' },
      viewCount: { type: 'integer' },
      likeCount: { type: 'integer' },
      formats: { type: 'array', items: { $ref: 'Format#' } },
      entries: { type: 'array', items: { $ref: 'MediaInfo#' }, description: 'Carousel items, playlist videos or thread posts.' },
      entriesTotal: { type: 'integer' },
      live: { type: 'boolean' },
      ageLimit: { type: 'integer' },
    },
  },
  {
    $id: 'Job',
    type: 'object',
    required: ['id', 'state', 'url', 'request', 'attempts', 'maxAttempts', 'errors', 'createdAt', 'updatedAt'],
    properties: {
      id: { type: 'string' },
      state: { type: 'string', enum: ['queued', 'running', 'done', 'cancelled', 'dead'] },
      position: { type: 'integer', description: '1-based place in line while queued.' },
      url: { type: 'string' },
      request: {
        type: 'object',
        properties: { quality: { type: 'string' }, audioFormat: { type: 'string' }, noWatermark: { type: 'boolean' } },
      },
      attempts: { type: 'integer' },
      maxAttempts: { type: 'integer' },
      progress: {
        type: 'object',
        properties: {
          stage: { type: 'string', enum: ['extract', 'download', 'process', 'done'] },
          item: { type: 'integer' },
          items: { type: 'integer' },
          downloadedBytes: { type: 'integer' },
          totalBytes: { type: 'integer' },
          percent: { type: 'number' },
        },
      },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: { at: { type: 'string', format: 'date-time' }, code: { type: 'string' }, message: { type: 'string' }, attempt: { type: 'integer' } },
        },
      },
      result: {
        type: 'object',
        properties: {
          platform: { type: 'string' },
          mediaId: { type: 'string' },
          title: { type: 'string' },
          files: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                index: { type: 'integer' },
                name: { type: 'string' },
                kind: { type: 'string', enum: ['video', 'audio', 'image'] },
                container: { type: 'string' },
                sizeBytes: { type: 'integer' },
                durationSec: { type: 'number' },
                width: { type: 'integer' },
                height: { type: 'integer' },
                url: { type: 'string', description: 'Where to GET the file (supports Range).' },
              },
            },
          },
        },
      },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  },
  {
    $id: 'Dashboard',
    type: 'object',
    description: 'The operator dashboard (the seed shape: system / downloads / platforms, plus queue, cache, circuits, errors and history).',
    required: ['system', 'downloads', 'platforms', 'queue'],
    properties: {
      system: {
        type: 'object',
        properties: {
          state: { type: 'string', enum: ['starting', 'running', 'degraded', 'stopping', 'stopped'] },
          uptime: { type: 'string' },
          memory_usage: { type: 'string' },
          uptime_sec: { type: 'number' },
          rss_bytes: { type: 'integer' },
          memory_limit_bytes: { type: 'integer' },
          memory_percent: { type: 'number' },
        },
      },
      downloads: {
        type: 'object',
        properties: {
          total: { type: 'integer' },
          success_rate: { type: 'number' },
          avg_duration_ms: { type: 'number' },
          bytes: { type: 'integer' },
        },
      },
      platforms: {
        type: 'object',
        additionalProperties: { type: 'object', properties: { success: { type: 'integer' }, failed: { type: 'integer' } } },
      },
      queue: { type: 'object', additionalProperties: { type: 'integer' } },
      cache: {
        type: 'object',
        properties: { hits: { type: 'integer' }, misses: { type: 'integer' }, evictions: { type: 'integer' }, hit_rate: { type: 'number' } },
      },
      circuits: { type: 'object', additionalProperties: { type: 'string', enum: ['closed', 'open', 'half-open'] } },
      recent_errors: {
        type: 'array',
        items: { type: 'object', properties: { at: { type: 'number' }, platform: { type: 'string' }, code: { type: 'string' } } },
      },
      history: {
        type: 'array',
        items: { type: 'object', properties: { at: { type: 'number' }, success: { type: 'integer' }, failed: { type: 'integer' } } },
      },
    },
  },
] as const;

const ref = (id: (typeof SHARED_SCHEMAS)[number]['$id']) => ({ $ref: `${id}#` });

/** Response entries for the error statuses a route can answer with. */
export function errorResponses(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(statuses.map((s) => [s, ref('Error')]));
}

/** Statuses every keyed route can answer: bad request, no key, rate limit, server fault. */
const COMMON_ERRORS = [400, 401, 429, 500];

/** A link as a client sends it; the engine bounds the length again with its own limit. */
const linkSchema = { type: 'string', minLength: 1, maxLength: 4096 } as const;

/** Most links one /detect call takes. */
export const DETECT_MAX_URLS = 100;

export const detectSchema = {
  summary: 'Detect the platform and id of links (offline)',
  tags: ['links'],
  body: {
    type: 'object',
    properties: { url: linkSchema, urls: { type: 'array', items: linkSchema, minItems: 1, maxItems: DETECT_MAX_URLS } },
    anyOf: [{ required: ['url'] }, { required: ['urls'] }],
  },
  response: {
    200: { type: 'object', required: ['results'], properties: { results: { type: 'array', items: ref('Detection') } } },
    ...errorResponses(...COMMON_ERRORS),
  },
};

export const infoSchema = {
  summary: 'Extract the media information behind a link',
  tags: ['links'],
  body: { type: 'object', required: ['url'], properties: { url: linkSchema } },
  response: { 200: ref('MediaInfo'), ...errorResponses(...COMMON_ERRORS, 403, 404, 413, 422, 502, 503) },
};

export const createJobSchema = {
  summary: 'Queue a download; poll the job or subscribe to jobProgress over GraphQL',
  tags: ['jobs'],
  headers: {
    type: 'object',
    properties: { 'idempotency-key': { type: 'string', maxLength: 200, description: 'Repeating a request with the same key returns the same active job.' } },
  },
  body: {
    type: 'object',
    required: ['url'],
    properties: {
      url: linkSchema,
      quality: { type: 'string', enum: [...QUALITIES] },
      audio: { type: 'boolean', description: 'Audio only (same as quality "audio").' },
      audioFormat: { type: 'string', enum: ['m4a', 'mp3'] },
      noWatermark: { type: 'boolean' },
    },
  },
  response: {
    202: {
      type: 'object',
      required: ['id', 'state'],
      properties: { id: { type: 'string' }, state: { type: 'string' }, position: { type: 'integer' } },
    },
    ...errorResponses(...COMMON_ERRORS, 403, 422),
  },
};

const jobIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } };

export const getJobSchema = {
  summary: 'A job: state, progress, attempts, errors and result links',
  tags: ['jobs'],
  params: jobIdParams,
  response: { 200: ref('Job'), ...errorResponses(...COMMON_ERRORS, 404) },
};

export const jobFileSchema = {
  summary: 'Download a result file (supports Range: 206 / 416)',
  tags: ['jobs'],
  params: jobIdParams,
  querystring: { type: 'object', properties: { index: { type: 'integer', minimum: 0, default: 0, description: 'Which file of a carousel or playlist.' } } },
  response: {
    200: { description: 'The whole file.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
    206: { description: 'The requested byte range.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
    ...errorResponses(...COMMON_ERRORS, 404, 409, 410, 416),
  },
};

export const cancelJobSchema = {
  summary: 'Cancel a queued or running job',
  tags: ['jobs'],
  params: jobIdParams,
  response: { 200: ref('Job'), ...errorResponses(...COMMON_ERRORS, 404, 409) },
};

export const platformsSchema = {
  summary: 'Platforms: enabled or not, native extractor or fallback, circuit state',
  tags: ['status'],
  response: {
    200: {
      type: 'object',
      required: ['platforms'],
      properties: {
        platforms: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              enabled: { type: 'boolean' },
              native: { type: 'boolean' },
              circuit: { type: 'string', enum: ['closed', 'open', 'half-open'] },
            },
          },
        },
      },
    },
    ...errorResponses(429, 500),
  },
};

export const healthSchema = {
  summary: 'Liveness: 200 while the process serves requests',
  tags: ['status'],
  response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] }, uptimeSec: { type: 'number' } } } },
};

const healthReport = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    state: { type: 'string' },
    components: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { ok: { type: 'boolean' }, detail: { type: 'string' }, lastRecoveryMs: { type: 'number' } },
      },
    },
  },
};

export const readySchema = {
  summary: 'Readiness: 200 when every component is healthy, 503 otherwise',
  tags: ['status'],
  response: { 200: healthReport, 503: healthReport },
};

export const dashboardSchema = {
  summary: 'Dashboard numbers (what the web dashboard polls)',
  tags: ['status'],
  response: { 200: ref('Dashboard'), ...errorResponses(429, 500) },
};

export const metricsSchema = {
  summary: 'Prometheus metrics (text exposition format)',
  tags: ['status'],
  response: { 200: { description: 'Every metric.', content: { 'text/plain': { schema: { type: 'string' } } } } },
};

export const deadJobsSchema = {
  summary: 'Dead-letter queue: jobs that failed for good, newest first (admin)',
  tags: ['admin'],
  querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } },
  response: {
    200: { type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: ref('Job') } } },
    ...errorResponses(...COMMON_ERRORS, 403),
  },
};

export const retryDeadSchema = {
  summary: 'Move a dead job back to the queue with a fresh attempt budget (admin)',
  tags: ['admin'],
  params: jobIdParams,
  response: { 200: ref('Job'), ...errorResponses(...COMMON_ERRORS, 403, 404) },
};
